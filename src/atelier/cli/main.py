"""Assembles the subcommands into one Typer app."""

from __future__ import annotations

from typing import Annotated

import typer

from atelier.cli import evaluate, ingest, recommend
from atelier.cli.context import configure_logging
from atelier.cli.search import embed, index, search
from atelier.cli.serve import serve, up
from atelier.cli.stats import stats

app = typer.Typer(help="Atelier: explore AI art and the LoRAs behind it.", no_args_is_help=True)
app.add_typer(ingest.app, name="ingest")
app.add_typer(evaluate.app, name="eval")
app.command("stats")(stats)
app.command("serve")(serve)
app.command("up")(up)
app.command("embed")(embed)
app.command("index")(index)
app.command("search")(search)
app.command("train")(recommend.train)
evaluate.app.command("recommend")(recommend.eval_recommend)


@app.callback()
def main(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="log progress")] = False,
) -> None:
    """Atelier's command line."""
    configure_logging(verbose)
