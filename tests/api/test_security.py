"""Security properties of the whole API, driven by its route list so new routes are covered.

Every route that needs a session refuses without one (401); every unsafe method refuses a
missing, wrong or someone else's CSRF token (403); every route documents a summary; errors are
`{"detail": ...}`; oversized bodies are 413 and oversized fields 422.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from tests.api.conftest import CatalogIds, CsrfClient

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
# Everything a signed-in person owns lives under these; each route there must need a session.
ACCOUNT_PREFIXES = ("/api/me", "/api/favorites", "/api/collections", "/api/interactions")


def _operations(client: CsrfClient) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(method, path, operation) for every operation in the OpenAPI document."""
    documented = client.get("/api/openapi.json").json()["paths"]
    for path, operations in documented.items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _needs_session(operation: dict[str, Any]) -> bool:
    return any("session" in requirement for requirement in operation.get("security", []))


def _concrete(path: str) -> str:
    """A path with every parameter filled by a value of the right shape."""
    return re.sub(r"\{item_type\}", "image", re.sub(r"\{[a-z_]*id\}", "1", path))


def test_every_route_has_a_summary(client: CsrfClient) -> None:
    documented = client.get("/api/openapi.json").json()["paths"]
    missing = [
        f"{method.upper()} {path}"
        for path, operations in documented.items()
        for method, operation in operations.items()
        if not operation.get("summary")
    ]
    assert missing == []


def test_account_routes_all_need_a_session(app: FastAPI, client: CsrfClient) -> None:
    loose = [
        f"{method} {path}"
        for method, path, operation in _operations(client)
        if path.startswith(ACCOUNT_PREFIXES) and not _needs_session(operation)
    ]
    assert loose == []


def test_session_routes_refuse_anonymous_requests(app: FastAPI, client: CsrfClient) -> None:
    checked = 0
    for method, path, operation in _operations(client):
        if not _needs_session(operation):
            continue
        body = {} if method in UNSAFE else None
        response = client.request(method, _concrete(path), json=body)
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.json() == {"detail": "sign in required"}
        checked += 1
    assert checked >= 15


@pytest.mark.parametrize("token", ["missing", "wrong", "foreign", "unsigned"])
def test_unsafe_routes_refuse_bad_csrf(
    app: FastAPI,
    signed_in_client: CsrfClient,
    make_user: Callable[..., CsrfClient],
    token: str,
) -> None:
    foreign = make_user().csrf_token()  # valid, but another browser's
    headers = {
        "missing": {},
        "wrong": {"X-CSRF-Token": "not-the-token"},
        "foreign": {"X-CSRF-Token": foreign},
        "unsigned": {"X-CSRF-Token": "forged.0000"},
    }[token]
    if token == "unsigned":
        # Cookie and header agree, but the token was not signed by this server.
        signed_in_client.cookies.set("atelier_csrf", "forged.0000", domain="testserver.local")
    signed_in_client.auto_csrf = False
    checked = 0
    for method, path, _operation in _operations(signed_in_client):
        if method not in UNSAFE:
            continue
        response = signed_in_client.request(method, _concrete(path), json={}, headers=headers)
        assert response.status_code == 403, f"{method} {path}: {response.status_code}"
        assert "CSRF" in response.json()["detail"]
        checked += 1
    assert checked >= 12
    signed_in_client.auto_csrf = True
    if token != "unsigned":
        assert signed_in_client.get("/api/me").status_code == 200


def test_one_person_cannot_reach_anothers_data(
    signed_in_client: CsrfClient, make_user: Callable[..., CsrfClient], catalog: CatalogIds
) -> None:
    owner = signed_in_client
    image, lora = catalog.safe_images[0], catalog.loras[0]
    owner.put(f"/api/favorites/images/{image}")
    owner.put(f"/api/favorites/loras/{lora}")
    owner.patch("/api/me/preferences", json={"liked_tags": ["secret taste"]})
    owner.post("/api/interactions", json={"item_type": "image", "item_id": image, "kind": "like"})
    cid = owner.post("/api/collections", json={"name": "Private"}).json()["id"]
    owner.post(f"/api/collections/{cid}/items", json={"item_type": "image", "item_id": image})
    before = {
        "me": owner.get("/api/me").json(),
        "collection": owner.get(f"/api/collections/{cid}").json(),
        "favorites": owner.get("/api/favorites").json(),
        "interactions": owner.get("/api/interactions").json(),
    }

    intruder = make_user()
    attempts = [
        ("GET", f"/api/collections/{cid}", None),
        ("PATCH", f"/api/collections/{cid}", {"name": "Mine now"}),
        ("DELETE", f"/api/collections/{cid}", None),
        ("POST", f"/api/collections/{cid}/items", {"item_type": "lora", "item_id": lora}),
        ("DELETE", f"/api/collections/{cid}/items/image/{image}", None),
        ("PUT", f"/api/collections/{cid}/order", {"items": []}),
    ]
    for method, path, body in attempts:
        response = intruder.request(method, path, json=body)
        assert response.status_code == 404, f"{method} {path}"
        # Indistinguishable from a collection that never existed.
        assert response.json() == {"detail": f"collection {cid} not found"}
    # Their own views show none of the owner's data, whatever they ask for.
    assert intruder.get("/api/collections").json() == {"data": [], "count": 0}
    assert intruder.get("/api/favorites").json()["count"] == 0
    assert intruder.get("/api/favorites?kind=loras").json()["count"] == 0
    assert intruder.get("/api/interactions").json() == {"data": [], "count": 0}
    assert intruder.get("/api/me").json()["preferences"]["liked_tags"] == []
    # Unsaving "the owner's" favorite only touches the intruder's own (empty) list.
    intruder.delete(f"/api/favorites/images/{image}")
    # Extra fields naming another account are refused, not honoured.
    smuggled = intruder.post(
        "/api/interactions",
        json={"item_type": "image", "item_id": image, "kind": "like", "user_id": 1},
    )
    assert smuggled.status_code == 422

    after = {
        "me": owner.get("/api/me").json(),
        "collection": owner.get(f"/api/collections/{cid}").json(),
        "favorites": owner.get("/api/favorites").json(),
        "interactions": owner.get("/api/interactions").json(),
    }
    assert after == before


