"""The index core stays a pure library: no web framework, ORM or app layers behind it."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "atelier.db", "atelier.api", "atelier.services")


def test_importing_the_index_core_pulls_in_no_app_layers() -> None:
    code = (
        "import sys, atelier.index, atelier.index.registry;"
        f"print([m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r} "
        f"or m.startswith({FORBIDDEN!r})])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
