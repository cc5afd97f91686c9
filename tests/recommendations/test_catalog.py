"""The recommender's view of the catalog: content search over the rows a feed may use."""

from __future__ import annotations

import numpy as np

from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import service_of


def test_content_search_returns_only_rows_the_caller_may_use(rec_client: CsrfClient) -> None:
    catalog = service_of(rec_client).catalog
    mask, allowed = catalog.image_mask(Visibility())
    ok = mask.copy()
    ok[np.flatnonzero(ok)[::2]] = False  # as if half the visible images were already seen
    queries = catalog.vectors.images(np.flatnonzero(ok)[:3])

    filtered = catalog.search_images(queries, 30, allowed)
    unfiltered_then_checked = catalog.search_images(queries, 30, allowed, ok)

    assert mask[filtered].all()
    assert unfiltered_then_checked.size >= 30 and ok[unfiltered_then_checked].all()
    # The query images themselves are their own nearest neighbours.
    assert set(np.flatnonzero(ok)[:3].tolist()) <= set(unfiltered_then_checked.tolist())
