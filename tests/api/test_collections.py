"""Collections: create, list, read, rename, delete, items, order; private to their owner."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import CatalogIds, CsrfClient


def _create(client: CsrfClient, name: str) -> dict[str, Any]:
    response = client.post("/api/collections", json={"name": name})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def _add(client: CsrfClient, collection_id: int, item_type: str, item_id: int) -> Any:
    return client.post(
        f"/api/collections/{collection_id}/items",
        json={"item_type": item_type, "item_id": item_id},
    )


def test_create_trims_and_starts_private_and_empty(signed_in_client: CsrfClient) -> None:
    body = _create(signed_in_client, "  Moody harbours  ")
    assert body["name"] == "Moody harbours"
    assert body["is_private"] is True
    assert body["item_count"] == 0


def test_names_are_unique_per_person(signed_in_client: CsrfClient, make_user: Any) -> None:
    _create(signed_in_client, "Ideas")
    for clash in ("Ideas", " ideas "):
        response = signed_in_client.post("/api/collections", json={"name": clash})
        assert response.status_code == 409
    other = make_user()
    _create(other, "Ideas")  # another person may use the same name


def test_bad_names_are_422(signed_in_client: CsrfClient) -> None:
    for name in ("", "   ", "x" * 121, "tab\tinside", "nul\x00"):
        response = signed_in_client.post("/api/collections", json={"name": name})
        assert response.status_code == 422, name
    assert signed_in_client.post("/api/collections", json={}).status_code == 422


def test_items_order_and_counts(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    collection = _create(signed_in_client, "Mixed")
    cid = collection["id"]
    a, b = catalog.safe_images[:2]
    lora = catalog.loras[0]
    for item_type, item_id in (("image", a), ("lora", lora), ("image", b), ("image", a)):
        assert _add(signed_in_client, cid, item_type, item_id).status_code == 201
    detail = signed_in_client.get(f"/api/collections/{cid}").json()
    assert [(i["item_type"], i["item_id"]) for i in detail["items"]] == [
        ("image", a),
        ("lora", lora),
        ("image", b),
    ]
    assert detail["item_count"] == 3
    assert detail["items"][1]["lora"]["name"]
    assert detail["items"][0]["image"]["url"]
    listed = signed_in_client.get("/api/collections").json()
    assert listed["count"] == 1 and listed["data"][0]["item_count"] == 3

    new_order = [
        {"item_type": "image", "item_id": b},
        {"item_type": "image", "item_id": a},
        {"item_type": "lora", "item_id": lora},
    ]
    response = signed_in_client.put(f"/api/collections/{cid}/order", json={"items": new_order})
    assert response.status_code == 200
    assert [(i["item_type"], i["item_id"]) for i in response.json()["items"]] == [
        ("image", b),
        ("image", a),
        ("lora", lora),
    ]
    # A partial or duplicated list is refused rather than silently dropping items.
    for bad in (new_order[:2], [*new_order, new_order[0]]):
        response = signed_in_client.put(f"/api/collections/{cid}/order", json={"items": bad})
        assert response.status_code == 422

    response = signed_in_client.delete(f"/api/collections/{cid}/items/image/{a}")
    assert response.status_code == 200
    assert response.json()["item_count"] == 2
    again = signed_in_client.delete(f"/api/collections/{cid}/items/image/{a}")
    assert again.status_code == 404


def test_unknown_items_are_404(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    cid = _create(signed_in_client, "Strict")["id"]
    assert _add(signed_in_client, cid, "image", catalog.missing_image).status_code == 404
    assert _add(signed_in_client, cid, "lora", catalog.checkpoint).status_code == 404
    assert _add(signed_in_client, cid, "model", 1).status_code == 422


def test_rename_and_delete(signed_in_client: CsrfClient, catalog: CatalogIds) -> None:
    first = _create(signed_in_client, "One")
    second = _create(signed_in_client, "Two")
    renamed = signed_in_client.patch(f"/api/collections/{first['id']}", json={"name": "Uno"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Uno"
    clash = signed_in_client.patch(f"/api/collections/{first['id']}", json={"name": "two"})
    assert clash.status_code == 409
    same = signed_in_client.patch(f"/api/collections/{second['id']}", json={"name": "TWO"})
    assert same.status_code == 200  # changing only the case of your own name is fine
    _add(signed_in_client, first["id"], "image", catalog.safe_images[0])
    assert signed_in_client.delete(f"/api/collections/{first['id']}").status_code == 204
    assert signed_in_client.get(f"/api/collections/{first['id']}").status_code == 404
    # The saved image itself is not touched by deleting a collection.
    assert [c["name"] for c in signed_in_client.get("/api/collections").json()["data"]] == ["TWO"]


def test_unknown_collection_ids_are_404(signed_in_client: CsrfClient) -> None:
    for cid in (1, 999_999, 2**31 - 1):
        assert signed_in_client.get(f"/api/collections/{cid}").status_code == 404
    assert signed_in_client.get(f"/api/collections/{2**31}").status_code == 422
    assert signed_in_client.get("/api/collections/0").status_code == 422


def test_hidden_items_are_left_out_but_counted(
    signed_in_client: CsrfClient, catalog: CatalogIds
) -> None:
    cid = _create(signed_in_client, "Levels")["id"]
    _add(signed_in_client, cid, "image", catalog.mature_image)
    detail = signed_in_client.get(f"/api/collections/{cid}").json()
    assert detail["items"] == [] and detail["item_count"] == 1
    signed_in_client.patch("/api/me/preferences", json={"max_content_level": 3})
    detail = signed_in_client.get(f"/api/collections/{cid}").json()
    assert [i["item_id"] for i in detail["items"]] == [catalog.mature_image]
