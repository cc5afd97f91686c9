"""Feed candidates that match a person's tags come from many creators: `spread_rows` keeps the
best rows by score with at most so many per group, and the feed's tag source uses it."""

from __future__ import annotations

import numpy as np

from atelier.services.recommendations.feed import (
    TAG_IMAGES_PER_CREATOR,
    spread_rows,
    tag_candidates,
)
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import service_of

SCORES = np.array([5.0, 4.0, 3.0, 2.0, 1.0, 0.5, 0.0, 9.0])
ROWS = np.arange(8, dtype=np.int64) * 10
CREATORS = np.array([1, 1, 1, 2, 2, -1, 3, 2])


def test_best_first_with_at_most_so_many_per_creator() -> None:
    # Creator 1's third row (20) and creator 2's third (40) are left out; an unknown creator
    # (-1) is no group; a zero score is no match.
    assert spread_rows(SCORES, ROWS, CREATORS, 10, 2, 100).tolist() == [70, 0, 10, 30, 50]


def test_k_and_depth_bound_the_answer() -> None:
    assert spread_rows(SCORES, ROWS, CREATORS, 3, 2, 100).tolist() == [70, 0, 10]
    # Only the 3 best are looked at: 70, 0, 10, and creator 1 may give one of them.
    assert spread_rows(SCORES, ROWS, CREATORS, 10, 1, 3).tolist() == [70, 0]


def test_one_creators_series_cannot_fill_the_source() -> None:
    rng = np.random.default_rng(0)
    scores = np.r_[np.full(500, 10.0) + rng.random(500), rng.random(500)]
    creators = np.r_[np.zeros(500, np.int64), np.arange(1, 501)]
    rows = np.arange(1000, dtype=np.int64)

    picked = spread_rows(scores, rows, creators, 100, 5, 1000)

    assert picked.size == 100
    assert int((creators[picked] == 0).sum()) == 5
    assert np.all(np.diff(scores[picked][5:]) <= 0)


def test_nothing_matching_gives_nothing() -> None:
    assert spread_rows(np.zeros(4), np.arange(4), np.arange(4), 10, 2, 10).size == 0


def test_the_feeds_tag_candidates_are_spread_over_creators(rec_client: CsrfClient) -> None:
    # The sample catalog's tag with the most images from one creator: without the spread, its
    # k most popular matches would be that creator's series.
    catalog = service_of(rec_client).catalog
    ok = np.ones(catalog.n_images, np.bool_)
    k = 20
    vocabulary = catalog.snapshot.tag_vocabulary.names
    worst: tuple[int, str] = (0, "")
    for tag in vocabulary:
        rows = np.flatnonzero(catalog.tag_specificity(catalog.tag_rows([tag])) > 0)
        if rows.size < 4 * k:
            continue
        owners = catalog.image_creator[rows]
        top = int(np.bincount(owners[owners >= 0]).max(initial=0))
        worst = max(worst, (top, tag))
    top, tag = worst
    assert top > k, "the sample catalog has no tag with one creator's series dominating"

    picked = tag_candidates(catalog, (tag,), ok, k)

    assert picked.size == k
    assert np.all(catalog.tag_specificity(catalog.tag_rows([tag]))[picked] > 0)
    owners = catalog.image_creator[picked]
    assert np.bincount(owners[owners >= 0]).max() <= TAG_IMAGES_PER_CREATOR
    assert tag_candidates(catalog, ("no such tag",), ok, k).size == 0
