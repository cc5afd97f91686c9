"""Concurrent writes against a real server: parallel saves of one image leave one favorite."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from atelier.db.engine import make_engine
from atelier.db.models import Favorite, Image, Interaction
from atelier.services.visibility import Visibility
from tests.api.conftest import PASSWORD
from tests.api.live_server import live_server

# A deadlock here must fail the run, not hang it.
pytestmark = pytest.mark.timeout(180)


def _sign_in(session: httpx.Client) -> None:
    token = session.get("/api/auth/csrf").json()["token"]
    session.headers["X-CSRF-Token"] = token
    response = session.post("/api/auth/register", json={"username": "racer", "password": PASSWORD})
    assert response.status_code == 201, response.text


def test_parallel_saves_of_one_image_leave_one_favorite(app: FastAPI, catalog_url: str) -> None:
    engine = make_engine(catalog_url)
    try:
        with engine.connect() as connection:
            image = connection.scalar(
                select(Image.id).where(Visibility().image_clause()).order_by(Image.id).limit(1)
            )
        with live_server(app) as base_url, httpx.Client(base_url=base_url, timeout=30) as session:
            _sign_in(session)
            cookies = dict(session.cookies)
            headers = dict(session.headers)

            def save(_: int) -> int:
                with httpx.Client(
                    base_url=base_url, cookies=cookies, headers=headers, timeout=30
                ) as worker:
                    return worker.put(f"/api/favorites/images/{image}").status_code

            with ThreadPoolExecutor(max_workers=20) as pool:
                statuses = list(pool.map(save, range(20)))
            assert statuses == [200] * 20
            listed = session.get("/api/favorites").json()
            assert [item["item_id"] for item in listed["data"]] == [image]
        with engine.connect() as connection:
            assert connection.scalar(select(func.count()).select_from(Favorite)) == 1
            saves = connection.scalar(
                select(func.count()).select_from(Interaction).where(Interaction.kind == "save")
            )
            assert saves == 1
    finally:
        engine.dispose()
