"""Tests for blending signals and attributing each item to the signal that ranked it."""

from __future__ import annotations

import numpy as np
import pytest

from atelier.recommend.blend import Signal, blend, dense_rank, minmax
from atelier.recommend.events import Kind


def test_minmax_scales_to_unit_range_and_ignores_nan() -> None:
    np.testing.assert_allclose(minmax([2.0, 4.0, np.nan, 3.0]), [0.0, 1.0, 0.0, 0.5])
    assert not minmax([5.0, 5.0]).any()


def test_dense_rank_keeps_ties_at_zero() -> None:
    np.testing.assert_allclose(dense_rank([0.0, 0.0, 0.0, 7.0, 3.0]), [0, 0, 0, 1, 0.5])


def test_reason_names_the_signal_that_ranked_each_item() -> None:
    content = Signal(
        "liked_similar",
        scores=np.array([0.9, 0.1, 0.2]),
        ref_ids=np.array([101, 102, -1]),
        actions=np.array([Kind.LIKE, Kind.LIKE, -1]),
        ref_names={101: "Harbor at dusk", 102: "Red fox"},
    )
    graph = Signal(
        "lora_graph",
        scores=np.array([0.0, 4.0, 1.0]),
        counts=np.array([0, 4, 1]),
        actions=np.array([-1, Kind.SAVE, Kind.SAVE]),
    )
    result = blend([content, graph])
    assert result.top_signal.tolist() == [0, 1, 1]
    reasons = result.reasons([0, 1])
    assert reasons[0].kind == "liked_similar"
    assert reasons[0].ref_item_id == 101
    assert reasons[0].text == "because you liked Harbor at dusk"
    assert reasons[1].kind == "lora_graph"
    assert reasons[1].text == "used in 4 images you saved"


def test_weights_decide_the_order_and_the_reason() -> None:
    a = Signal("tag_match", scores=np.array([1.0, 0.0]), tags=["watercolor", None])
    b = Signal("collaborative", scores=np.array([0.0, 1.0]))
    assert blend([a, b]).order()[0] == 0  # equal weights tie; the index breaks it
    heavy = blend([a, Signal("collaborative", scores=b.scores, weight=3.0)])
    assert heavy.order().tolist() == [1, 0]
    assert heavy.reason(1).kind == "collaborative"
    assert heavy.reason(0).text == "matches your tag watercolor"


def test_items_no_signal_lifts_get_the_fallback_reason() -> None:
    result = blend([Signal("tag_match", scores=np.array([1.0, 0.0]))], fallback="popular")
    assert result.reason(1).kind == "popular"
    assert result.reason(1).text == "popular on Atelier"


def test_rank_normalisation_is_scale_free() -> None:
    a = Signal("liked_similar", scores=np.array([0.1, 0.2, 0.3]))
    b = Signal("popular", scores=np.array([3000.0, 20.0, 10.0]))
    np.testing.assert_allclose(blend([a, b], normalise="rank").scores, [1.0, 1.0, 1.0])


def test_signals_must_cover_the_same_candidates() -> None:
    with pytest.raises(ValueError, match="shape"):
        blend([Signal("popular", np.zeros(3)), Signal("explore", np.zeros(4))])
    with pytest.raises(ValueError, match="at least one"):
        blend([])
