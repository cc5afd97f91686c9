"""LruCache: per-query work computed once, least recently used dropped first."""

from __future__ import annotations

from atelier.services.lru import LruCache


def test_a_repeated_key_is_computed_once() -> None:
    cache: LruCache[int] = LruCache(4)
    calls: list[str] = []

    def compute(key: str) -> int:
        calls.append(key)
        return len(key)

    assert cache.get_or_compute("abc", lambda: compute("abc")) == 3
    assert cache.get_or_compute("abc", lambda: compute("abc")) == 3
    assert calls == ["abc"]


def test_the_least_recently_used_key_is_dropped_first() -> None:
    cache: LruCache[int] = LruCache(2)
    cache.get_or_compute("a", lambda: 1)
    cache.get_or_compute("b", lambda: 2)
    cache.get_or_compute("a", lambda: 1)  # "a" is now the most recent
    cache.get_or_compute("c", lambda: 3)
    assert cache.get_or_compute("a", lambda: -1) == 1
    assert cache.get_or_compute("b", lambda: -2) == -2


def test_clear_forgets_everything() -> None:
    cache: LruCache[int] = LruCache(2)
    cache.get_or_compute("a", lambda: 1)
    cache.clear()
    assert cache.get_or_compute("a", lambda: 5) == 5


def test_many_keys_at_once_return_only_the_hits_and_respect_the_size() -> None:
    cache: LruCache[str] = LruCache(3)
    cache.put_many({1: "a", 2: "b", 3: "c", 4: "d"})
    assert cache.get_many([1, 2, 3, 4, 5]) == {2: "b", 3: "c", 4: "d"}
