"""A small thread-safe LRU for per-query work that one request (or the next page) repeats."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Generic, TypeVar

V = TypeVar("V")


class LruCache(Generic[V]):
    """At most `size` values by key, least recently used dropped first.

    A search for images and LoRAs embeds the query and runs the image keyword search twice
    (once for the images, once for the LoRA votes), and a next page repeats all of it; the
    values are immutable, so sharing them across threads is safe.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._values: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    @property
    def capacity(self) -> int:
        return self._size

    def get_or_compute(self, key: Hashable, compute: Callable[[], V]) -> V:
        """The cached value for `key`, computing it (outside the lock) on a miss."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        with self._lock:
            self._values[key] = value
            while len(self._values) > self._size:
                self._values.popitem(last=False)
        return value

    def get_many(self, keys: Iterable[Hashable]) -> dict[Hashable, V]:
        """The cached values among `keys` (misses are simply absent)."""
        with self._lock:
            found = {key: self._values[key] for key in keys if key in self._values}
            for key in found:
                self._values.move_to_end(key)
        return found

    def put_many(self, values: Mapping[Hashable, V]) -> None:
        """Store several values at once."""
        with self._lock:
            self._values.update(values)
            for key in values:
                self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
