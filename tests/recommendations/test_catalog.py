"""The recommender's view of the catalog: content search over the rows a feed may use."""

from __future__ import annotations

import numpy as np
import pytest

from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import service_of


@pytest.mark.parametrize("keep_every", [1, 5], ids=["broad filter", "narrow filter"])
def test_content_search_returns_only_rows_the_caller_may_use(
    rec_client: CsrfClient, keep_every: int
) -> None:
    catalog = service_of(rec_client).catalog
    mask, allowed = catalog.image_mask(Visibility())
    visible = np.flatnonzero(mask)
    ok = np.zeros_like(mask)
    ok[visible[::keep_every]] = True
    ok[visible[1:40:2]] = False  # as if these had been liked already
    queries = catalog.vectors.images(np.flatnonzero(ok)[:3])

    rows = catalog.search_images(queries, 30, allowed, ok)

    assert rows.size >= 10 and ok[rows].all()
    # The query images themselves are their own nearest neighbours.
    assert set(np.flatnonzero(ok)[:3].tolist()) <= set(rows.tolist())
