"""Saving images and LoRAs: idempotence, 404s, the log, pages, and what a viewer may see."""

from __future__ import annotations

from sqlalchemy import select

from atelier.db.models import Interaction
from atelier.services import interactions
from tests.api.conftest import CatalogIds, CsrfClient, app_state, db_session


def _kinds(client: CsrfClient) -> list[tuple[str, int, str]]:
    with db_session(client) as db:
        return list(
            db.execute(
                select(Interaction.item_type, Interaction.item_id, Interaction.kind).order_by(
                    Interaction.id
                )
            ).tuples()
        )


def test_save_is_idempotent_and_logged_once(
    signed_in_client: CsrfClient, catalog: CatalogIds
) -> None:
    image = catalog.safe_images[0]
    for _ in range(2):
        response = signed_in_client.put(f"/api/favorites/images/{image}")
        assert response.status_code == 200
        assert response.json() == {"item_type": "image", "item_id": image, "saved": True}
    for _ in range(2):
        response = signed_in_client.delete(f"/api/favorites/images/{image}")
        assert response.json()["saved"] is False
    assert _kinds(signed_in_client) == [("image", image, "save"), ("image", image, "unsave")]


def test_unknown_ids_are_404(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    for path in (
        f"/api/favorites/images/{catalog.missing_image}",
        f"/api/favorites/loras/{catalog.missing_lora}",
        f"/api/favorites/loras/{catalog.checkpoint}",  # a model, but not a LoRA
    ):
        assert signed_in_client.put(path).status_code == 404
        assert signed_in_client.delete(path).status_code == 404
    assert signed_in_client.put("/api/favorites/images/0").status_code == 422
    assert signed_in_client.put(f"/api/favorites/images/{2**64}").status_code == 422
    assert signed_in_client.put("/api/favorites/images/abc").status_code == 422


def test_listing_is_newest_first_and_paginated(
    signed_in_client: CsrfClient, catalog: CatalogIds
) -> None:
    saved = catalog.safe_images[:7]
    for image in saved:
        signed_in_client.put(f"/api/favorites/images/{image}")
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"kind": "images", "limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = signed_in_client.get("/api/favorites", params=params).json()
        assert body["count"] == 7
        seen += [item["item_id"] for item in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(saved))
    first = signed_in_client.get("/api/favorites", params={"kind": "images"}).json()["data"][0]
    assert set(first["image"]) == {
        "id",
        "url",
        "width",
        "height",
        "blurhash",
        "prompt_excerpt",
        "content_level",
    }
    assert len(first["image"]["prompt_excerpt"]) <= 200


def test_bad_cursor_is_422(signed_in_client: CsrfClient) -> None:
    for cursor in ("nonsense", "AAAA", "%%%"):
        response = signed_in_client.get("/api/favorites", params={"cursor": cursor})
        assert response.status_code == 422


def test_lora_cards_carry_display_data(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    for lora in catalog.loras[:5]:
        assert signed_in_client.put(f"/api/favorites/loras/{lora}").status_code == 200
    body = signed_in_client.get("/api/favorites", params={"kind": "loras"}).json()
    assert body["count"] == 5
    cards = [item["lora"] for item in body["data"]]
    assert all(card["name"] for card in cards)
    assert any(card["base_model"] for card in cards)
    assert any(card["preview"] for card in cards)
    for card in cards:
        if card["preview"]:
            assert card["preview"]["content_level"] == 0  # previews obey the viewer's level


def test_favorites_obey_content_level(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    signed_in_client.put(f"/api/favorites/images/{catalog.mature_image}")
    signed_in_client.put(f"/api/favorites/images/{catalog.safe_images[0]}")
    listed = signed_in_client.get("/api/favorites").json()
    assert [i["item_id"] for i in listed["data"]] == [catalog.safe_images[0]]
    signed_in_client.patch("/api/me/preferences", json={"max_content_level": 3})
    listed = signed_in_client.get("/api/favorites").json()
    assert {i["item_id"] for i in listed["data"]} == {catalog.mature_image, catalog.safe_images[0]}


def test_favorites_obey_blocked_tags(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    signed_in_client.put(f"/api/favorites/loras/{catalog.tagged_lora}")
    assert signed_in_client.get("/api/favorites?kind=loras").json()["count"] == 1
    signed_in_client.patch("/api/me/preferences", json={"blocked_tags": [catalog.lora_tag]})
    assert signed_in_client.get("/api/favorites?kind=loras").json() == {
        "data": [],
        "count": 0,
        "next_cursor": None,
    }


def test_listeners_hear_saves(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    heard: list[interactions.InteractionEvent] = []
    interactions.listeners(app_state(signed_in_client).services).append(heard.append)
    signed_in_client.put(f"/api/favorites/loras/{catalog.loras[0]}")
    signed_in_client.put(f"/api/favorites/loras/{catalog.loras[0]}")
    assert [(e.item_type, e.item_id, e.kind) for e in heard] == [("lora", catalog.loras[0], "save")]
