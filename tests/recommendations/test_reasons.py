"""Every recommended item carries a reason, and the reason is true: the item it names is one
the person really liked or saved, and its counts are the real counts."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
from sqlalchemy import select

from atelier.db.models import ImageResource
from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import (
    act,
    feed,
    feed_ids,
    image_tags,
    loras_of,
    service_of,
    state_of,
    suggestions,
)

_BEHIND = re.compile(r"the LoRA behind (\d+) images? you (\w+)")
_USED_IN = re.compile(r"^used in (\d+) images? you (\w+)$")
_USED_WITH = re.compile(r"used with .+ in (\d+) images?$")


def _lora_with_images(client: CsrfClient, n: int, skip: int = -1) -> tuple[int, list[int]]:
    """A visible LoRA and `n` of the visible images made with it."""
    catalog = service_of(client).catalog
    image_ok, _ = catalog.image_mask(Visibility())
    lora_ok = catalog.lora_mask(Visibility())
    for row in catalog.lora_popular_order.tolist():
        if not lora_ok[row] or int(catalog.lora_ids[row]) == skip:
            continue
        images = catalog.links_csc[:, [row]].tocoo().row
        images = images[image_ok[images]]
        if images.size >= n + 2:
            ids = sorted(int(i) for i in catalog.image_ids[images])
            return int(catalog.lora_ids[row]), ids[:n]
    raise AssertionError("no LoRA with enough visible images")


def _uses(client: CsrfClient, lora_id: int) -> set[int]:
    with state_of(client).sessions() as db:
        return set(
            db.scalars(
                select(ImageResource.image_id).where(
                    ImageResource.model_id == lora_id, ImageResource.is_lora
                )
            )
        )


def _check(
    client: CsrfClient,
    item: dict[str, Any],
    item_type: str,
    did: dict[str, dict[str, set[int]]],
    liked_tags: set[str],
) -> None:
    reason = item["reason"]
    text, kind = reason["text"], reason["kind"]
    item_id = item[item_type]["id"]
    assert text
    if kind == "liked_similar" and reason["ref_id"] is not None:
        verb = text.split()[2]
        assert reason["ref_id"] in did[reason["ref_type"]][verb]
    elif kind == "lora_graph" and item_type == "image":
        lora = reason["ref_id"]
        assert reason["ref_type"] == "lora" and lora in loras_of(client, [item_id])[item_id]
        found = _BEHIND.search(text)
        if found:
            made = did["image"][found.group(2)] & _uses(client, lora)
            assert int(found.group(1)) == len(made) == reason["count"]
        else:
            assert text.endswith(("a LoRA you saved", "a LoRA you liked"))
            assert lora in did["lora"][text.rsplit(" ", 1)[1]]
    elif kind == "lora_graph":
        found = _USED_IN.match(text)
        assert found, text
        made = did["image"][found.group(2)] & _uses(client, item_id)
        assert int(found.group(1)) == len(made)
    elif kind == "co_used":
        found = _USED_WITH.search(text)
        assert found and reason["ref_id"] in did["lora"]["saved"] | did["lora"]["liked"]
        together = _uses(client, reason["ref_id"]) & _uses(client, item_id)
        assert int(found.group(1)) == len(together)
    elif kind == "tag_match":
        assert reason["tag"] in liked_tags
        if item_type == "image":
            assert reason["tag"] in image_tags(client, [item_id])[item_id]


def test_reasons_name_real_likes_and_saves_with_true_counts(person: CsrfClient) -> None:
    lora, made_with = _lora_with_images(person, 3)
    other = [i for i in feed_ids(person, 20) if i not in made_with][:2]
    liked, saved = made_with[:2] + other[:1], made_with[2:3] + other[1:2]
    for image_id in liked:
        act(person, "image", image_id, "like")
    for image_id in saved:
        act(person, "image", image_id, "save")
    # A LoRA used together with the first one, so that "used with" reasons can appear.
    co_used = set().union(*loras_of(person, made_with).values()) - {lora}
    saved_lora = min(co_used) if co_used else _lora_with_images(person, 1, skip=lora)[0]
    act(person, "lora", saved_lora, "save")
    tags = ["character"]
    assert person.patch("/api/me/preferences", json={"liked_tags": tags}).status_code == 200
    did = {
        "image": {"liked": set(liked), "saved": set(saved)},
        "lora": {"liked": set(), "saved": {saved_lora}},
    }

    images = feed(person, 50)["data"]
    loras = suggestions(person, 30)["data"]

    kinds = {item["reason"]["kind"] for item in images} | {i["reason"]["kind"] for i in loras}
    assert {"liked_similar", "lora_graph"} <= kinds
    for item in images:
        _check(person, item, "image", did, set(tags))
    for item in loras:
        _check(person, item, "lora", did, set(tags))
    top = {item["lora"]["id"]: item["reason"] for item in loras}
    assert lora in top


def test_the_lora_behind_liked_images_is_suggested_with_its_count(person: CsrfClient) -> None:
    lora, made_with = _lora_with_images(person, 3)
    for image_id in made_with:
        act(person, "image", image_id, "like")

    loras = suggestions(person, 10)["data"]

    ids = [item["lora"]["id"] for item in loras]
    assert lora in ids[:3]
    reason = loras[ids.index(lora)]["reason"]
    if reason["kind"] == "lora_graph":
        assert reason["text"] == "used in 3 images you liked"


def test_every_item_has_a_reason_for_anonymous_viewers_too(rec_client: CsrfClient) -> None:
    images = feed(rec_client, 20)["data"]
    loras = suggestions(rec_client, 10)["data"]

    assert images and loras
    assert all(i["reason"]["text"] for i in images + loras)
    assert {i["reason"]["kind"] for i in images + loras} <= {"popular", "explore"}
    assert np.mean([i["explore"] for i in images]) <= 0.25
