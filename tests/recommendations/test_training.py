"""Collaborative training: in the background without blocking requests, triggered by new
events, swapped in atomically, saved and adopted by the next server, and `atelier train`."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine
from typer.testing import CliRunner

from atelier.cli import context
from atelier.cli.main import app as cli_app
from atelier.services.recommendations.collaborative import TrainedModel, current_run
from atelier.services.recommendations.service import build_recommendation_service
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import act, feed, feed_ids, service_of, state_of


@pytest.fixture(scope="module")
def active(rec_app: FastAPI, rec_client: CsrfClient) -> list[CsrfClient]:
    """A few people with enough likes between them to train on."""
    people = []
    for _ in range(4):
        person = CsrfClient(rec_app)
        person.register()
        for image_id in feed_ids(person, 20)[:8]:
            act(person, "image", image_id, "like")
        people.append(person)
    return people


@pytest.fixture
def retrain_every(rec_client: CsrfClient) -> Iterator[Any]:
    """Set the event threshold for one test, restoring it afterwards."""
    retrainer = service_of(rec_client).retrainer
    original = retrainer.config

    def set_threshold(n: int) -> None:
        retrainer.config = replace(original, retrain_events=n)

    yield set_threshold
    retrainer.config = original


def test_retraining_runs_in_the_background_and_swaps_the_model(
    rec_client: CsrfClient, active: list[CsrfClient]
) -> None:
    service = service_of(rec_client)
    retrainer = service.retrainer
    assert retrainer.wait(60)
    version = service.slot.version
    entered, release = threading.Event(), threading.Event()
    real = retrainer.trainer

    def slow(*args: Any) -> TrainedModel | None:
        entered.set()
        release.wait(30)
        return real(*args)

    retrainer.trainer = slow
    try:
        assert retrainer.start()
        assert entered.wait(10)
        # A request while the model trains is answered with the model being served.
        body = feed(active[0], 20)
        assert len(body["data"]) == 20
        assert retrainer.running and not retrainer.start()
        release.set()
        assert retrainer.wait(60)
    finally:
        retrainer.trainer = real
        release.set()

    assert retrainer.last_error is None
    assert service.slot.version == version + 1
    assert service.model is not None and service.model.n_events >= 32
    assert len(feed(active[1], 20)["data"]) == 20


def test_enough_new_taste_events_start_a_retraining(
    rec_client: CsrfClient, active: list[CsrfClient], retrain_every: Any
) -> None:
    service = service_of(rec_client)
    assert service.retrainer.wait(60)
    trainings = service.retrainer.trainings
    retrain_every(3)

    for image_id in feed_ids(active[2], 20)[:3]:
        act(active[2], "image", image_id, "like")

    assert service.retrainer.wait(60)
    assert service.retrainer.trainings == trainings + 1


def test_a_saved_model_is_served_by_the_next_server_without_training(
    rec_client: CsrfClient, active: list[CsrfClient]
) -> None:
    service = service_of(rec_client)
    service.retrainer.start()
    assert service.retrainer.wait(60)
    state = state_of(rec_client)

    restarted = build_recommendation_service(state.engine, state.services["search"], service.config)
    restarted.start()

    assert restarted.model is not None and not restarted.retrainer.running
    assert restarted.retrainer.trainings == 0
    assert restarted.model.trained_at == pytest.approx(service.model.trained_at)  # type: ignore[union-attr]


def test_atelier_train_fits_and_saves_a_model(
    rec_data_dir: Path,
    module_catalog_url: str,
    rec_engine: Engine,
    active: list[CsrfClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ATELIER_DATA_DIR", str(rec_data_dir))
    monkeypatch.setenv("ATELIER_DATABASE_URL", module_catalog_url)
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.setenv("ATELIER_VECTOR_INDEX", "exact")
    context.settings.cache_clear()
    context.engine.cache_clear()
    try:
        result = CliRunner().invoke(cli_app, ["train"])
    finally:
        context.engine().dispose()
        context.settings.cache_clear()
        context.engine.cache_clear()

    assert result.exit_code == 0, result.output
    assert "trained als" in result.output
    assert current_run(rec_data_dir / "recommend") is not None
