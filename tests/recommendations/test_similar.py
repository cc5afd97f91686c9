"""More like this: personalised order for a signed-in person with a taste, plain similarity
for anonymous viewers and people with no history."""

from __future__ import annotations

from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import act, feed_ids, state_of


def _similar(client: CsrfClient, kind: str, item_id: int, limit: int = 10) -> list[int]:
    response = client.get(f"/api/{kind}/{item_id}/similar", params={"limit": limit})
    assert response.status_code == 200, response.text
    key = "image" if kind == "images" else "lora"
    return [hit[key]["id"] for hit in response.json()["data"]]


def _plain(client: CsrfClient, kind: str, item_id: int, limit: int) -> list[int]:
    search = state_of(client).services["search"]
    return [h.item_id for h in search.similar(kind, item_id, Visibility(), limit)]


def test_anonymous_and_new_people_get_plain_similarity(
    rec_client: CsrfClient, person: CsrfClient
) -> None:
    image = feed_ids(rec_client, 5)[2]

    plain = _plain(rec_client, "images", image, 10)
    assert _similar(rec_client, "images", image) == plain
    assert _similar(person, "images", image) == plain


def test_similar_images_lean_towards_what_the_person_liked(
    rec_client: CsrfClient, person: CsrfClient
) -> None:
    image = feed_ids(rec_client, 5)[1]
    wider = _plain(rec_client, "images", image, 20)
    liked = wider[14:17]
    for image_id in liked:
        act(person, "image", image_id, "like")

    anonymous = _similar(rec_client, "images", image)
    mine = _similar(person, "images", image)

    assert anonymous == wider[:10]
    assert set(liked) & set(mine)
    assert mine != anonymous and set(mine) <= set(wider)


def test_similar_loras_lean_towards_what_the_person_saved(
    rec_client: CsrfClient, person: CsrfClient
) -> None:
    suggested = rec_client.get("/api/recommendations/loras").json()["data"]
    lora = next(
        item["lora"]["id"]
        for item in suggested
        if len(_plain(rec_client, "loras", item["lora"]["id"], 20)) == 20
    )
    wider = _plain(rec_client, "loras", lora, 20)
    for lora_id in wider[14:17]:
        act(person, "lora", lora_id, "save")

    anonymous = _similar(rec_client, "loras", lora)
    mine = _similar(person, "loras", lora)

    assert anonymous == wider[:10]
    assert set(wider[14:17]) & set(mine)
