"""Imports a dump end to end: schema, rows, link resolution, coverage, and a run record."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from atelier.db.engine import refresh_planner_statistics
from atelier.db.migrate import upgrade_to_head
from atelier.db.models import IngestRun
from atelier.db.stats import lora_coverage
from atelier.ingest.dump import import_dump
from atelier.ingest.links import resolve_links
from atelier.ingest.report import ImportReport

logger = logging.getLogger(__name__)


def record_run_start(engine: Engine, source: str) -> int:
    """Insert an ingest_runs row and return its id."""
    with engine.begin() as connection:
        result = connection.execute(
            insert(IngestRun).values(source=source, started_at=datetime.now(UTC), summary={})
        )
        run_id = result.inserted_primary_key
        assert run_id is not None
        return int(run_id[0])


def finish_run(engine: Engine, run_id: int, report: ImportReport) -> None:
    """Store the report's summary on the run and log it."""
    with engine.begin() as connection:
        connection.execute(
            update(IngestRun)
            .where(IngestRun.id == run_id)
            .values(finished_at=datetime.now(UTC), summary=report.summary())
        )
    refresh_planner_statistics(engine)
    logger.info("import finished: %s", report.summary())


def relink(engine: Engine, report: ImportReport) -> None:
    """Resolve links over the whole catalog and measure LoRA coverage into the report."""
    started = time.perf_counter()
    with engine.begin() as connection:
        report.links = resolve_links(connection)
    report.seconds["links"] = time.perf_counter() - started
    with engine.connect() as connection:
        report.lora_coverage = lora_coverage(connection)


def _previous_run_finished(engine: Engine, run_id: int) -> bool:
    """Whether the run before this one completed (so its links were resolved)."""
    with engine.connect() as connection:
        finished = connection.execute(
            select(IngestRun.finished_at)
            .where(IngestRun.id < run_id)
            .order_by(IngestRun.id.desc())
            .limit(1)
        ).first()
    return finished is not None and finished[0] is not None


def import_dump_file(
    engine: Engine, path: Path, *, on_bytes: Callable[[int], None] | None = None
) -> ImportReport:
    """Migrate, import the dump, resolve links, and report coverage."""
    upgrade_to_head(engine)
    run_id = record_run_start(engine, str(path))
    settled = _previous_run_finished(engine, run_id)
    started = time.perf_counter()
    report = import_dump(engine, path, on_bytes=on_bytes)
    report.seconds["rows"] = time.perf_counter() - started
    if settled and report.counts.models == 0 and report.counts.images == 0:
        # Nothing changed and the last run resolved every link: only measure.
        with engine.connect() as connection:
            report.lora_coverage = lora_coverage(connection)
    else:
        relink(engine, report)
    finish_run(engine, run_id, report)
    return report
