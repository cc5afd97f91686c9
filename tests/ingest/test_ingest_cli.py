"""`atelier ingest file` and `atelier serve` over the command line: they say when search does
not see an import yet."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atelier.cli import context
from atelier.cli.main import app as cli_app
from tests.ingest.dumps import read_items, write_lines


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh SQLite data directory for the CLI, with the cheap embedder and exact index."""
    monkeypatch.setenv("ATELIER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("ATELIER_DATABASE_URL", f"sqlite:///{tmp_path / 'atelier.db'}")
    monkeypatch.setenv("ATELIER_EMBEDDER", "hashing")
    monkeypatch.setenv("ATELIER_VECTOR_INDEX", "exact")
    context.settings.cache_clear()
    context.engine.cache_clear()
    try:
        yield tmp_path
    finally:
        context.engine().dispose()
        context.settings.cache_clear()
        context.engine.cache_clear()


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_an_import_says_search_needs_indexing_until_it_has_been(
    cli_env: Path, sample_dump: Path
) -> None:
    dump = write_lines(cli_env / "small.jsonl", read_items(sample_dump, 5))

    assert "atelier index" in _run("ingest", "file", str(dump))

    _run("index")
    # Importing the same dump again changes nothing, so the indexes are still current.
    assert "atelier index" not in _run("ingest", "file", str(dump))


def test_serve_warns_while_the_indexes_are_older_than_the_catalog(
    cli_env: Path, sample_dump: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Serving blocks until stopped, so the server is not started: the warning comes before.
    served: list[object] = []
    monkeypatch.setattr("atelier.cli.serve.uvicorn.run", lambda app, **_: served.append(app))
    _run("ingest", "file", str(write_lines(cli_env / "small.jsonl", read_items(sample_dump, 5))))

    stale = _run("serve")
    _run("index")
    current = _run("serve")

    assert len(served) == 2
    assert "older than the catalog" in stale
    assert "older than the catalog" not in current
