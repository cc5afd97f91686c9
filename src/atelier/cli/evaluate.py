"""`atelier eval search`: retrieval quality on a held-out split, written to docs/benchmarks.md."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress

from atelier.bench_report import markdown_table, write_section
from atelier.cli.context import console, engine, settings
from atelier.services.search.evaluation import (
    Evaluation,
    build_split,
    evaluate,
    rankings_for,
    tune_weights,
    visible_targets,
)
from atelier.services.search.fusion import SETTING_KEYS, save_tuned_weights
from atelier.services.search.setup import build_search_service
from atelier.services.visibility import Visibility

app = typer.Typer(help="Offline evaluation.", no_args_is_help=True)

SETTINGS = {"all content": Visibility(3, frozenset(), True), "PG only": Visibility(0)}


def _table(evaluations: list[Evaluation]) -> str:
    rows: list[list[object]] = []
    for evaluation in evaluations:
        # Task B's methods in order (a superset: the phrase index ranks images only).
        for method in evaluation.task_b:
            a, b = evaluation.task_a.get(method), evaluation.task_b[method]
            a_cells = [f"{a.hit_at_10:.3f}", f"{a.second:.3f}"] if a is not None else ["-", "-"]
            rows.append(
                [evaluation.setting, method, *a_cells, f"{b.hit_at_10:.3f}", f"{b.second:.3f}"]
            )
    return markdown_table(
        ["setting", "method", "A hit@10", "A MRR", "B hit@10", "B recall@20"], rows
    )


# The goals issue 3 sets for the hybrid ranking, in both settings.
GOALS = {"A": 0.45, "B": 0.80}


def _goals_text(evaluations: list[Evaluation]) -> str:
    def status(task: str, values: dict[str, float]) -> str:
        met = all(value >= GOALS[task] for value in values.values())
        shown = ", ".join(f"{value:.3f} {setting}" for setting, value in values.items())
        return f"task {task} hit@10 >= {GOALS[task]:.2f} ({'met' if met else 'missed'}: {shown})"

    task_a = {e.setting: e.task_a["hybrid"].hit_at_10 for e in evaluations}
    task_b = {e.setting: e.task_b["hybrid"].hit_at_10 for e in evaluations}
    return f"Goals for hybrid: {status('A', task_a)}, {status('B', task_b)}."


def _weights_text(evaluations: list[Evaluation]) -> str:
    return "; ".join(
        f"{e.setting} `keyword={e.weights.keyword:g}, vector={e.weights.vector:g}, "
        f"phrases={e.weights.phrases:g}, image_votes={e.weights.image_votes:g}, "
        f"rrf_k={e.weights.rrf_k:g}`"
        for e in evaluations
    )


@app.command("search")
def search(
    queries: Annotated[int, typer.Option(help="held-out queries per setting")] = 1000,
    tune: Annotated[
        bool, typer.Option(help="tune fusion weights on the tuning split first")
    ] = True,
    save: Annotated[
        bool, typer.Option(help="save the tuned weights as the ones the app ships with")
    ] = True,
    write: Annotated[bool, typer.Option(help="write docs/benchmarks.md")] = True,
    section: Annotated[str, typer.Option(help="section of docs/benchmarks.md")] = "search-quality",
    catalog: Annotated[str, typer.Option(help="what catalog this is, for the report")] = "",
) -> None:
    """Task A (LoRAs from a prompt) and task B (images of the same version) on held-out images."""
    config = settings()
    service = build_search_service(engine(), config)
    if not service.semantic:
        console.print("[red]No vector index yet:[/] run `atelier index` first.")
        raise typer.Exit(1)
    started = time.perf_counter()
    evaluations = []
    for name, visibility in SETTINGS.items():
        if tune:
            # Each setting is tuned on its own tuning split (buckets the test split never uses).
            with engine().connect() as connection:
                tuning = build_split(
                    connection, max_level=visibility.max_level, part="tune", size=queries // 2
                )
            tuning = visible_targets(service, tuning, visibility)
            weights = tune_weights(service, rankings_for(service, tuning, visibility), tuning)
            service.weights = replace(service.weights, **{SETTING_KEYS[name]: weights})
            console.print(f"{name}: tuned on {len(tuning)} queries: {weights}")
        with engine().connect() as connection:
            split = build_split(
                connection, max_level=visibility.max_level, part="test", size=queries
            )
        split = visible_targets(service, split, visibility)
        with Progress(
            "{task.description}", BarColumn(), MofNCompleteColumn(), console=console, transient=True
        ) as bar:
            task = bar.add_task(name, total=len(split))
            progress = lambda n, task=task: bar.update(task, completed=n)  # noqa: E731
            weights = service.weights.for_level(visibility.max_level)
            evaluations.append(
                evaluate(service, split, visibility, weights, name, on_progress=progress)
            )
    if tune and save:
        save_tuned_weights(service.weights)
    table = _table(evaluations)
    console.print(table)
    minutes = (time.perf_counter() - started) / 60
    if write:
        write_section(
            section,
            f"## Search quality (`atelier eval search`){': ' + catalog if catalog else ''}\n\n"
            f"Held-out split of the catalog, embedder `{config.embedder}`, "
            f"{evaluations[0].queries} test queries (all content) and "
            f"{evaluations[1].queries} (PG only); fusion weights tuned per setting on a "
            f"separate tuning split: {_weights_text(evaluations)}. Task A: rank LoRAs from a "
            "held-out image's prompt (its `<lora:>` tags and the target LoRAs' trigger words "
            "removed); hit@10 and MRR of the LoRAs it really used, excluding the model it is "
            "posted under. Task B: rank images from the prompt; hit@10 and recall@20 of images "
            f"posted under the same version. Run time {minutes:.1f} min.\n\n{table}\n"
            f"{_goals_text(evaluations)}\n",
        )
