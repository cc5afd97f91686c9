"""The app's lifespan: what start-up loads is kept out of full garbage collections while the
app runs, and handed back to the collector when it stops."""

from __future__ import annotations

import gc

from fastapi import FastAPI

from tests.api.conftest import CsrfClient


def test_start_up_objects_are_frozen_while_serving_and_released_after(app: FastAPI) -> None:
    gc.unfreeze()
    with CsrfClient(app) as client:
        frozen = gc.get_freeze_count()
        assert client.get("/api/health").status_code == 200
        # The search service's snapshot and caches are among them.
        assert frozen > 10_000
    assert gc.get_freeze_count() == 0
