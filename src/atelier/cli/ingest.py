"""`atelier ingest file|civitai`: bring Civitai items into the catalog."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TimeRemainingColumn,
)
from rich.table import Table

from atelier.cli.context import console, engine, settings
from atelier.cli.search import indexes_are_current
from atelier.errors import IngestError
from atelier.ingest.civitai_api import CivitaiApiClient
from atelier.ingest.report import ImportReport
from atelier.services.catalog_import import import_dump_file
from atelier.services.live_import import LiveImportPlan, import_live

app = typer.Typer(help="Import Civitai models and images.", no_args_is_help=True)


def print_report(report: ImportReport) -> None:
    """A summary table, then the first problems with their line numbers."""
    table = Table(title=f"Imported {report.source}", show_header=False)
    for key, value in report.summary().items():
        if key in ("first_problems", "source", "seconds"):
            continue
        shown = (
            f"{value:.1%}" if key == "lora_coverage" and isinstance(value, float) else str(value)
        )
        table.add_row(key.replace("_", " "), shown)
    console.print(table)
    for problem in report.problems[:20]:
        console.print(f"[yellow]skipped[/] {problem}")
    if report.problem_count > 20:
        console.print(f"... and {report.problem_count - 20} more problems (see the log)")


def _say_if_unsearchable() -> None:
    """Search reads its own indexes, which an import does not touch."""
    if not indexes_are_current():
        console.print(
            "Search does not see these changes yet: run [bold]atelier index[/] "
            "(then restart a running server), or start with [bold]atelier up[/], "
            "which builds what is missing."
        )


@app.command("file")
def ingest_file(
    path: Annotated[
        Path, typer.Argument(help="JSONL or JSONL.gz of /api/v1/models or /images items")
    ],
) -> None:
    """Import a dump file: streams it, commits in batches, resolves image -> LoRA links."""
    if not path.is_file():
        console.print(f"[red]No such file:[/] {path}")
        raise typer.Exit(2)
    size = path.stat().st_size
    with Progress(
        "[progress.description]{task.description}", BarColumn(), DownloadColumn(),
        TimeRemainingColumn(), console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task(f"importing {path.name}", total=size)
        try:
            report = import_dump_file(
                engine(), path, on_bytes=lambda done: progress.update(task, completed=done)
            )
        except IngestError as error:
            console.print(f"[red]Import failed:[/] {error.detail}")
            raise typer.Exit(1) from error
    print_report(report)
    _say_if_unsearchable()


@app.command("civitai")
def ingest_civitai(
    types: Annotated[
        list[str] | None, typer.Option("--types", help="model types, e.g. LORA (repeatable)")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="models to fetch (default: all)")] = None,
    with_images: Annotated[bool, typer.Option(help="also fetch images of each version")] = False,
    images_per_version: Annotated[int, typer.Option(help="images fetched per version")] = 20,
) -> None:
    """Page Civitai's live API (cursor paging, retries, resumable) into the catalog."""
    config = settings()
    plan = LiveImportPlan(
        types=types, limit=limit, with_images=with_images, images_per_version=images_per_version
    )
    with Progress(
        "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=console, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("fetching models", total=limit)
        try:
            with CivitaiApiClient(
                config.civitai_base_url, api_key=config.civitai_api_key
            ) as client:
                report = import_live(
                    engine(), client, plan, on_progress=lambda n: progress.update(task, completed=n)
                )
        except IngestError as error:
            console.print(f"[red]Import stopped:[/] {error.detail}")
            console.print("What was committed stays; run the same command again to resume.")
            raise typer.Exit(1) from error
    print_report(report)
    _say_if_unsearchable()
