"""FaissHnswIndex specifics: tombstones, compaction, parameters and the exact fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from atelier.index import FaissHnswIndex, load_index

from .conftest import DIM, brute_force, civitai_ids, unit_vectors


def _index(n: int = 400) -> tuple[FaissHnswIndex, Any, Any]:
    index = FaissHnswIndex(DIM, m=16, ef_construction=40, ef_search=32)
    ids, vectors = civitai_ids(n), unit_vectors(n)
    index.add(ids, vectors)
    return index, ids, vectors


def test_removals_are_tombstones_until_they_outnumber_live_vectors() -> None:
    index, ids, vectors = _index()
    index.remove(ids[:150])
    assert index.dead == 150 and len(index) == 250
    assert not np.isin(index.search(vectors[:150], k=10).ids, ids[:150]).any()
    index.remove(ids[150:250])  # 250 dead of 400: the graph is rebuilt from the live ones
    assert index.dead == 0 and len(index) == 150
    np.testing.assert_array_equal(index.search(vectors[250:], k=1).ids[:, 0], ids[250:])


def test_upserting_everything_rebuilds_rather_than_growing_forever() -> None:
    index, ids, _ = _index()
    for seed in range(3):
        index.add(ids, unit_vectors(len(ids), seed=50 + seed))
    assert index._map.total <= 2 * len(ids)
    np.testing.assert_array_equal(index.search(unit_vectors(len(ids), seed=52), k=1).ids[:, 0], ids)


def test_search_parameters_survive_a_save(tmp_path: Path) -> None:
    index, _, _ = _index(50)
    index.ef_search = 77
    index.save(tmp_path / "h")
    loaded = load_index(tmp_path / "h")
    assert isinstance(loaded, FaissHnswIndex)
    assert (loaded.m, loaded.ef_construction, loaded.ef_search) == (16, 40, 77)


class _ShortGraph:
    """Wraps a faiss HNSW index so its first query comes back one neighbour short."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def search(self, *args: Any, **kwargs: Any) -> Any:
        scores, labels = self._inner.search(*args, **kwargs)
        labels[0, -1] = -1
        return scores, labels


def test_a_query_the_graph_leaves_short_is_finished_exactly() -> None:
    index, ids, vectors = _index()
    index._index = _ShortGraph(index._index)
    queries = unit_vectors(3, seed=9)
    allowed = ids[::2]
    result = index.search(queries, k=10, allowed=allowed)
    assert result.ids.shape == (3, 10)
    inside = np.isin(ids, allowed)
    expected = brute_force(vectors[inside], ids[inside], queries[:1], 10)[0]
    # Same set; 8-bit rounding may swap near-ties in order.
    assert set(result.ids[0].tolist()) == set(expected.tolist())


def test_re_adding_a_removed_vector_revives_its_tombstone() -> None:
    index, ids, vectors = _index(100)
    index.remove(ids[:10])
    assert index.dead == 10
    index.add(ids[:10] + 1, vectors[:10])  # new ids, same vectors: no new graph nodes
    assert index.dead == 0 and index._map.total == 100
    np.testing.assert_array_equal(index.search(vectors[:10], k=1).ids[:, 0], ids[:10] + 1)
