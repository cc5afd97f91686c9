"""`atelier embed`, `atelier index` and `atelier search`: build and try the search indexes."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn
from rich.table import Table

from atelier.cli.context import console, engine, settings
from atelier.db.models import Image, Model
from atelier.services.indexing import (
    build_vector_indexes,
    embed_catalog,
    index_is_current,
    rebuild_fulltext,
    recall_phrases,
    refresh_search_indexes,
    remember_phrases,
)
from atelier.services.search.service import SearchRequest
from atelier.services.search.setup import build_search_service, embedder_for
from atelier.services.search.snapshot import Filters
from atelier.services.visibility import Visibility


def _progress() -> Progress:
    return Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=console, transient=True,
    )  # fmt: skip


def indexes_are_current() -> bool:
    """Whether the configured embedder's search indexes were built after the last import."""
    config = settings()
    return index_is_current(engine(), config.data_dir, embedder_for(config).name)


def embed() -> None:
    """Embed every image and LoRA whose text is new or changed (resumable)."""
    config = settings()
    embedder = embedder_for(config)
    started = time.perf_counter()
    recall_phrases(embedder, config.data_dir)
    with _progress() as progress:
        task = progress.add_task(f"embedding with {embedder.name}", total=None)
        counts = embed_catalog(
            engine(),
            embedder,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    remember_phrases(embedder, config.data_dir)
    seconds = time.perf_counter() - started
    rate = counts.distinct_texts / seconds if seconds and counts.distinct_texts else 0.0
    console.print(
        f"embedded {counts.embedded} items ({counts.distinct_texts} distinct texts, "
        f"{counts.unchanged} unchanged) in {seconds:.0f} s, {rate:.0f} texts/s"
    )


def index(
    full: Annotated[bool, typer.Option(help="also embed what changed first")] = True,
) -> None:
    """Rebuild the keyword tables and the vector indexes from stored embeddings."""
    config = settings()
    embedder = embedder_for(config)
    if full:
        with _progress() as progress:
            task = progress.add_task(f"embedding with {embedder.name}", total=None)
            refresh_search_indexes(
                engine(), embedder, config.data_dir, config.vector_index,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
            )  # fmt: skip
    else:
        rebuild_fulltext(engine(), config.data_dir)
        build_vector_indexes(engine(), embedder, config.data_dir, config.vector_index)
    console.print(f"indexes ready under {config.data_dir / 'index'}")


def search(
    query: Annotated[str, typer.Argument(help="a description or keywords")],
    limit: Annotated[int, typer.Option(help="results per kind")] = 10,
    max_level: Annotated[int, typer.Option(help="0 None .. 3 X")] = 0,
) -> None:
    """Print the images and LoRAs a query finds."""
    service = build_search_service(engine(), settings())
    visibility = Visibility(max_level=max_level)
    started = time.perf_counter()
    pages = service.search(SearchRequest(query, limit=limit, filters=Filters()), visibility)
    elapsed = (time.perf_counter() - started) * 1000
    with engine().connect() as connection:
        for kind, page in pages.items():
            table = Table(title=f"{kind} for {query!r} ({page.total} found)")
            table.add_column("id", justify="right")
            table.add_column("score", justify="right")
            table.add_column("why")
            table.add_column("what")
            for hit in page.hits:
                if kind == "images":
                    what = connection.execute(
                        Image.__table__.select().where(Image.id == hit.item_id)
                    ).first()
                    text = (what.prompt or "")[:80] if what else ""
                else:
                    what = connection.execute(
                        Model.__table__.select().where(Model.id == hit.item_id)
                    ).first()
                    text = what.name if what else ""
                table.add_row(str(hit.item_id), f"{hit.score:.4f}", hit.why, text)
            console.print(table)
    mode = "hybrid" if service.semantic else "keyword-only (run `atelier index`)"
    console.print(f"{mode}; {elapsed:.1f} ms")
