"""`atelier train` and `atelier eval recommend`: fit the collaborative model; measure quality.

The evaluation has two parts: creator histories (offline, real data, full ranking) and
simulated people who use a running server over HTTP for ten rounds. The second part works on
a copy of the SQLite database, so the catalog it reads is never written to.
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
import uvicorn

from atelier.bench_report import markdown_table, write_section
from atelier.cli.context import console, engine, settings
from atelier.config import Settings
from atelier.services.recommendations.collaborative import save_trained
from atelier.services.recommendations.collaborative import train as fit_from_log
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evaluation import (
    MethodResult,
    creator_split,
    evaluate_creators,
)
from atelier.services.recommendations.report import line_chart_svg
from atelier.services.recommendations.service import (
    RecommendationService,
    build_recommendation_service,
)
from atelier.services.recommendations.simulation import (
    PersonResult,
    choose_tastes,
    seed_creator_people,
    simulate_person,
)
from atelier.services.search.setup import build_search_service

LEARNING_CURVE = Path("docs/learning-curve.svg")
BLEND: dict[str, Any] = {"strategy": "blend"}
POPULAR: dict[str, Any] = {"strategy": "popular", "rerank": False, "explore_share": 0.0}
PLAIN_ALS: dict[str, Any] = {"strategy": "collaborative", "rerank": False, "explore_share": 0.0}


@dataclass(frozen=True)
class Run:
    """One simulated condition: which feed, and how people start."""

    label: str
    overrides: dict[str, Any]
    onboard: bool
    seed_like: bool


RUNS = (
    Run("atelier, cold start", BLEND, onboard=False, seed_like=False),
    Run("popularity, cold start", POPULAR, onboard=False, seed_like=False),
    Run("plain ALS, cold start", PLAIN_ALS, onboard=False, seed_like=False),
    Run("atelier, onboarded", BLEND, onboard=True, seed_like=False),
    Run("atelier, one seed like", BLEND, onboard=False, seed_like=True),
    Run("plain ALS, one seed like", PLAIN_ALS, onboard=False, seed_like=True),
)


def _service(config: Settings) -> RecommendationService:
    search = build_search_service(engine(), config)
    return build_recommendation_service(engine(), search, RecommendConfig.from_settings(config))


def train() -> None:
    """Fit the collaborative model on the whole interaction log and save it; a running server
    picks the new model up within a minute, without a restart."""
    config = settings()
    service = _service(config)
    started = time.perf_counter()
    trained = fit_from_log(engine(), service.catalog, service.config)
    if trained is None:
        console.print("too few interactions to train on yet: nothing saved")
        return
    assert service.config.model_dir is not None
    run = save_trained(trained, service.config.model_dir)
    console.print(
        f"trained {service.config.model} on {trained.n_events} events in "
        f"{time.perf_counter() - started:.1f} s; saved to {run}"
    )


# -- creator histories ----------------------------------------------------------------------


def _creator_table(results: list[MethodResult]) -> str:
    rows: list[list[object]] = [
        [r.name, f"{r.metrics.recall:.4f}", f"{r.metrics.ndcg:.4f}", f"{r.metrics.hit_rate:.3f}",
         r.metrics.users, f"{r.seconds:.0f}"]
        for r in results
    ]  # fmt: skip
    return markdown_table(
        ["method", "Recall@10", "NDCG@10", "hit rate@10", "creators", "seconds"], rows
    )


# -- simulated people ----------------------------------------------------------------------


@contextmanager
def _server(config: Settings) -> Iterator[tuple[str, Any]]:
    from atelier.api.factory import build_app

    app = build_app(config)
    uv = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(uv)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the evaluation server did not start")
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _copy_database(source: Path, target: Path) -> None:
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)


def _simulate(
    config: Settings, people: int, rounds: int, min_images: int = 100
) -> dict[str, list[PersonResult]]:
    database = config.resolved_database_url()
    if not database.startswith("sqlite:///"):
        raise typer.BadParameter("the simulation copies the SQLite database; run it on SQLite")
    with tempfile.TemporaryDirectory(prefix="atelier-sim-") as tmp:
        work = Path(tmp)
        _copy_database(Path(database.removeprefix("sqlite:///")), work / "atelier.db")
        for name in ("index", "models"):
            if (config.data_dir / name).exists():
                (work / name).symlink_to((config.data_dir / name).resolve())
        sim_config = config.model_copy(update={"data_dir": work, "database_url": None})
        with _server(sim_config) as (base_url, app):
            service: RecommendationService = app.state.atelier.services["recommendations"]
            catalog = service.catalog
            events = seed_creator_people(app.state.atelier.engine, catalog)
            console.print(f"background log: {events} events from model creators")
            service.retrainer.start()
            service.retrainer.wait()
            tastes = choose_tastes(
                catalog, service.onboarding.styles, people, people, min_images=min_images
            )
            console.print(f"{len(tastes)} simulated people per strategy")
            base = service.config
            results: dict[str, list[PersonResult]] = {}
            for r, run in enumerate(RUNS):
                service.config = replace(base, **run.overrides)
                started = time.perf_counter()
                results[run.label] = [
                    simulate_person(
                        base_url, catalog, taste, f"sim{r}-{i}", rounds=rounds,
                        onboard=run.onboard, seed_like=run.seed_like, seed=i,
                    )
                    for i, taste in enumerate(tastes)
                ]  # fmt: skip
                console.print(f"{run.label}: {time.perf_counter() - started:.0f} s")
            service.config = base
            service.retrainer.wait()
    return results


def _curve(results: list[PersonResult]) -> list[float]:
    return [float(v) for v in np.mean([r.precision for r in results], axis=0)]


def _simulation_table(results: dict[str, list[PersonResult]]) -> str:
    rows: list[list[object]] = []
    for label, people in results.items():
        for kind in ("lora", "tags", "all"):
            chosen = [p for p in people if kind in ("all", p.taste.kind)]
            if not chosen:
                continue
            curve = _curve(chosen)
            loras = [p for p in chosen if p.taste.kind == "lora"]
            reached = [p.lora_hit_after_5 for p in loras if p.lora_hit_after_5 is not None]
            hit_text = (
                f"{sum(reached)}/{len(reached)} = {sum(reached) / len(reached):.2f}"
                if reached
                else "- (nobody reached 5 likes)"
            )
            ratio = f"{curve[-1] / curve[0]:.1f}x" if curve[0] > 0 else "from 0"
            explored = float(np.mean([np.mean(p.explore) for p in chosen]))
            rows.append(
                [label, kind, len(chosen), f"{curve[0]:.3f}", f"{curve[len(curve) // 2 - 1]:.3f}",
                 f"{curve[-1]:.3f}", f"{np.mean(curve):.3f}", ratio, hit_text, f"{explored:.2f}"]
            )  # fmt: skip
    return markdown_table(
        ["feed", "taste", "people", "P@20 round 1", "round 5", "round 10", "mean of 10",
         "10 vs 1", "hidden LoRA in top 10 right after the 5th like", "explore share"],
        rows,
    )  # fmt: skip


# The goals: round 10 at least 3x round 1, and the hidden LoRA in the LoRA top 10 for
# at least 70% of LoRA-taste people (a person who never liked five images counts as a miss).
GOAL_LEARNING_RATIO = 3.0
GOAL_HIDDEN_LORA_SHARE = 0.70


def _met(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _creator_goals(results: list[MethodResult]) -> str:
    """One generated sentence comparing the served page with the two baselines."""
    recall = {r.name: r.metrics.recall for r in results}
    served = next((v for k, v in recall.items() if k.startswith("atelier (served")), None)
    if served is None or "popularity" not in recall or "als" not in recall:
        return ""
    popular, als = recall["popularity"], recall["als"]
    return (
        f"Served suggestions reach {served / popular:.2f}x popularity's Recall@10 "
        f"({served:.3f} vs {popular:.3f}) and {served / als:.1f}x plain ALS's ({als:.3f}). "
        f"Beating both: {_met(served > popular and served > als)}.\n"
    )


def _simulation_goals(results: dict[str, list[PersonResult]]) -> str:
    """Per Atelier run, the two goals for LoRA-taste people, as generated sentences."""
    lines = []
    for label, people in results.items():
        loras = [p for p in people if p.taste.kind == "lora"]
        if not label.startswith("atelier") or not loras:
            continue
        curve = _curve(loras)
        hits = sum(bool(p.lora_hit_after_5) for p in loras)
        share = hits / len(loras)
        # A ratio to a first round of zero says nothing, so it is not called met. The slack
        # keeps a mean that is 3x up to rounding from reading as missed.
        ratio_text = (
            f"{curve[-1] / curve[0]:.1f}x (goal 3x: "
            f"{_met(curve[-1] / curve[0] >= GOAL_LEARNING_RATIO - 1e-9)})"
            if curve[0] > 0
            else f"from 0 to {curve[-1]:.3f} (goal 3x: no first-round hits to compare)"
        )
        lines.append(
            f"- {label}: LoRA-taste round 10 vs round 1 {ratio_text}; hidden LoRA in the top 10 "
            f"for {hits} of {len(loras)} = {share:.0%} (goal 70%: "
            f"{_met(share >= GOAL_HIDDEN_LORA_SHARE)})."
        )
    return "\n".join(lines) + "\n" if lines else ""


def eval_recommend(
    creators: Annotated[bool, typer.Option(help="run the creator-history evaluation")] = True,
    simulate: Annotated[bool, typer.Option(help="run the simulated people")] = True,
    people: Annotated[int, typer.Option(help="simulated people per taste kind")] = 40,
    rounds: Annotated[int, typer.Option(help="feed pages per simulated person")] = 10,
    min_images: Annotated[
        # Liked images never come back, so a LoRA needs enough images for ten pages of likes.
        int, typer.Option(help="visible images a hidden LoRA needs to be chosen")
    ] = 100,
    max_creators: Annotated[int | None, typer.Option(help="evaluate a sample of creators")] = None,
    write: Annotated[bool, typer.Option(help="write docs/benchmarks.md and the plot")] = True,
) -> None:
    """Creator histories (Recall/NDCG@10 against popularity and ALS) and simulated people
    (precision per round, learning curve)."""
    config = settings()
    parts = ["## Recommendation quality (`atelier eval recommend`)\n"]
    if creators:
        service = _service(config)
        with engine().connect() as connection:
            split = creator_split(connection, service.catalog)
        console.print(
            f"{split.n_users} creators, {split.train.nnz} train and {split.test.nnz} held-out LoRAs"
        )
        results = evaluate_creators(
            service.catalog,
            split,
            service.config,
            max_users=max_creators,
            on_method=lambda r: console.print(f"{r.name}: {r.metrics}"),
        )
        table = _creator_table(results)
        console.print(table)
        parts.append(
            "### Creator histories\n\n"
            "Each model creator is a person whose history is the LoRAs referenced by the images "
            "posted under their models, in version order. The LoRAs new in their latest version "
            "are held out; every method ranks all "
            f"{service.catalog.n_loras} LoRAs (full ranking, history filtered) for "
            f"{split.n_users} creators ({split.train.nnz} train, {split.test.nnz} held-out "
            "pairs). Baselines are fitted on the train histories; Atelier's LoRA suggestions run "
            "with the held-out images removed from the image->LoRA graph and with popularity "
            "counted on train histories only. Served = the page a person sees (blend, MMR "
            "diversity, exploration slots).\n\n" + table + "\n\n" + _creator_goals(results)
        )
    if simulate:
        sim = _simulate(config, people, rounds, min_images)
        table = _simulation_table(sim)
        console.print(table)
        curves = {label: _curve(people_) for label, people_ in sim.items()}
        if write:
            LEARNING_CURVE.parent.mkdir(parents=True, exist_ok=True)
            LEARNING_CURVE.write_text(
                line_chart_svg(
                    curves,
                    title="Simulated people: precision@20 per round",
                    x_label="round (one feed page of 20)",
                    y_label="precision@20",
                ),
                encoding="utf-8",
            )
        parts.append(
            "### Simulated people (over HTTP)\n\n"
            "Each simulated person has a hidden taste: one LoRA (an image matches if it was "
            "made with it) or a tag cluster (an image matches if it carries one of the tags). "
            "They register, pick at onboarding what such a person would (the style containing "
            "the LoRA and its most specific tag; the style named by the tags), then for "
            f'{rounds} rounds read a feed page of 20, like what matches, say "not interested" '
            "to two others and ignore the rest. Every step is an HTTP request to a running "
            "server on a copy of the full catalog, whose interaction log is seeded with the "
            "model creators (each liked their showcase images and saved the LoRAs behind "
            "them) so the collaborative model has something to learn from. Popularity and "
            "plain ALS serve one signal alone, without re-ranking; they cannot use onboarding "
            "picks.\n\n"
            f"{table}\n\n{_simulation_goals(sim)}\n![learning curve]({LEARNING_CURVE.name})\n"
        )
    if write:
        write_section("recommend-quality", "\n".join(parts))
