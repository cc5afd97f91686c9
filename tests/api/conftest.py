"""API fixtures: the full app on a fresh sample catalog, clients that send CSRF, signed-in users.

`client` is a TestClient (lifespan running) that fetches the CSRF token once and sends it on every
unsafe request; `signed_in_client` is the same client after registering a fresh account;
`make_user()` returns another signed-in client on the same app, for "one person cannot touch
another's data" tests. `catalog` names a few sample-catalog ids by what they are (a
safe image, a mature one, a visible LoRA, a checkpoint). Passwords are hashed with cheap argon2id
parameters in these tests only (`fast_password_hashing`); the product keeps the library defaults,
which `test_passwords.py` checks.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from atelier.api.auth import passwords
from atelier.api.factory import build_app
from atelier.api.state import AppState
from atelier.config import Settings
from atelier.db.models import Image, Model, ModelTag
from atelier.services.visibility import Visibility

CSRF_COOKIE = "atelier_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
PASSWORD = "correct horse battery staple"
_names = itertools.count(1)


class CsrfClient(TestClient):
    """A TestClient that sends the CSRF cookie's value in the header on unsafe methods.

    An explicit `X-CSRF-Token` header wins, so tests can send a wrong one; set `auto_csrf` to
    False to send none at all.
    """

    auto_csrf = True
    username: str | None = None

    def csrf_token(self) -> str:
        token = self.cookies.get(CSRF_COOKIE)
        if token is None:
            token = str(super().request("GET", "/api/auth/csrf").json()["token"])
        return token

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        if self.auto_csrf and method.upper() not in SAFE_METHODS:
            headers = dict(kwargs.pop("headers", None) or {})
            if not any(k.lower() == CSRF_HEADER.lower() for k in headers):
                headers[CSRF_HEADER] = self.csrf_token()
            kwargs["headers"] = headers
        return super().request(method, url, **kwargs)

    def register(self, username: str | None = None, password: str = PASSWORD) -> Any:
        """Register (which also signs in) and remember the username; asserts success."""
        username = username or f"person{next(_names)}"
        response = self.post(
            "/api/auth/register", json={"username": username, "password": password}
        )
        assert response.status_code == 201, response.text
        self.username = username
        return response


def make_settings(tmp_path: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings for a test app: explicit values, so the environment cannot change them."""
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "database_url": database_url,
        "secure_cookies": False,
        "session_days": 14,
        "secret_key": "test-secret-key-not-for-production",
        "max_body_bytes": 65536,
        "mode": "development",
    }
    values.update(overrides)
    return Settings(**values)


@pytest.fixture
def settings(tmp_path: Path, catalog_url: str) -> Settings:
    return make_settings(tmp_path, catalog_url)


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    """The full app (every feature's routers) on a fresh copy of the sample catalog."""
    return build_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[CsrfClient]:
    """Anonymous client with the lifespan running; sends CSRF automatically."""
    with CsrfClient(app) as test_client:
        yield test_client


@pytest.fixture
def signed_in_client(client: CsrfClient) -> CsrfClient:
    """`client` after registering (and so signing in) a fresh account; `.username` is its name."""
    client.register()
    return client


@pytest.fixture
def make_user(app: FastAPI, client: CsrfClient) -> Callable[..., CsrfClient]:
    """Factory: another person, signed in on their own client (same app, own cookies).

    Extra clients do not run the lifespan again: `client` already did, and the app state is
    shared.
    """

    def make(username: str | None = None, password: str = PASSWORD) -> CsrfClient:
        other = CsrfClient(app)
        other.register(username, password)
        return other

    return make


# Same algorithm (argon2id), a fraction of the cost: a test suite registers hundreds of people.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True)
def fast_password_hashing(request: pytest.FixtureRequest) -> Iterator[None]:
    """Cheap argon2id for API tests; mark a test `real_argon2` (via the `real_hasher` fixture)
    to keep the library defaults."""
    if "real_hasher" in request.fixturenames:
        yield
        return
    original = passwords._hasher
    passwords._hasher = FAST_HASHER
    passwords._dummy_hash.cache_clear()
    try:
        yield
    finally:
        passwords._hasher = original
        passwords._dummy_hash.cache_clear()


@pytest.fixture
def real_hasher() -> Iterator[PasswordHasher]:
    """The product's hasher, library defaults (slow: ~0.1-0.3 s a hash)."""
    passwords._dummy_hash.cache_clear()
    yield passwords._hasher
    passwords._dummy_hash.cache_clear()


def app_state(test_client: TestClient) -> AppState:
    """The running app's state (engine, sessions, services)."""
    state: AppState = test_client.app.state.atelier  # type: ignore[attr-defined]
    return state


def db_session(test_client: TestClient) -> Session:
    """A session on the app's database, for checks behind the API's back (close it)."""
    return app_state(test_client).sessions()


class CatalogIds:
    """Ids in the sample catalog, chosen by what they are rather than hard-coded."""

    def __init__(self, session: Session) -> None:
        safe = Visibility()
        self.safe_images: list[int] = list(
            session.scalars(
                select(Image.id).where(safe.image_clause()).order_by(Image.id).limit(40)
            )
        )
        self.mature_image: int = session.scalars(
            select(Image.id).where(Image.content_level == 3).order_by(Image.id).limit(1)
        ).one()
        self.loras: list[int] = list(
            session.scalars(
                select(Model.id)
                .where(Model.is_lora, safe.model_clause())
                .order_by(Model.id)
                .limit(20)
            )
        )
        self.checkpoint: int = session.scalars(
            select(Model.id).where(Model.is_lora.is_(False)).order_by(Model.id).limit(1)
        ).one()
        # A visible LoRA and one of its tags, for blocked-tag tests.
        self.tagged_lora, self.lora_tag = session.execute(
            select(Model.id, ModelTag.tag)
            .join(ModelTag, ModelTag.model_id == Model.id)
            .where(Model.is_lora, safe.model_clause())
            .order_by(Model.id, ModelTag.tag)
            .limit(1)
        ).one()
        self.missing_image = 2**62
        self.missing_lora = 2**62


@pytest.fixture
def catalog(client: CsrfClient) -> CatalogIds:
    with db_session(client) as session:
        return CatalogIds(session)
