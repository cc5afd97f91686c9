"""The signed-in person's profile, preferences and account deletion."""

from __future__ import annotations

from sqlalchemy import func, select

from atelier.db.models import Collection, Favorite, Interaction, User, UserSession
from tests.api.conftest import PASSWORD, CatalogIds, CsrfClient, db_session


def test_profile_starts_with_safe_defaults(signed_in_client: CsrfClient) -> None:
    body = signed_in_client.get("/api/me").json()
    assert body["preferences"] == {
        "liked_tags": [],
        "blocked_tags": [],
        "base_models": [],
        "max_content_level": 0,
        "show_poi": False,
    }
    assert body["saved_images"] == body["saved_loras"] == 0
    assert body["created_at"].endswith(("Z", "+00:00"))


def test_me_without_a_session_is_401(client: CsrfClient) -> None:
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "sign in required"}


def test_preferences_are_normalised_and_deduplicated(signed_in_client: CsrfClient) -> None:
    response = signed_in_client.patch(
        "/api/me/preferences",
        json={
            "liked_tags": ["  Anime ", "anime", "WATER  color", ""],
            "blocked_tags": ["Gore", "gore"],
            "base_models": ["SDXL 1.0", "sdxl 1.0", " Pony "],
        },
    )
    assert response.status_code == 200, response.text
    prefs = response.json()["preferences"]
    assert prefs["liked_tags"] == ["anime", "water color"]
    assert prefs["blocked_tags"] == ["gore"]
    assert prefs["base_models"] == ["SDXL 1.0", "Pony"]
    assert prefs["max_content_level"] == 0  # untouched fields stay
    assert response.json()["onboarded"] is True


def test_content_level_changes_only_when_asked(signed_in_client: CsrfClient) -> None:
    signed_in_client.patch("/api/me/preferences", json={"liked_tags": ["portrait"]})
    assert signed_in_client.get("/api/me").json()["preferences"]["max_content_level"] == 0
    raised = signed_in_client.patch(
        "/api/me/preferences", json={"max_content_level": 2, "show_poi": True}
    )
    assert raised.json()["preferences"]["max_content_level"] == 2
    assert raised.json()["preferences"]["show_poi"] is True
    for bad in (-1, 4, "X", 2.5, None):
        response = signed_in_client.patch("/api/me/preferences", json={"max_content_level": bad})
        assert response.status_code in (200, 422)
        assert signed_in_client.get("/api/me").json()["preferences"]["max_content_level"] == 2


def test_oversized_preferences_are_422(signed_in_client: CsrfClient) -> None:
    too_many = signed_in_client.patch("/api/me/preferences", json={"liked_tags": ["t"] * 101})
    too_long = signed_in_client.patch("/api/me/preferences", json={"blocked_tags": ["x" * 65]})
    unknown = signed_in_client.patch("/api/me/preferences", json={"is_admin": True})
    control = signed_in_client.patch("/api/me/preferences", json={"liked_tags": ["a\x00b"]})
    assert [r.status_code for r in (too_many, too_long, unknown, control)] == [422] * 4


def test_hostile_preferences_are_stored_inert(signed_in_client: CsrfClient) -> None:
    payloads = ["<script>alert(1)</script>", "'; DROP TABLE users; --", "{{7*7}}", "\u202eevil"]
    response = signed_in_client.patch("/api/me/preferences", json={"liked_tags": payloads})
    assert response.headers["content-type"] == "application/json"
    stored = signed_in_client.get("/api/me").json()["preferences"]["liked_tags"]
    assert stored == [p.lower() for p in payloads]


def test_counts_of_saved_items(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    for image in catalog.safe_images[:3]:
        signed_in_client.put(f"/api/favorites/images/{image}")
    signed_in_client.put(f"/api/favorites/loras/{catalog.loras[0]}")
    body = signed_in_client.get("/api/me").json()
    assert (body["saved_images"], body["saved_loras"]) == (3, 1)


def test_delete_account_needs_the_password(signed_in_client: CsrfClient) -> None:
    response = signed_in_client.request("DELETE", "/api/me", json={"password": "wrong one!"})
    assert response.status_code == 403
    assert signed_in_client.get("/api/me").status_code == 200


def test_delete_account_removes_everything(
    signed_in_client: CsrfClient, catalog: CatalogIds
) -> None:
    client = signed_in_client
    client.put(f"/api/favorites/images/{catalog.safe_images[0]}")
    created = client.post("/api/collections", json={"name": "Keep"}).json()
    client.post(
        f"/api/collections/{created['id']}/items",
        json={"item_type": "image", "item_id": catalog.safe_images[0]},
    )
    client.post(
        "/api/interactions",
        json={"item_type": "lora", "item_id": catalog.loras[0], "kind": "view"},
    )
    response = client.request("DELETE", "/api/me", json={"password": PASSWORD})
    assert response.status_code == 204
    assert client.get("/api/me").status_code == 401
    with db_session(client) as db:
        for table in (User, UserSession, Favorite, Interaction, Collection):
            assert db.scalar(select(func.count()).select_from(table)) == 0, table
    # The name is free again.
    again = CsrfClient(client.app)
    again.register(client.username)
