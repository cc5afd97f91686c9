"""The recommend core stays pure: no web framework, no ORM, no service or database layers."""

from __future__ import annotations

import ast
from pathlib import Path

import atelier.recommend

FORBIDDEN = ("fastapi", "starlette", "sqlalchemy", "atelier.db", "atelier.api", "atelier.services")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_recommend_imports_nothing_from_outer_layers() -> None:
    root = Path(atelier.recommend.__file__).parent
    offenders = {
        f"{path.relative_to(root)}: {name}"
        for path in root.rglob("*.py")
        for name in imported_modules(path)
        if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN)
    }
    assert not offenders
