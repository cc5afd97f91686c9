"""FaissIvfIndex specifics: the cluster path, retraining as it grows, tombstones and files."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from atelier.index import FaissIvfIndex, load_index

from .conftest import DIM, brute_force, civitai_ids, unit_vectors


def _index(n: int = 3000, nprobe: int = 4) -> tuple[FaissIvfIndex, np.ndarray, np.ndarray]:
    index = FaissIvfIndex(DIM, nprobe=nprobe)
    ids, vectors = civitai_ids(n), unit_vectors(n)
    index.add(ids, vectors)
    return index, ids, vectors


def test_a_small_nprobe_searches_the_clusters_not_everything() -> None:
    index, ids, vectors = _index()
    assert index.nlist == 54 and index.nprobe < index.nlist
    np.testing.assert_array_equal(index.search(vectors[:100], k=1).ids[:, 0], ids[:100])
    queries = unit_vectors(30, seed=5)
    expected = brute_force(vectors, ids, queries, 10)
    found = index.search(queries, k=10).ids
    recall = np.mean([np.isin(f, e).mean() for f, e in zip(found, expected, strict=True)])
    # 4 of 54 random clusters in 24-d: well below exact, far above chance.
    assert 0.3 < recall < 1.0


def test_every_filter_returns_k_allowed_ids_even_when_the_clusters_hold_fewer() -> None:
    index, ids, _ = _index()
    rng = np.random.default_rng(3)
    queries = unit_vectors(10, seed=11)
    for share in (0.002, 0.05, 0.5):
        allowed = rng.choice(ids, size=max(1, int(len(ids) * share)), replace=False)
        result = index.search(queries, k=20, allowed=allowed)
        assert result.ids.shape == (10, min(20, allowed.size))
        assert np.isin(result.ids, allowed).all()


def test_growing_the_index_retrains_the_clusters() -> None:
    index = FaissIvfIndex(DIM, nprobe=4)
    ids, vectors = civitai_ids(4000), unit_vectors(4000)
    index.add(ids[:500], vectors[:500])
    first = index.nlist
    for start in range(500, 4000, 500):
        index.add(ids[start : start + 500], vectors[start : start + 500])
    assert index.nlist > first
    assert int(index._ivf.ntotal) == len(index)
    np.testing.assert_array_equal(index.search(vectors, k=1).ids[:, 0], ids)


def test_removed_ids_leave_the_lists_and_tombstones_are_compacted() -> None:
    index, ids, vectors = _index(1000)
    index.remove(ids[:300])
    assert index.dead == 300 and int(index._ivf.ntotal) == 700
    assert not np.isin(index.search(vectors[:300], k=10).ids, ids[:300]).any()
    index.remove(ids[300:600])  # 600 dead of 1000: the flat storage is compacted
    assert index.dead == 0 and int(index._ivf.ntotal) == 400
    np.testing.assert_array_equal(index.search(vectors[600:], k=1).ids[:, 0], ids[600:])


def test_a_wider_range_re_encodes_the_lists_too() -> None:
    index, ids, vectors = _index(1000)
    # Vectors along one axis fall outside the trained 8-bit range of the random ones.
    spikes = np.eye(DIM, dtype=np.float32)
    spike_ids = np.arange(1, DIM + 1, dtype=np.int64)
    index.add(spike_ids, spikes)
    np.testing.assert_array_equal(index.search(spikes, k=1).ids[:, 0], spike_ids)
    np.testing.assert_array_equal(index.search(vectors[:50], k=1).ids[:, 0], ids[:50])


def test_clusters_and_nprobe_survive_a_save(tmp_path: Path) -> None:
    index, _, _ = _index(1000, nprobe=3)
    queries = unit_vectors(20, seed=8)
    before = index.search(queries, k=10)
    index.save(tmp_path / "ivf")
    loaded = load_index(tmp_path / "ivf")
    assert isinstance(loaded, FaissIvfIndex)
    assert (loaded.nprobe, loaded.nlist) == (3, index.nlist)
    after = loaded.search(queries, k=10)
    np.testing.assert_array_equal(after.ids, before.ids)
    np.testing.assert_allclose(after.scores, before.scores)


def test_a_broad_filter_the_probed_clusters_cannot_fill_is_finished_exactly() -> None:
    # 5,000 allowed of 10,000 is too many to gather, so the clusters are searched with a
    # bitmap; 2 lists of ~50 allowed vectors each cannot hold 200 results.
    index, ids, vectors = _index(10_000, nprobe=1)
    allowed = ids[::2]
    queries = unit_vectors(3, seed=21)
    result = index.search(queries, k=200, allowed=allowed)
    assert result.ids.shape == (3, 200)
    expected = brute_force(vectors[::2], allowed, queries, 200)
    for found, truth in zip(result.ids, expected, strict=True):
        # Same set up to 8-bit rounding of near-ties at the boundary.
        assert np.isin(found, truth).mean() >= 0.95
    small = index.search(queries, k=5, allowed=allowed)
    assert np.isin(small.ids, allowed).all() and small.ids.shape == (3, 5)


def test_less_effort_probes_fewer_clusters_and_finds_fewer_true_neighbours() -> None:
    index, ids, vectors = _index(nprobe=16)
    queries = unit_vectors(40, seed=9)
    expected = brute_force(vectors, ids, queries, 10)

    def recall(effort: float) -> float:
        found = index.search(queries, k=10, effort=effort).ids
        return float(np.mean([np.isin(f, e).mean() for f, e in zip(found, expected, strict=True)]))

    assert recall(0.125) < recall(0.5) < recall(1.0)
