"""Image and LoRA pages: what they show, and that they honour content level and blocked tags."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Engine, select

from atelier.db.models import Image, ImageResource, Model, ModelTag
from tests.api.conftest import CsrfClient


def _linked_pg_image(engine: Engine) -> tuple[int, int]:
    """A PG image that names a LoRA other than the one it is posted under, and that LoRA."""
    with engine.connect() as connection:
        row = connection.execute(
            select(ImageResource.image_id, ImageResource.model_id)
            .join(Image, Image.id == ImageResource.image_id)
            .join(Model, Model.id == ImageResource.model_id)
            .where(
                ImageResource.is_lora,
                ImageResource.posted.is_(False),
                ImageResource.weight.is_not(None),
                Image.content_level == 0,
                Model.content_level == 0,
                Model.poi.is_(False),
            )
            .order_by(ImageResource.image_id)
            .limit(1)
        ).one()
    return int(row[0]), int(row[1])


def test_image_page_shows_prompt_settings_and_the_loras_used(
    client: CsrfClient, catalog_engine: Engine
) -> None:
    image_id, lora_id = _linked_pg_image(catalog_engine)

    body = client.get(f"/api/images/{image_id}").json()

    assert body["id"] == image_id and body["content_level_name"] == "None"
    assert body["prompt"] and body["settings"]["steps"] > 0
    lora = next(r for r in body["loras"] if r["model_id"] == lora_id)
    assert lora["weight"] is not None and lora["source"] != "posted"
    assert body["civitai_url"].endswith(f"/images/{image_id}")
    assert body["saved"] is False


def test_lora_page_shows_versions_trigger_words_download_and_images(
    client: CsrfClient, catalog_engine: Engine
) -> None:
    _image_id, lora_id = _linked_pg_image(catalog_engine)

    body = client.get(f"/api/loras/{lora_id}").json()

    assert body["versions"] and body["versions"][0]["files"]
    assert body["download_url"].startswith("https://civitai.com/api/download/models/")
    assert body["image_count"] >= 1
    assert "<script" not in body["description_html"]
    images = client.get(f"/api/loras/{lora_id}/images", params={"limit": 2}).json()
    assert images["data"] and all(card["content_level"] == 0 for card in images["data"])


def test_lora_images_pages_without_repeats(client: CsrfClient, catalog_engine: Engine) -> None:
    with catalog_engine.connect() as connection:
        lora_id = connection.execute(
            select(Model.id).where(Model.is_lora, Model.content_level == 0, Model.poi.is_(False))
            .order_by(Model.download_count.desc()).limit(1)
        ).scalar_one()  # fmt: skip
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        page = client.get(f"/api/loras/{lora_id}/images", params=params).json()
        seen += [card["id"] for card in page["data"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) > 5


def test_content_above_the_viewers_level_is_not_found(
    client: CsrfClient, catalog_engine: Engine
) -> None:
    with catalog_engine.connect() as connection:
        x_image = connection.execute(
            select(Image.id).where(Image.content_level == 3).limit(1)
        ).scalar_one()
    assert client.get(f"/api/images/{x_image}").status_code == 404


def test_a_blocked_tag_hides_images_and_loras(
    make_user: Callable[..., CsrfClient], catalog_engine: Engine
) -> None:
    image_id, lora_id = _linked_pg_image(catalog_engine)
    with catalog_engine.connect() as connection:
        tag = connection.execute(
            select(ModelTag.tag).where(ModelTag.model_id == lora_id).limit(1)
        ).scalar_one()
    person = make_user()
    assert person.get(f"/api/images/{image_id}").status_code == 200

    response = person.patch("/api/me/preferences", json={"blocked_tags": [tag]})
    assert response.status_code == 200, response.text

    assert person.get(f"/api/images/{image_id}").status_code == 404
    assert person.get(f"/api/loras/{lora_id}").status_code == 404


def test_unknown_and_malformed_ids_are_404_or_422_never_500(client: CsrfClient) -> None:
    assert client.get("/api/images/999999999").status_code == 404
    assert client.get("/api/loras/999999999").status_code == 404
    assert client.get("/api/images/abc").status_code == 422
    assert client.get("/api/images/0").status_code == 422
    assert client.get("/api/loras/1/images", params={"cursor": "x y"}).status_code in (404, 422)
