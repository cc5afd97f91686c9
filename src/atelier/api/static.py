"""Serves the built front end: files by path, and index.html for every client-side route."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
_MISSING = """<!doctype html><html><head><meta charset="utf-8"><title>Atelier</title></head>
<body><h1>Atelier</h1><p>The web front end is not built yet: run <code>make run</code>.
The API is at <a href="/api/docs">/api/docs</a>.</p></body></html>"""


def install_static(app: FastAPI, static_dir: Path = STATIC_DIR) -> None:
    """Mount the single-page app after every API route, so deep links work on reload."""

    @app.get("/{path:path}", include_in_schema=False, response_model=None)
    async def spa(path: str, request: Request) -> FileResponse | HTMLResponse:
        if path.startswith("api/") or path == "api":
            raise HTTPException(404, "no such API route")
        root = static_dir.resolve()
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            cache = (
                "public, max-age=31536000, immutable" if path.startswith("assets/") else "no-cache"
            )
            return FileResponse(candidate, headers={"Cache-Control": cache})
        index = root / "index.html"
        if index.is_file():
            return FileResponse(index, headers={"Cache-Control": "no-cache"})
        return HTMLResponse(_MISSING)
