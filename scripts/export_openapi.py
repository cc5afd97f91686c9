"""Writes the app's OpenAPI schema as sorted JSON, for the web client's generated types.

    .venv/bin/python scripts/export_openapi.py web/openapi.json          # write it
    .venv/bin/python scripts/export_openapi.py web/openapi.json --check  # fail if it is stale

After writing, regenerate the TypeScript types: `npm run gen:api` in web/.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from atelier.api.factory import build_app
from atelier.config import Settings


def schema_text() -> str:
    """The schema of the full app as stable, sorted JSON (no server is started)."""
    schema = build_app(Settings()).openapi()
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    args = [a for a in argv[1:] if not a.startswith("--")]
    text = schema_text()
    if not args:
        sys.stdout.write(text)
        return 0
    target = Path(args[0])
    if "--check" in argv:
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            sys.stderr.write(
                f"{target} is stale: run scripts/export_openapi.py {target} "
                "and `npm run gen:api` in web/\n"
            )
            return 1
        return 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
