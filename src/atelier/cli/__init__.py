"""The `atelier` command: one subcommand per pipeline stage."""

from atelier.cli.main import app

__all__ = ["app"]
