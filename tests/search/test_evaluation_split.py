"""The search evaluation's held-out split: task B targets are only images the viewer may see."""

from __future__ import annotations

from collections import Counter

import numpy as np
from sqlalchemy import Engine

from atelier.services.search.evaluation import build_split, visible_targets
from atelier.services.search.service import SearchService
from atelier.services.search.snapshot import Filters, load_snapshot
from atelier.services.visibility import Visibility


def test_targets_a_viewer_may_not_see_are_dropped_and_nothing_else(
    catalog_engine: Engine,
) -> None:
    with catalog_engine.connect() as connection:
        snapshot = load_snapshot(connection)
        split = build_split(connection, max_level=3, part="test", size=1000)
    service = SearchService(catalog_engine, snapshot, None, None)
    targets = {i for item in split for i in item.same_version_images}
    assert targets
    # Block the tag that most targets carry, so the viewer loses some of them but not all.
    rows = snapshot.images.rows_of(np.array(sorted(targets), dtype=np.int64))
    counts = Counter(int(t) for t in snapshot.images.tags[rows].indices)
    tag = snapshot.tag_vocabulary.names[counts.most_common(1)[0][0]]
    viewer = Visibility(3, frozenset({tag}), True)
    shown = set(snapshot.images.ids[snapshot.mask("images", viewer, Filters())].tolist())
    assert targets - shown and targets & shown

    cut = visible_targets(service, split, viewer)

    assert [item.image_id for item in cut] == [item.image_id for item in split]
    for before, after in zip(split, cut, strict=True):
        assert after.same_version_images == before.same_version_images & shown
        assert (after.query, after.target_loras) == (before.query, before.target_loras)
    assert visible_targets(service, split, Visibility(3, frozenset(), True)) == split
