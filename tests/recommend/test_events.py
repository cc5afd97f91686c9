"""Tests for interaction kinds, weights, decay, the confidence matrix and exclusions."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from atelier.recommend.events import (
    DEFAULT_WEIGHTS,
    Kind,
    aggregate,
    aggregate_user,
    decay,
    excluded_items,
    interaction_matrix,
    parse_kind,
    positive_part,
)

DAY = 86400.0
NOW = 1_000 * DAY


def test_weights_follow_the_spec() -> None:
    assert DEFAULT_WEIGHTS[Kind.VIEW] == 0.05
    assert DEFAULT_WEIGHTS[Kind.CLICK] == 0.3
    assert DEFAULT_WEIGHTS[Kind.LIKE] == 1.0
    assert DEFAULT_WEIGHTS[Kind.SAVE] == 1.5
    assert DEFAULT_WEIGHTS[Kind.DISLIKE] == -1.0
    assert DEFAULT_WEIGHTS[Kind.HIDE] < 0


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("like", Kind.LIKE),
        ("SAVE", Kind.SAVE),
        ("not_interested", Kind.DISLIKE),
        ("hide", Kind.HIDE),
    ],
)
def test_parse_kind_accepts_api_names(name: str, kind: Kind) -> None:
    assert parse_kind(name) is kind


def test_parse_kind_rejects_unknown_names() -> None:
    with pytest.raises(ValueError, match="unknown interaction kind"):
        parse_kind("poke")


def test_decay_halves_every_half_life_and_ignores_the_future() -> None:
    np.testing.assert_allclose(decay([0.0, 10.0, 20.0, -5.0], 10.0), [1.0, 0.5, 0.25, 1.0])
    np.testing.assert_allclose(decay([1e9], float("inf")), [1.0])


def test_matrix_sums_decayed_weights_per_pair() -> None:
    matrix = interaction_matrix(
        [0, 0, 1],
        [2, 2, 0],
        [Kind.LIKE, Kind.CLICK, Kind.SAVE],
        [NOW, NOW - 30 * DAY, NOW - 60 * DAY],
        shape=(2, 3),
        now=NOW,
        half_life_s=30 * DAY,
    )
    assert isinstance(matrix, sp.csr_matrix)
    assert matrix.dtype == np.float32
    np.testing.assert_allclose(matrix.toarray(), [[0, 0, 1.0 + 0.15], [0.375, 0, 0]], rtol=1e-6)


def test_unsave_cancels_earlier_saves_but_not_later_ones() -> None:
    agg = aggregate(
        [0, 0, 0, 1, 1],
        [5, 5, 5, 5, 5],
        [Kind.SAVE, Kind.UNSAVE, Kind.SAVE, Kind.SAVE, Kind.UNSAVE],
        [NOW - 3, NOW - 2, NOW - 1, NOW - 3, NOW - 2],
        now=NOW,
        half_life_s=float("inf"),
    )
    # User 0 saved again after the unsave; user 1's only save was cancelled, leaving nothing.
    assert agg.user_idx.tolist() == [0]
    np.testing.assert_allclose(agg.confidence, [1.5])


def test_repeats_of_one_kind_saturate() -> None:
    agg = aggregate_user(
        [1] * 50, [Kind.VIEW] * 50, [NOW] * 50, now=NOW, max_repeats=3, half_life_s=DAY
    )
    np.testing.assert_allclose(agg.confidence, [0.15], rtol=1e-6)
    assert agg.confidence[0] < DEFAULT_WEIGHTS[Kind.SAVE]


def test_top_kind_names_the_heaviest_contribution() -> None:
    agg = aggregate_user(
        [1, 1, 2, 2], [Kind.VIEW, Kind.SAVE, Kind.CLICK, Kind.DISLIKE], [NOW] * 4, now=NOW
    )
    assert agg.item_idx.tolist() == [1, 2]
    assert agg.top_kind.tolist() == [Kind.SAVE, Kind.DISLIKE]
    np.testing.assert_allclose(agg.confidence, [1.55, -0.7], rtol=1e-6)


def test_out_of_range_indices_are_refused() -> None:
    with pytest.raises(ValueError, match="outside shape"):
        interaction_matrix([0], [3], [Kind.LIKE], [NOW], shape=(1, 3), now=NOW)


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(ValueError, match="same length"):
        aggregate([0, 1], [0], [Kind.LIKE], [NOW], now=NOW)


def test_positive_part_drops_dislikes() -> None:
    matrix = sp.csr_matrix(np.array([[1.0, -1.0, 0.5]], dtype=np.float32))
    assert positive_part(matrix).toarray().tolist() == [[1.0, 0.0, 0.5]]


def test_excluded_items_cover_saved_disliked_hidden_and_over_shown() -> None:
    events = [
        (1, Kind.SAVE),  # saved: out
        (2, Kind.SAVE),
        (2, Kind.UNSAVE),  # saved then unsaved: back in
        (3, Kind.DISLIKE),  # out
        (4, Kind.HIDE),  # out
        *[(5, Kind.VIEW)] * 5,  # shown five times, never opened: out
        *[(6, Kind.VIEW)] * 5,
        (6, Kind.CLICK),  # shown often but opened: in
        (7, Kind.VIEW),  # in
    ]
    items = [item for item, _ in events]
    kinds = [kind for _, kind in events]
    times = np.arange(len(events), dtype=float)
    assert excluded_items(items, kinds, times, max_views=5).tolist() == [1, 3, 4, 5]
