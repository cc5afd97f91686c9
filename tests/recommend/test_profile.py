"""Tests for the online content profile: learning at once, decay, unsave, and explanations."""

from __future__ import annotations

import numpy as np
import pytest

from atelier.recommend.events import Kind
from atelier.recommend.profile import ContentProfile, ProfileEvent

DIM = 16
DAY = 86400.0


def clustered_items(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Four clusters of five unit vectors each; returns (vectors, cluster of each item)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, DIM))
    cluster = np.repeat(np.arange(4), 5)
    vectors = centres[cluster] + 0.2 * rng.normal(size=(20, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), cluster


def event(item: int, vectors: np.ndarray, kind: Kind, t: float) -> ProfileEvent:
    return ProfileEvent(item_id=item, vector=vectors[item], kind=kind, timestamp=t)


def mean_rank(scores: np.ndarray, members: np.ndarray) -> float:
    ranks = np.empty(scores.size)
    ranks[np.argsort(-scores)] = np.arange(scores.size)
    return float(ranks[members].mean())


def test_empty_profile_scores_zero_and_explains_nothing() -> None:
    vectors, _ = clustered_items()
    profile = ContentProfile(DIM)
    assert profile.is_empty and profile.positive is None
    assert np.all(profile.score(vectors) == 0)
    assert np.all(profile.explain(vectors).ref_item_ids == -1)


def test_liking_an_item_moves_its_neighbours_up_on_the_next_score() -> None:
    vectors, cluster = clustered_items()
    profile = ContentProfile(DIM)
    profile.update(event(0, vectors, Kind.LIKE, 0.0))  # a cluster-0 taste
    neighbours = np.flatnonzero(cluster == 2)
    before = mean_rank(profile.score(vectors), neighbours)
    profile.update(event(int(neighbours[0]), vectors, Kind.LIKE, 1.0))
    after = mean_rank(profile.score(vectors), neighbours)
    assert after < before


def test_disliking_an_item_moves_its_neighbours_down() -> None:
    vectors, cluster = clustered_items()
    profile = ContentProfile(DIM)
    for item in (0, 10):
        profile.update(event(item, vectors, Kind.LIKE, 0.0))
    neighbours = np.flatnonzero(cluster == 2)
    before = profile.score(vectors)[neighbours]
    profile.update(event(11, vectors, Kind.DISLIKE, 1.0))
    after = profile.score(vectors)[neighbours]
    assert np.all(after < before)


def test_recent_events_weigh_more_than_old_ones() -> None:
    vectors, cluster = clustered_items()
    profile = ContentProfile(DIM, half_life_s=DAY)
    profile.update(event(0, vectors, Kind.LIKE, 0.0))
    profile.update(event(10, vectors, Kind.LIKE, 5 * DAY))
    scores = profile.score(vectors)
    assert scores[cluster == 2].mean() > scores[cluster == 0].mean()


def test_out_of_order_events_match_a_time_ordered_replay() -> None:
    vectors, _ = clustered_items()
    events = [
        event(i, vectors, kind, t * DAY)
        for i, kind, t in [
            (0, Kind.LIKE, 0.0),
            (6, Kind.SAVE, 1.0),
            (12, Kind.DISLIKE, 2.0),
            (3, Kind.CLICK, 3.0),
        ]
    ]
    ordered = ContentProfile.from_events(events, DIM, half_life_s=DAY)
    shuffled = ContentProfile(DIM, half_life_s=DAY)
    for e in reversed(events):
        shuffled.update(e)
    np.testing.assert_allclose(shuffled.score(vectors), ordered.score(vectors), atol=1e-5)


def test_unsave_takes_the_save_back_out() -> None:
    vectors, _ = clustered_items()
    profile = ContentProfile(DIM, half_life_s=DAY)
    profile.update(event(0, vectors, Kind.LIKE, 0.0))
    reference = profile.score(vectors)
    profile.update(event(7, vectors, Kind.SAVE, DAY))
    profile.update(event(7, vectors, Kind.UNSAVE, 2 * DAY))
    np.testing.assert_allclose(profile.score(vectors), reference, atol=1e-5)
    assert 7 not in profile.explain(vectors).ref_item_ids.tolist()


def test_explain_names_the_liked_item_closest_to_each_candidate() -> None:
    vectors, cluster = clustered_items()
    profile = ContentProfile(DIM)
    profile.update(event(0, vectors, Kind.LIKE, 0.0))
    profile.update(event(5, vectors, Kind.SAVE, 0.0))
    explanation = profile.explain(vectors)
    assert set(explanation.ref_item_ids[cluster == 0].tolist()) == {0}
    assert set(explanation.ref_item_ids[cluster == 1].tolist()) == {5}
    assert set(explanation.kinds[cluster == 1].tolist()) == {Kind.SAVE}


def test_only_the_strongest_items_are_remembered_for_reasons() -> None:
    vectors, _ = clustered_items()
    profile = ContentProfile(DIM, top_m=2)
    profile.update(event(0, vectors, Kind.VIEW, 0.0))
    profile.update(event(5, vectors, Kind.SAVE, 0.0))
    profile.update(event(10, vectors, Kind.LIKE, 0.0))
    assert set(profile.explain(vectors).ref_item_ids.tolist()) - {-1} == {5, 10}


def test_dimension_mismatch_is_refused() -> None:
    profile = ContentProfile(DIM)
    with pytest.raises(ValueError, match="dimensions"):
        profile.update(ProfileEvent(1, np.ones(DIM + 1, np.float32), Kind.LIKE, 0.0))
    with pytest.raises(ValueError, match="dimensions"):
        profile.score(np.ones((2, 3), np.float32))


def test_undoing_a_save_keeps_the_like_and_its_verb() -> None:
    vectors, _ = clustered_items()
    profile = ContentProfile(DIM)
    profile.update(event(3, vectors, Kind.LIKE, 0.0))
    profile.update(event(3, vectors, Kind.SAVE, 1.0))
    assert profile.explain(vectors[3:4]).kinds.tolist() == [Kind.SAVE]
    profile.update(event(3, vectors, Kind.UNSAVE, 2.0))
    explanation = profile.explain(vectors[3:4])
    assert explanation.ref_item_ids.tolist() == [3]
    assert explanation.kinds.tolist() == [Kind.LIKE]


def test_nearest_negative_marks_the_neighbours_of_each_pushed_away_item() -> None:
    vectors, cluster = clustered_items()
    profile = ContentProfile(DIM, top_m=2)
    assert np.all(profile.nearest_negative(vectors) == 0)
    profile.update(event(0, vectors, Kind.LIKE, 0.0))
    for t, item in enumerate((5, 10, 15), start=1):  # three dislikes; only two are kept
        profile.update(event(item, vectors, Kind.DISLIKE, float(t)))

    near = profile.nearest_negative(vectors)
    assert near[cluster == 2].min() > near[cluster == 0].max()
    assert near[cluster == 3].min() > near[cluster == 0].max()
    assert near[10] == pytest.approx(1.0, abs=1e-5)
    assert near[5] < 0.99  # the oldest dislike was let go
