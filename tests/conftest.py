"""Shared fixtures: the shared data path and fresh databases (SQLite, or PostgreSQL by URL).

With ATELIER_TEST_DATABASE_URL pointing at a PostgreSQL server (as `make test` does on its
second pass), every database fixture hands out a fresh PostgreSQL database cloned from a
migrated template instead of a SQLite file.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from atelier.db.engine import make_engine
from atelier.db.migrate import upgrade_to_head
from atelier.services.catalog_import import import_dump_file

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_URL = os.environ.get("ATELIER_TEST_DATABASE_URL")


def shared_data_dir() -> Path:
    """The shared Civitai data: ATELIER_SHARED_DATA, default ../shared/civitai beside the repo."""
    configured = os.environ.get("ATELIER_SHARED_DATA")
    path = Path(configured) if configured else REPO_ROOT.parent / "shared" / "civitai"
    return path if path.is_absolute() else (REPO_ROOT / path).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not (path / "models-sample.jsonl.gz").is_file():
        pytest.fail(f"shared Civitai data not found at {path}; set ATELIER_SHARED_DATA")
    return path


@pytest.fixture(scope="session")
def sample_dump(shared_data: Path) -> Path:
    return shared_data / "models-sample.jsonl.gz"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests that touch a database are marked `db`, so the PostgreSQL pass can select them.
    database_fixtures = {
        "engine",
        "database_url",
        "catalog_engine",
        "catalog_url",
        "module_catalog_url",
    }
    for item in items:
        if database_fixtures & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


class _PostgresCloner:
    """Creates databases on the test server from templates, and drops them afterwards."""

    def __init__(self, url: str) -> None:
        self.url = make_url(url)
        self.admin = create_engine(
            self.url.set(drivername="postgresql+psycopg", database="postgres"),
            isolation_level="AUTOCOMMIT",
        )

    def url_for(self, name: str) -> str:
        return self.url.set(drivername="postgresql+psycopg", database=name).render_as_string(
            hide_password=False
        )

    def create(self, name: str, template: str | None = None) -> str:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            suffix = f' TEMPLATE "{template}"' if template else ""
            connection.execute(text(f'CREATE DATABASE "{name}"{suffix}'))
        return self.url_for(name)

    def drop(self, name: str) -> None:
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def _postgres() -> Iterator[_PostgresCloner | None]:
    if not POSTGRES_URL:
        yield None
        return
    cloner = _PostgresCloner(POSTGRES_URL)
    yield cloner
    cloner.admin.dispose()


def _template(postgres: _PostgresCloner, name: str, dump: Path | None) -> str:
    url = postgres.create(name)
    engine = make_engine(url)
    if dump is None:
        upgrade_to_head(engine)
    else:
        import_dump_file(engine, dump)
    engine.dispose()
    return name


@pytest.fixture(scope="session")
def _empty_template(
    _postgres: _PostgresCloner | None, tmp_path_factory: pytest.TempPathFactory
) -> str:
    if _postgres is not None:
        return _template(_postgres, "atelier_tpl_empty", None)
    path = tmp_path_factory.mktemp("tpl") / "empty.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade_to_head(engine)
    engine.dispose()
    return str(path)


@pytest.fixture(scope="session")
def _catalog_template(
    _postgres: _PostgresCloner | None, tmp_path_factory: pytest.TempPathFactory, sample_dump: Path
) -> str:
    if _postgres is not None:
        return _template(_postgres, "atelier_tpl_catalog", sample_dump)
    path = tmp_path_factory.mktemp("tpl") / "catalog.db"
    engine = make_engine(f"sqlite:///{path}")
    import_dump_file(engine, sample_dump)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return str(path)


def _fresh_copy(template: str, postgres: _PostgresCloner | None, tmp_path: Path) -> Iterator[str]:
    if postgres is not None:
        name = f"atelier_t_{uuid.uuid4().hex[:12]}"
        yield postgres.create(name, template)
        postgres.drop(name)
        return
    target = tmp_path / "atelier.db"
    shutil.copyfile(template, target)
    yield f"sqlite:///{target}"


@pytest.fixture
def database_url(
    _empty_template: str, _postgres: _PostgresCloner | None, tmp_path: Path
) -> Iterator[str]:
    """URL of a fresh, migrated, empty database for this test alone."""
    yield from _fresh_copy(_empty_template, _postgres, tmp_path)


@pytest.fixture
def catalog_url(
    _catalog_template: str, _postgres: _PostgresCloner | None, tmp_path: Path
) -> Iterator[str]:
    """URL of a fresh database holding the imported sample catalog, for this test alone."""
    yield from _fresh_copy(_catalog_template, _postgres, tmp_path)


@pytest.fixture(scope="module")
def module_catalog_url(
    _catalog_template: str,
    _postgres: _PostgresCloner | None,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """A sample-catalog database shared by one test module, for read-only tests whose setup
    (such as building search indexes) is too costly to repeat per test."""
    yield from _fresh_copy(_catalog_template, _postgres, tmp_path_factory.mktemp("module"))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    built = make_engine(database_url)
    yield built
    built.dispose()


@pytest.fixture
def catalog_engine(catalog_url: str) -> Iterator[Engine]:
    built = make_engine(catalog_url)
    yield built
    built.dispose()
