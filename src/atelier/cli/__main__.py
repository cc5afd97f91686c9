"""`python -m atelier.cli` runs the command line (used by tests that start a real import)."""

from atelier.cli.main import app

app()
