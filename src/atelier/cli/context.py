"""What every subcommand needs: settings, logging and the database engine, built on demand."""

from __future__ import annotations

import logging
from functools import cache

from rich.console import Console
from rich.logging import RichHandler
from sqlalchemy import Engine

from atelier.config import Settings
from atelier.db.engine import make_engine
from atelier.db.migrate import upgrade_to_head

console = Console(stderr=True)


def configure_logging(verbose: bool = False) -> None:
    """Rich log lines on stderr; warnings only unless asked, so progress bars stay readable."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
        force=True,
    )


@cache
def settings() -> Settings:
    """Settings from the environment, read once per command."""
    return Settings()


@cache
def engine() -> Engine:
    """The engine for the configured database, migrated to the newest schema."""
    built = make_engine(settings().resolved_database_url())
    upgrade_to_head(built)
    return built
