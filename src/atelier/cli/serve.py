"""`atelier serve` and `atelier up`: run the web app (after a first import, for `up`)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn
from sqlalchemy import func, select

from atelier.cli.context import console, engine, settings
from atelier.cli.ingest import print_report
from atelier.cli.search import index, indexes_are_current
from atelier.db.models import Model
from atelier.errors import IngestError
from atelier.services.catalog_import import import_dump_file


def serve(
    host: Annotated[str | None, typer.Option(help="address to bind (ATELIER_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port to bind (ATELIER_PORT)")] = None,
) -> None:
    """Serve the HTTP API and the web front end."""
    from atelier.api.factory import build_app

    config = settings()
    app = build_app(config)
    bind_host, bind_port = host or config.host, port or config.port
    if not indexes_are_current():
        console.print(
            "[yellow]The search indexes are missing or older than the catalog:[/] search "
            "misses what was imported since; run [bold]atelier index[/] and restart."
        )
    console.print(f"Atelier at http://{bind_host}:{bind_port}/  (API docs at /api/docs)")
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="warning")


def _catalog_is_empty() -> bool:
    with engine().connect() as connection:
        return connection.execute(select(func.count()).select_from(Model)).scalar_one() == 0


def ensure_catalog() -> None:
    """Import a first catalog when there is none: a dump if ATELIER_IMPORT names one, else a
    bounded slice of the live API."""
    if not _catalog_is_empty():
        return
    config = settings()
    try:
        if config.import_path is not None:
            console.print(f"The catalog is empty: importing {config.import_path}")
            print_report(import_dump_file(engine(), config.import_path))
            return
        from atelier.services.live_import import import_first_slice

        console.print("The catalog is empty: importing a first slice of Civitai's live API")
        print_report(import_first_slice(engine(), config))
    except IngestError as error:
        console.print(f"[red]Could not import a catalog:[/] {error.detail}")
        raise typer.Exit(1) from error


def up(
    host: Annotated[str | None, typer.Option(help="address to bind (ATELIER_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port to bind (ATELIER_PORT)")] = None,
) -> None:
    """Import a first catalog if the database is empty, build what search needs, then serve."""
    ensure_catalog()
    if not indexes_are_current():
        console.print("Building the search indexes (embeddings, keywords, vectors)...")
        index(full=True)
    serve(host=host, port=port)
