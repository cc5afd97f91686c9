"""Live import into the database: pages and cursors commit together, interrupted runs resume."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select

from atelier.db.models import Image, ImageResource, IngestCursor, Model
from atelier.ingest.civitai_api import (
    CivitaiApiClient,
    CivitaiRetriesExhausted,
    CivitaiShapeError,
    CivitaiUnreachable,
)
from atelier.services.live_import import LiveImportPlan, import_live

from .replay_server import (  # noqa: F401  (pytest fixtures, registered by import)
    MODELS_PATH,
    Fault,
    ReplayServer,
    http_client,
    recorded_replay_server_fixture,
    replay_server_fixture,
)

LORAS = ["LORA", "LoCon", "DoRA"]


@pytest.fixture
def client(replay_server: ReplayServer) -> Iterator[CivitaiApiClient]:
    with http_client() as http:
        yield CivitaiApiClient(
            replay_server.base_url, http=http, max_retries=2, sleep=lambda _s: None
        )


def _model_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return sorted(connection.execute(select(Model.id)).scalars())


def test_models_import_page_by_page_with_their_cursor(
    engine: Engine, client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    report = import_live(engine, client, LiveImportPlan(types=LORAS, limit=150))

    expected = replay_server.expected_items(
        MODELS_PATH, {"types": LORAS, "sort": "Most Downloaded"}
    )
    assert _model_ids(engine) == sorted(int(item["id"]) for item in expected[:150])
    assert report.problem_count == 0
    with engine.connect() as connection:
        cursor = connection.execute(select(IngestCursor)).one()
    assert cursor.items == 150 and cursor.cursor is not None and not cursor.finished


def test_an_interrupted_import_resumes_from_the_last_committed_page(
    engine: Engine, client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    clean_run = replay_server.expected_items(
        MODELS_PATH, {"types": LORAS, "sort": "Most Downloaded"}
    )
    # The third page fails on every attempt: two pages are committed, then the run stops.
    replay_server.script(dict.fromkeys((3, 4, 5), Fault.SERVER_ERROR))

    with pytest.raises(CivitaiRetriesExhausted):
        import_live(engine, client, LiveImportPlan(types=LORAS, limit=None))
    assert len(_model_ids(engine)) == 200

    replay_server.script({})
    import_live(engine, client, LiveImportPlan(types=LORAS, limit=None))

    assert _model_ids(engine) == sorted(int(item["id"]) for item in clean_run)
    first_resumed = [r for r in replay_server.requests if r.path == MODELS_PATH][5]
    assert "cursor" in first_resumed.query


def test_images_are_fetched_per_version_and_linked(
    engine: Engine, client: CivitaiApiClient
) -> None:
    report = import_live(
        engine,
        client,
        LiveImportPlan(types=LORAS, limit=5, with_images=True, images_per_version=10),
    )

    with engine.connect() as connection:
        images = connection.execute(select(func.count()).select_from(Image)).scalar_one()
        linked = connection.execute(
            select(func.count(func.distinct(ImageResource.image_id))).where(ImageResource.is_lora)
        ).scalar_one()
    assert images > 0
    assert linked == images
    assert report.lora_coverage is not None and report.lora_coverage > 0.9


def test_a_changed_page_shape_stops_with_a_clear_error_and_keeps_earlier_pages(
    engine: Engine, client: CivitaiApiClient, replay_server: ReplayServer
) -> None:
    replay_server.script({2: Fault.RENAMED_ITEMS})

    with pytest.raises(CivitaiShapeError, match="items"):
        import_live(engine, client, LiveImportPlan(types=LORAS, limit=None))

    assert len(_model_ids(engine)) == 100


def test_no_network_says_to_import_a_dump_instead(engine: Engine) -> None:
    with http_client() as http:
        offline = CivitaiApiClient(
            "http://127.0.0.1:9", http=http, max_retries=1, sleep=lambda _s: None
        )
        with pytest.raises(CivitaiUnreachable, match="ATELIER_IMPORT"):
            import_live(engine, offline, LiveImportPlan(types=LORAS, limit=10))
