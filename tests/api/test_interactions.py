"""The interaction log: single and batch events, validation, listeners, reading back."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from atelier.db.models import Interaction, User
from atelier.services import interactions
from tests.api.conftest import CatalogIds, CsrfClient, app_state, db_session


def _count(client: CsrfClient) -> int:
    with db_session(client) as db:
        return db.scalar(select(func.count()).select_from(Interaction)) or 0


def test_single_event_is_accepted(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    response = signed_in_client.post(
        "/api/interactions",
        json={"item_type": "image", "item_id": catalog.safe_images[0], "kind": "view"},
    )
    assert response.status_code == 202
    assert response.json() == {"accepted": 1}
    events = signed_in_client.get("/api/interactions").json()
    assert events["count"] == 1
    assert events["data"][0]["kind"] == "view"


def test_batch_is_stored_whole(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    batch = [
        {"item_type": "image", "item_id": image, "kind": "click"}
        for image in catalog.safe_images[:20]
    ] + [{"item_type": "lora", "item_id": lora, "kind": "like"} for lora in catalog.loras[:5]]
    response = signed_in_client.post("/api/interactions", json={"events": batch})
    assert response.status_code == 202 and response.json() == {"accepted": 25}
    assert _count(signed_in_client) == 25


def test_batch_with_one_unknown_item_stores_nothing(
    signed_in_client: CsrfClient, catalog: CatalogIds
) -> None:
    batch = [
        {"item_type": "image", "item_id": catalog.safe_images[0], "kind": "view"},
        {"item_type": "lora", "item_id": catalog.checkpoint, "kind": "view"},
    ]
    response = signed_in_client.post("/api/interactions", json={"events": batch})
    assert response.status_code == 404
    assert _count(signed_in_client) == 0


def test_invalid_events_are_422(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    image = catalog.safe_images[0]
    bad_bodies = [
        {"item_type": "image", "item_id": image, "kind": "teleport"},
        {"item_type": "video", "item_id": image, "kind": "view"},
        {"item_type": "image", "item_id": -1, "kind": "view"},
        {"item_type": "image", "item_id": image, "kind": "view", "user_id": 1},
        {"events": []},
        {"events": [{"item_type": "image", "item_id": image, "kind": "view"}] * 101},
        [],
        "view",
    ]
    for body in bad_bodies:
        response = signed_in_client.post("/api/interactions", json=body)
        assert response.status_code == 422, body
    assert _count(signed_in_client) == 0


def test_unknown_item_is_404(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    response = signed_in_client.post(
        "/api/interactions",
        json={"item_type": "image", "item_id": catalog.missing_image, "kind": "like"},
    )
    assert response.status_code == 404


def test_listeners_hear_taste_events_only(
    signed_in_client: CsrfClient, catalog: CatalogIds
) -> None:
    heard: list[interactions.InteractionEvent] = []
    interactions.listeners(app_state(signed_in_client).services).append(heard.append)
    lora = catalog.loras[0]
    batch = [
        {"item_type": "lora", "item_id": lora, "kind": kind}
        for kind in ("view", "click", "like", "dislike", "hide")
    ]
    signed_in_client.post("/api/interactions", json={"events": batch})
    assert [e.kind for e in heard] == ["like", "dislike", "hide"]


def test_failing_listener_does_not_fail_the_request(
    signed_in_client: CsrfClient, catalog: CatalogIds, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_event: interactions.InteractionEvent) -> None:
        raise RuntimeError("subscriber bug")

    interactions.listeners(app_state(signed_in_client).services).append(broken)
    response = signed_in_client.post(
        "/api/interactions",
        json={"item_type": "lora", "item_id": catalog.loras[0], "kind": "like"},
    )
    assert response.status_code == 202
    assert _count(signed_in_client) == 1
    assert "subscriber bug" in caplog.text


def test_service_functions_for_other_features(
    signed_in_client: CsrfClient, catalog: CatalogIds
) -> None:
    with db_session(signed_in_client) as db:
        user_id = db.scalars(select(User.id)).one()
        interactions.record(db, user_id, "image", catalog.safe_images[0], "view")
        interactions.record(db, user_id, "lora", catalog.loras[0], "save")
        db.commit()
        recent = interactions.recent_events(db, user_id, limit=1)
    assert [(e.item_type, e.kind) for e in recent] == [("lora", "save")]
    assert recent[0].created_at.tzinfo is not None
