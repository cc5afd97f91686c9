"""The app's lifespan: what start-up loads is kept out of full garbage collections while the
app runs, and handed back to the collector when it stops; start-up's garbage is not kept."""

from __future__ import annotations

import gc
import weakref

from fastapi import FastAPI

from atelier.api.app import create_app
from atelier.api.state import AppState
from atelier.config import Settings
from tests.api.conftest import CsrfClient


def test_start_up_objects_are_frozen_while_serving_and_released_after(app: FastAPI) -> None:
    gc.unfreeze()
    with CsrfClient(app) as client:
        frozen = gc.get_freeze_count()
        assert client.get("/api/health").status_code == 200
        # The search service's snapshot and caches are among them.
        assert frozen > 10_000
    assert gc.get_freeze_count() == 0


class _Node:
    """A reference cycle's member: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_garbage_left_by_start_up_is_collected_not_frozen(settings: Settings) -> None:
    dropped: list[weakref.ref[_Node]] = []

    def leave_a_cycle(_state: AppState) -> None:
        dropped.append(weakref.ref(_Node()))

    app = create_app(settings, startup_hooks=[leave_a_cycle])
    with CsrfClient(app):
        assert dropped and dropped[0]() is None
