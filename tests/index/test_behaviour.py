"""The behaviour every VectorIndex kind must share, run against each kind on known answers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from atelier.index import (
    DimensionMismatchError,
    InvalidInputError,
    VectorIndex,
    load_index,
    make_index,
)

from .conftest import DIM, brute_force, civitai_ids, unit_vectors

Corpus = tuple[NDArray[np.int64], NDArray[np.float32]]


def test_every_kind_satisfies_the_protocol(empty_index: VectorIndex, kind: str) -> None:
    assert isinstance(empty_index, VectorIndex)
    assert empty_index.kind == kind
    assert empty_index.dim == DIM
    assert len(empty_index) == 0


def test_a_vectors_own_id_is_its_top_match(filled_index: VectorIndex, corpus: Corpus) -> None:
    ids, vectors = corpus
    result = filled_index.search(vectors[:200], k=5)
    assert result.ids.shape == (200, 5)
    np.testing.assert_array_equal(result.ids[:, 0], ids[:200])
    np.testing.assert_allclose(result.scores[:, 0], 1.0, atol=0.02)


def test_results_are_best_first_and_match_exact_cosine(
    filled_index: VectorIndex, corpus: Corpus
) -> None:
    ids, vectors = corpus
    queries = unit_vectors(20, seed=7)
    result = filled_index.search(queries, k=10)
    assert result.ids.dtype == np.int64 and result.scores.dtype == np.float32
    assert (np.diff(result.scores, axis=1) <= 1e-6).all()
    expected = brute_force(vectors, ids, queries, 10)
    recall = np.mean([np.isin(r, e).mean() for r, e in zip(result.ids, expected, strict=True)])
    assert recall >= 0.9
    by_id = dict(zip(ids.tolist(), vectors, strict=True))
    for row_ids, row_scores, query in zip(result.ids, result.scores, queries, strict=True):
        true_scores = np.array([by_id[i] @ query for i in row_ids.tolist()])
        np.testing.assert_allclose(row_scores, true_scores, atol=0.02)


def test_single_query_vector_gives_one_row(filled_index: VectorIndex, corpus: Corpus) -> None:
    ids, vectors = corpus
    result = filled_index.search(vectors[3], k=4)
    assert result.ids.shape == (1, 4)
    assert result.ids[0, 0] == ids[3]


def test_unnormalised_input_is_treated_as_its_direction(empty_index: VectorIndex) -> None:
    vectors = unit_vectors(50)
    empty_index.add(np.arange(50, dtype=np.int64), vectors * 9.0)
    result = empty_index.search(vectors[:5] * 0.01, k=1)
    np.testing.assert_array_equal(result.ids[:, 0], np.arange(5))
    np.testing.assert_allclose(result.scores[:, 0], 1.0, atol=0.02)


def test_upsert_replaces_the_vector_of_an_existing_id(
    filled_index: VectorIndex, corpus: Corpus
) -> None:
    ids, vectors = corpus
    fresh = unit_vectors(1, seed=99)
    filled_index.add(ids[:1], fresh)
    assert len(filled_index) == len(ids)
    assert filled_index.search(fresh, k=1).ids[0, 0] == ids[0]
    assert ids[0] not in filled_index.search(vectors[:1], k=3).ids[0]


def test_repeated_id_within_one_add_keeps_the_last_vector(empty_index: VectorIndex) -> None:
    vectors = unit_vectors(3, seed=5)
    empty_index.add(np.array([11, 11, 12], dtype=np.int64), vectors)
    assert len(empty_index) == 2
    assert empty_index.search(vectors[1], k=1).ids[0, 0] == 11
    # The first vector given for 11 was dropped: nothing stored matches it any more.
    assert empty_index.search(vectors[0], k=2).scores[0, 0] < 0.9


def test_identical_vectors_share_one_slot_but_every_id_is_returned(
    empty_index: VectorIndex,
) -> None:
    vectors = unit_vectors(50, seed=31)
    empty_index.add(np.arange(50, dtype=np.int64), vectors)
    copies = np.array([900, 700, 800], dtype=np.int64)
    empty_index.add(copies, np.repeat(vectors[:1], 3, axis=0))
    assert len(empty_index) == 53
    assert getattr(empty_index, "slots", 50) == 50
    result = empty_index.search(vectors[0], k=5)
    assert sorted(result.ids[0, :4].tolist()) == [0, 700, 800, 900]
    assert np.ptp(result.scores[0, :4]) == 0.0
    assert empty_index.search(vectors[0], k=2, allowed=np.array([800, 3])).ids[0, 0] == 800


def test_a_shared_vector_outlives_removing_or_moving_some_of_its_ids(
    empty_index: VectorIndex,
) -> None:
    vectors = unit_vectors(20, seed=32)
    empty_index.add(np.arange(20, dtype=np.int64), vectors)
    empty_index.add(np.array([100, 101, 102], dtype=np.int64), np.repeat(vectors[5:6], 3, 0))
    empty_index.remove(np.array([5, 100], dtype=np.int64))
    empty_index.add(np.array([101], dtype=np.int64), unit_vectors(1, seed=33))
    top = empty_index.search(vectors[5], k=1)
    assert top.ids[0, 0] == 102 and top.scores[0, 0] > 0.98
    assert empty_index.search(unit_vectors(1, seed=33), k=1).ids[0, 0] == 101
    np.testing.assert_allclose(empty_index.get_vectors(np.array([102])), vectors[5:6], atol=0.01)


def test_remove_takes_ids_out_of_every_result(filled_index: VectorIndex, corpus: Corpus) -> None:
    ids, vectors = corpus
    gone = ids[:300]
    filled_index.remove(gone)
    filled_index.remove(np.array([-5, 123], dtype=np.int64))  # absent ids are ignored
    assert len(filled_index) == len(ids) - 300
    result = filled_index.search(vectors[:100], k=10)
    assert not np.isin(result.ids, gone).any()
    assert not filled_index.contains(gone).any()
    np.testing.assert_array_equal(
        filled_index.search(vectors[300:400], k=1).ids[:, 0], ids[300:400]
    )


def test_removed_id_can_come_back(filled_index: VectorIndex, corpus: Corpus) -> None:
    ids, vectors = corpus
    filled_index.remove(ids[:10])
    filled_index.add(ids[:10], vectors[:10])
    assert len(filled_index) == len(ids)
    np.testing.assert_array_equal(filled_index.search(vectors[:10], k=1).ids[:, 0], ids[:10])


def test_selective_filter_returns_exactly_k_allowed_ids(kind: str) -> None:
    # 0.1% of 5,000: the k asked for is exactly the number of allowed ids.
    ids, vectors = civitai_ids(5000), unit_vectors(5000)
    index = make_index(kind, DIM)
    index.add(ids, vectors)
    rng = np.random.default_rng(3)
    allowed = rng.choice(ids, size=5, replace=False)
    queries = unit_vectors(8, seed=11)
    result = index.search(queries, k=5, allowed=allowed)
    assert result.ids.shape == (8, 5)
    for row in result.ids:
        assert sorted(row.tolist()) == sorted(allowed.tolist())
    top3 = index.search(queries, k=3, allowed=allowed)
    inside = np.isin(ids, allowed)
    np.testing.assert_array_equal(top3.ids, brute_force(vectors[inside], ids[inside], queries, 3))


def test_broad_filter_returns_k_allowed_ids_with_high_recall(
    filled_index: VectorIndex, corpus: Corpus
) -> None:
    ids, vectors = corpus
    allowed = np.random.default_rng(4).choice(ids, size=300, replace=False)
    queries = unit_vectors(30, seed=12)
    result = filled_index.search(queries, k=20, allowed=allowed)
    assert result.ids.shape == (30, 20)
    assert np.isin(result.ids, allowed).all()
    inside = np.isin(ids, allowed)
    expected = brute_force(vectors[inside], ids[inside], queries, 20)
    recall = np.mean([np.isin(r, e).mean() for r, e in zip(result.ids, expected, strict=True)])
    assert recall >= 0.9


def test_a_reused_allowed_set_matches_passing_ids(
    filled_index: VectorIndex, corpus: Corpus
) -> None:
    ids, _ = corpus
    allowed = ids[::4]
    queries = unit_vectors(5, seed=13)
    reusable = filled_index.allowed_set(allowed)
    assert len(reusable) == allowed.size
    for _ in range(2):
        np.testing.assert_array_equal(
            filled_index.search(queries, k=8, allowed=reusable).ids,
            filled_index.search(queries, k=8, allowed=allowed).ids,
        )


def test_an_allowed_set_stays_correct_after_the_index_changes(
    filled_index: VectorIndex, corpus: Corpus
) -> None:
    ids, vectors = corpus
    reusable = filled_index.allowed_set(ids[:6])
    filled_index.remove(ids[:2])
    filled_index.add(ids[2:3], unit_vectors(1, seed=77))  # moves or re-creates its position
    filled_index.add(civitai_ids(5, seed=9), unit_vectors(5, seed=9))
    result = filled_index.search(vectors[:6], k=10, allowed=reusable)
    assert result.ids.shape == (6, 4)
    assert set(result.ids.ravel().tolist()) == set(ids[2:6].tolist())


def test_filter_ignores_unknown_ids_and_counts_only_present_ones(
    filled_index: VectorIndex, corpus: Corpus
) -> None:
    ids, vectors = corpus
    allowed = np.concatenate([ids[:2], np.array([-1, 999], dtype=np.int64), ids[:2]])
    result = filled_index.search(vectors[:3], k=5, allowed=allowed)
    assert result.ids.shape == (3, 2)
    assert set(result.ids.ravel().tolist()) <= set(ids[:2].tolist())


def test_empty_index_returns_no_columns(empty_index: VectorIndex) -> None:
    result = empty_index.search(unit_vectors(2, seed=1), k=5)
    assert result.ids.shape == (2, 0) and result.scores.shape == (2, 0)


def test_empty_filter_returns_no_columns(filled_index: VectorIndex) -> None:
    result = filled_index.search(unit_vectors(2, seed=1), k=5, allowed=np.array([], np.int64))
    assert result.ids.shape == (2, 0)


def test_k_larger_than_the_index_returns_every_id(empty_index: VectorIndex) -> None:
    ids, vectors = civitai_ids(7), unit_vectors(7)
    empty_index.add(ids, vectors)
    result = empty_index.search(unit_vectors(3, seed=2), k=50)
    assert result.ids.shape == (3, 7)
    for row in result.ids:
        assert sorted(row.tolist()) == sorted(ids.tolist())


def test_save_load_round_trip_gives_the_same_results(
    filled_index: VectorIndex, corpus: Corpus, tmp_path: Path
) -> None:
    ids, _ = corpus
    filled_index.remove(ids[:50])  # tombstones and compaction must survive a save too
    filled_index.add(ids[50:60], unit_vectors(10, seed=21))
    queries = unit_vectors(15, seed=8)
    allowed = ids[::3]
    before = filled_index.search(queries, k=10)
    before_filtered = filled_index.search(queries, k=10, allowed=allowed)
    filled_index.save(tmp_path / "idx")
    loaded = load_index(tmp_path / "idx")
    assert type(loaded) is type(filled_index)
    assert len(loaded) == len(filled_index) and loaded.dim == DIM
    after = loaded.search(queries, k=10)
    np.testing.assert_array_equal(after.ids, before.ids)
    np.testing.assert_allclose(after.scores, before.scores, atol=1e-6)
    np.testing.assert_array_equal(
        loaded.search(queries, k=10, allowed=allowed).ids, before_filtered.ids
    )
    np.testing.assert_array_equal(np.sort(loaded.ids()), np.sort(filled_index.ids()))


def test_saving_twice_replaces_the_previous_index(empty_index: VectorIndex, tmp_path: Path) -> None:
    empty_index.add(civitai_ids(5), unit_vectors(5))
    empty_index.save(tmp_path / "idx")
    empty_index.add(civitai_ids(9, seed=4), unit_vectors(9, seed=4))
    empty_index.save(tmp_path / "idx")
    assert len(load_index(tmp_path / "idx")) == 14
    assert [p.name for p in tmp_path.iterdir()] == ["idx"]


def test_wrong_dimension_raises_a_clear_error(empty_index: VectorIndex) -> None:
    with pytest.raises(DimensionMismatchError, match=f"dimension 7.*{DIM}-d"):
        empty_index.add(np.array([1], np.int64), np.ones((1, 7), np.float32))
    empty_index.add(np.array([1], np.int64), unit_vectors(1))
    with pytest.raises(DimensionMismatchError):
        empty_index.search(np.ones(DIM + 1, np.float32), k=1)


@pytest.mark.parametrize(
    ("ids", "vectors", "message"),
    [
        (np.array([1, 2], np.int64), unit_vectors(3), "2 ids for 3 vectors"),
        (np.array([1.5]), unit_vectors(1), "integers"),
        (np.array([1], np.int64), np.full((1, DIM), np.nan, np.float32), "NaN"),
        (np.array([1], np.int64), np.zeros((1, DIM), np.float32), "zero"),
    ],
)
def test_bad_input_is_rejected_and_leaves_the_index_unchanged(
    empty_index: VectorIndex, ids: NDArray[np.int64], vectors: NDArray[np.float32], message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        empty_index.add(ids, vectors)
    assert len(empty_index) == 0


def test_non_positive_k_is_rejected(filled_index: VectorIndex) -> None:
    with pytest.raises(InvalidInputError, match="k must be positive"):
        filled_index.search(unit_vectors(1), k=0)


def test_ids_contains_and_get_vectors(filled_index: VectorIndex, corpus: Corpus) -> None:
    ids, vectors = corpus
    np.testing.assert_array_equal(np.sort(filled_index.ids()), np.sort(ids))
    probe = np.array([ids[5], -3], dtype=np.int64)
    np.testing.assert_array_equal(filled_index.contains(probe), [True, False])
    np.testing.assert_allclose(filled_index.get_vectors(ids[:4]), vectors[:4], atol=0.01)
    with pytest.raises(KeyError):
        filled_index.get_vectors(probe)


def test_memory_bytes_counts_the_vectors(filled_index: VectorIndex) -> None:
    # At least one byte per dimension per vector for every kind, SQ8 included.
    assert filled_index.memory_bytes() >= len(filled_index) * DIM


def test_reduced_effort_still_returns_k_results_and_bad_effort_is_refused(
    filled_index: VectorIndex, corpus: Corpus
) -> None:
    ids, vectors = corpus
    result = filled_index.search(vectors[:50], k=5, effort=0.25)
    assert result.ids.shape == (50, 5) and (result.ids >= 0).all()
    allowed = ids[::3]
    filtered = filled_index.search(vectors[:20], k=5, allowed=allowed, effort=0.25)
    assert np.isin(filtered.ids, allowed).all() and filtered.ids.shape == (20, 5)
    for effort in (0.0, -1.0, 1.5):
        with pytest.raises(InvalidInputError, match="effort"):
            filled_index.search(vectors[:1], k=5, effort=effort)
