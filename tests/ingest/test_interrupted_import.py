"""An import killed half-way leaves a consistent database, and running it again completes it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from atelier.db.models import Image, ImageResource, Model, ModelVersion
from atelier.services.catalog_import import import_dump_file

REPO = Path(__file__).resolve().parents[2]


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_a_killed_import_is_consistent_and_a_rerun_completes_it(
    engine: Engine, database_url: str, sample_dump: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "ATELIER_DATABASE_URL": database_url, "ATELIER_DATA_DIR": str(tmp_path)}
    importer = subprocess.Popen(
        [sys.executable, "-m", "atelier.cli", "ingest", "file", str(sample_dump)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    # Wait until some batches are committed, then kill it without any chance to clean up.
    deadline = time.monotonic() + 120
    while _count(engine, Model) < 100 and time.monotonic() < deadline:
        assert importer.poll() is None, "the import finished before it could be interrupted"
        time.sleep(0.05)
    importer.send_signal(signal.SIGKILL)
    importer.wait()

    partial = _count(engine, Model)
    assert 100 <= partial < 471
    with engine.connect() as connection:
        # Every committed image belongs to a committed version: batches are all-or-nothing.
        orphans = connection.execute(
            select(func.count())
            .select_from(Image)
            .outerjoin(ModelVersion, ModelVersion.id == Image.posted_version_id)
            .where(ModelVersion.id.is_(None))
        ).scalar_one()
        assert orphans == 0
        if connection.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []

    report = import_dump_file(engine, sample_dump)

    assert report.counts.unchanged == partial
    assert (_count(engine, Model), _count(engine, ModelVersion), _count(engine, Image)) == (
        471,
        915,
        6421,
    )
    assert _count(engine, ImageResource) > 6421
