"""Layers flow one way: the pure cores never import the web framework, the ORM or the layers
above them; ingest and db know nothing of the web; services never import the API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "atelier"

_ABOVE_CORES = ("atelier.db", "atelier.api", "atelier.services", "atelier.ingest")
_WEB = ("fastapi", "starlette")
FORBIDDEN = {
    "embed": (*_WEB, "sqlalchemy", *_ABOVE_CORES),
    "index": (*_WEB, "sqlalchemy", *_ABOVE_CORES),
    "recommend": (*_WEB, "sqlalchemy", *_ABOVE_CORES),
    "ingest": (*_WEB, "atelier.api", "atelier.services"),
    "db": (*_WEB, "atelier.api", "atelier.services", "atelier.ingest"),
    "services": (*_WEB, "atelier.api"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_layer_imports_only_what_it_may(layer: str) -> None:
    offences = []
    for path in sorted((PACKAGE / layer).rglob("*.py")):
        for module in _imports(path):
            if any(
                module == banned or module.startswith(banned + ".") for banned in FORBIDDEN[layer]
            ):
                offences.append(f"{path.relative_to(PACKAGE)} imports {module}")
    assert offences == []
