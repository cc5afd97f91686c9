"""Imports from Civitai's live API: models, then (optionally) the images made with them.

Each page is written in one transaction together with the cursor that follows it, so an
interrupted import resumes exactly where the last committed page ended.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, select

from atelier.config import Settings
from atelier.db.models import IngestCursor, ModelVersion
from atelier.db.upsert import upsert_rows
from atelier.ingest.civitai_api import ApiPage, CivitaiApiClient, ParamValue
from atelier.ingest.live import LIVE_ENDPOINTS, ingest_pages
from atelier.ingest.normalise import Bundle, ItemRejected, Problem, normalise_item
from atelier.ingest.report import ImportReport
from atelier.ingest.writer import write_bundles
from atelier.services.catalog_import import finish_run, record_run_start, relink

logger = logging.getLogger(__name__)

LORA_TYPES_PARAM = ["LORA", "LoCon", "DoRA"]


@dataclass(frozen=True, slots=True)
class LiveImportPlan:
    """What to fetch: which model types, how many models, and images per version."""

    types: list[str] | None = None
    limit: int | None = 100
    with_images: bool = False
    images_per_version: int = 20


def stream_name(path: str, params: Mapping[str, ParamValue]) -> str:
    """A stable key for one listing with one query, under which its cursor is stored."""
    query = "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k != "limit")
    return f"{path}?{query}"[:200]


def _stored_cursor(engine: Engine, stream: str) -> IngestCursor | None:
    with engine.connect() as connection:
        row = connection.execute(select(IngestCursor).where(IngestCursor.stream == stream)).first()
    return None if row is None else IngestCursor(**row._mapping)


def _save_cursor(connection: Connection, stream: str, page: ApiPage, items: int) -> None:
    previous = connection.execute(
        select(IngestCursor.items).where(IngestCursor.stream == stream)
    ).scalar_one_or_none()
    upsert_rows(
        connection,
        IngestCursor,
        [
            {
                "stream": stream,
                "cursor": page.next_cursor,
                "items": (previous or 0) + items,
                "finished": page.next_cursor is None,
                "updated_at": datetime.now(UTC),
            }
        ],
        keys=["stream"],
    )


def _page_sink(engine: Engine, stream: str, report: ImportReport) -> Callable[[ApiPage], int]:
    def sink(page: ApiPage) -> int:
        bundles: list[Bundle] = []
        for index, item in enumerate(page.items):
            try:
                bundle = normalise_item(item)
            except ItemRejected as error:
                report.add_problem(Problem(f"{page.url} item {index}", str(error)))
                continue
            for problem in bundle.problems:
                report.add_problem(problem)
            bundles.append(bundle)
        with engine.begin() as connection:
            report.counts.add(write_bundles(connection, bundles))
            _save_cursor(connection, stream, page, len(bundles))
        report.lines += len(page.items)
        return len(bundles)

    return sink


def _ingest_stream(
    engine: Engine,
    client: CivitaiApiClient,
    path: str,
    params: Mapping[str, ParamValue],
    limit: int | None,
    report: ImportReport,
    on_progress: Callable[[int], None] | None,
) -> None:
    stream = stream_name(path, params)
    stored = _stored_cursor(engine, stream)
    start = stored.cursor if stored is not None and not stored.finished else None
    if start is not None:
        logger.info("resuming %s from its last committed cursor", stream)
    ingest_pages(
        client,
        path,
        params,
        _page_sink(engine, stream, report),
        start_cursor=start,
        limit=limit,
        on_progress=on_progress,
    )


def _lora_versions(engine: Engine, limit: int | None) -> list[int]:
    # The newest version of each model: the one whose images people look at first.
    with engine.connect() as connection:
        rows = connection.execute(
            select(ModelVersion.id)
            .where(ModelVersion.position == 0)
            .order_by(ModelVersion.id.desc())
        ).scalars()
        versions = list(rows)
    return versions if limit is None else versions[:limit]


def import_live(
    engine: Engine,
    client: CivitaiApiClient,
    plan: LiveImportPlan,
    *,
    on_progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Fetch models (and their images), resolve links, report coverage."""
    report = ImportReport(source=f"{client.base_url} (live)")
    run_id = record_run_start(engine, report.source)
    models = LIVE_ENDPOINTS["models"]
    params = models.with_params({"types": plan.types} if plan.types else {})
    _ingest_stream(engine, client, models.path, params, plan.limit, report, on_progress)
    if plan.with_images:
        images = LIVE_ENDPOINTS["images"]
        for version_id in _lora_versions(engine, plan.limit):
            image_params = images.with_params(
                {"modelVersionId": version_id, "limit": plan.images_per_version}
            )
            _ingest_stream(
                engine, client, images.path, image_params, plan.images_per_version, report, None
            )
    relink(engine, report)
    finish_run(engine, run_id, report)
    return report


def import_first_slice(engine: Engine, settings: Settings) -> ImportReport:
    """The bounded first import `make run` does on an empty catalog: popular LoRAs and their
    images. Raises CivitaiUnreachable (with what to do instead) when offline."""
    with CivitaiApiClient(settings.civitai_base_url, api_key=settings.civitai_api_key) as client:
        plan = LiveImportPlan(
            types=LORA_TYPES_PARAM, limit=settings.first_import_limit, with_images=True
        )
        return import_live(engine, client, plan)