HOSTILE = [
    "<script>alert('x')</script>",
    "'; DROP TABLE collections; --",
    '" OR 1=1 --',
    "<img src=x onerror=alert(1)>",
    "${jndi:ldap://x}",
    "Robert'); DELETE FROM users;--",
    "\u202eevil\u200b",
    "名前 🎨",
]


def test_hostile_collection_names_are_stored_inert(signed_in_client: CsrfClient) -> None:
    for name in HOSTILE:
        response = signed_in_client.post("/api/collections", json={"name": name})
        assert response.status_code == 201, name
        assert response.headers["content-type"] == "application/json"
        assert response.json()["name"] == name.strip()
    names = {c["name"] for c in signed_in_client.get("/api/collections").json()["data"]}
    assert names == {n.strip() for n in HOSTILE}


def test_hostile_usernames_are_refused_and_not_reflected(client: CsrfClient) -> None:
    for name in HOSTILE:
        response = client.post(
            "/api/auth/register", json={"username": name, "password": "a fine long passphrase"}
        )
        assert response.status_code == 422
        assert name not in response.text


def test_oversized_bodies_are_413(signed_in_client: CsrfClient) -> None:
    huge = "x" * 70_000
    for method, path in (
        ("POST", "/api/collections"),
        ("POST", "/api/interactions"),
        ("PATCH", "/api/me/preferences"),
        ("POST", "/api/auth/login"),
    ):
        response = signed_in_client.request(method, path, content=f'{{"name": "{huge}"}}')
        assert response.status_code == 413, path
        assert "detail" in response.json()


def test_oversized_fields_are_422(signed_in_client: CsrfClient) -> None:
    cases: list[tuple[str, str, Any]] = [
        ("POST", "/api/collections", {"name": "n" * 5000}),
        ("POST", "/api/auth/login", {"username": "u" * 5000, "password": "p"}),
        ("POST", "/api/auth/login", {"username": "someone", "password": "p" * 5000}),
        ("PATCH", "/api/me/preferences", {"base_models": ["b" * 500]}),
        ("GET", "/api/favorites?cursor=" + "c" * 500, None),
        ("GET", "/api/favorites?limit=100000", None),
        ("GET", "/api/interactions?limit=100000", None),
    ]
    for method, path, body in cases:
        response = signed_in_client.request(method, path, json=body)
        assert response.status_code == 422, path
        assert isinstance(response.json()["detail"], list)
        assert "Traceback" not in response.text


def test_edge_ids_are_404_or_422_never_500(app: FastAPI, signed_in_client: CsrfClient) -> None:
    for method, path, _operation in _operations(signed_in_client):
        if "{" not in path or path.startswith("/api/auth"):
            continue
        for value in ("0", "-1", "1", str(2**31), str(2**63 - 1), str(2**63), "1e3", "abc"):
            concrete = re.sub(r"\{[a-z_]*id\}", value, path).replace("{item_type}", "lora")
            body = {"name": "x", "items": []} if method in UNSAFE else None
            response = signed_in_client.request(method, concrete, json=body)
            assert response.status_code < 500, f"{method} {concrete}"
            assert set(response.json()) == {"detail"} or response.status_code < 300, concrete


def test_unknown_api_paths_and_methods_answer_in_json(signed_in_client: CsrfClient) -> None:
    missing = signed_in_client.get("/api/no-such-thing")
    assert missing.status_code == 404 and set(missing.json()) == {"detail"}
    wrong_method = signed_in_client.request("PATCH", "/api/favorites")
    assert wrong_method.status_code in (403, 405)
