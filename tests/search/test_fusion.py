"""Fusion: weighted RRF, and tuned weights per content setting saved and read back."""

from __future__ import annotations

import json
from pathlib import Path

from atelier.services.search.fusion import (
    FusionWeights,
    TunedWeights,
    fuse,
    fused_ids,
    load_tuned_weights,
    save_tuned_weights,
)


def test_an_item_both_rankings_agree_on_beats_one_only_a_single_ranking_tops() -> None:
    fused = fuse({"keyword": [1, 2, 3], "vector": [2, 4, 5]}, {"keyword": 1, "vector": 1}, rrf_k=10)
    assert [e.item_id for e in fused][:2] == [2, 1]
    assert fused[0].ranks == {"keyword": 1, "vector": 0}


def test_popularity_orders_near_ties_but_never_lifts_a_miss_over_a_hit() -> None:
    popularity = {1: 0.0, 2: 100.0, 3: 50.0}
    fused = fuse(
        {"keyword": [1, 3], "vector": [1, 2]},
        {"keyword": 1, "vector": 1},
        rrf_k=10,
        popularity=popularity,
        popularity_weight=0.1,
    )
    assert [e.item_id for e in fused] == [1, 2, 3]


def test_a_weight_for_a_ranking_that_is_not_there_does_not_scale_the_prior() -> None:
    # An image search is weighted with the LoRA votes' weight too, but has no votes ranking.
    rankings = {"keyword": [1, 3], "vector": [3, 2]}
    popularity = {1: 0.0, 2: 0.0, 3: 100.0}
    plain = {"keyword": 2.0, "vector": 1.0}
    with_votes = {**plain, "image_votes": 16.0}
    scores = [
        [e.score for e in fuse(rankings, w, rrf_k=5, popularity=popularity, popularity_weight=0.1)]
        for w in (plain, with_votes)
    ]
    assert scores[0] == scores[1]
    # At most a tenth of the best single-ranking score (keyword's 2 / 6) comes from popularity.
    assert max(scores[0]) <= 2 / 6 + 1 / 6 + 0.1 * 2 / 6 + 1e-9


def test_pg_viewers_get_the_pg_weights_and_everyone_else_the_all_content_ones() -> None:
    tuned = TunedWeights(FusionWeights(keyword=2.0), FusionWeights(keyword=0.5))
    assert tuned.for_level(0).keyword == 0.5
    assert tuned.for_level(1).keyword == tuned.for_level(3).keyword == 2.0


def test_tuned_weights_round_trip_through_their_file(tmp_path: Path) -> None:
    path = tmp_path / "weights.json"
    tuned = TunedWeights(FusionWeights(keyword=4.0, rrf_k=5.0), FusionWeights(image_votes=8.0))
    save_tuned_weights(tuned, path)
    assert load_tuned_weights(path) == tuned
    assert set(json.loads(path.read_text())) == {"all content", "PG only"}


def test_a_flat_weights_file_from_before_per_setting_tuning_applies_to_both(
    tmp_path: Path,
) -> None:
    path = tmp_path / "weights.json"
    path.write_text(json.dumps({"keyword": 2.0, "rrf_k": 10.0, "unknown": 1.0}))
    loaded = load_tuned_weights(path)
    assert loaded.all_content == loaded.pg_only == FusionWeights(keyword=2.0, rrf_k=10.0)


def test_no_file_means_default_weights(tmp_path: Path) -> None:
    assert load_tuned_weights(tmp_path / "missing.json") == TunedWeights()


def test_the_shipped_weights_file_is_readable() -> None:
    shipped = load_tuned_weights()
    assert shipped.all_content.vector > 0 and shipped.pg_only.vector > 0


def test_fused_ids_give_fuse_order_without_the_entries() -> None:
    rankings = {"keyword": [5, 1, 9, 2], "vector": [2, 9, 7]}
    weights = {"keyword": 2.0, "vector": 1.0}
    assert fused_ids(rankings, weights, rrf_k=10).tolist() == [
        e.item_id for e in fuse(rankings, weights, rrf_k=10)
    ]
    assert fused_ids({"keyword": []}, weights, rrf_k=10).size == 0
