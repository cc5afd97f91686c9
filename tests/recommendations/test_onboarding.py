"""Onboarding: styles drawn from the catalog with safe sample images, and picks that shape the
very first feed."""

from __future__ import annotations

import numpy as np
from fastapi import FastAPI

from atelier.services.recommendations.onboarding import (
    EXPLICIT_TERMS,
    MAX_STYLE_OVERLAP,
    MAX_TAG_SHARE,
    Style,
    shown_to,
)
from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import (
    feed,
    image_levels,
    image_tags,
    service_of,
    suggestions,
)


def test_the_offer_has_styles_with_safe_samples_tags_and_base_models(
    rec_client: CsrfClient,
) -> None:
    response = rec_client.get("/api/onboarding")

    assert response.status_code == 200
    body = response.json()
    assert len(body["styles"]) >= 8
    samples = [s["sample"]["id"] for s in body["styles"] if s["sample"]]
    assert len(samples) == len(body["styles"])
    assert set(image_levels(rec_client, samples).values()) == {0}
    assert all(s["title"] and s["tags"] and s["lora_ids"] for s in body["styles"])
    assert len(set(s["title"] for s in body["styles"])) == len(body["styles"])
    assert body["tags"] and body["base_models"]


def test_picks_become_preferences_and_finish_onboarding(person: CsrfClient) -> None:
    style = person.get("/api/onboarding").json()["styles"][0]

    response = person.post(
        "/api/onboarding",
        json={"styles": [style["id"]], "tags": ["Watercolor"], "base_models": ["SD 1.5"]},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["onboarded"] is True
    liked = body["preferences"]["liked_tags"]
    assert liked[0] == "watercolor" and set(style["tags"][:3]) <= set(liked)
    assert body["preferences"]["base_models"] == ["SD 1.5"]
    assert person.get("/api/me").json()["onboarded"] is True


def test_bad_picks_are_refused(person: CsrfClient, rec_client: CsrfClient) -> None:
    assert person.post("/api/onboarding", json={"styles": [10_000]}).status_code == 422
    assert person.post("/api/onboarding", json={"colour": "red"}).status_code == 422
    assert rec_client.post("/api/onboarding", json={"styles": [0]}).status_code == 401
    no_csrf = person.post("/api/onboarding", json={}, headers={"X-CSRF-Token": "wrong"})
    assert no_csrf.status_code == 403


def test_picks_shape_the_first_feed(person: CsrfClient, rec_client: CsrfClient) -> None:
    styles = person.get("/api/onboarding").json()["styles"]
    style = styles[len(styles) // 2]
    picked = person.post("/api/onboarding", json={"styles": [style["id"]]}).json()
    tags = set(picked["preferences"]["liked_tags"])

    mine = feed(person, 20)["data"]
    popular = feed(rec_client, 20)["data"]

    def matching(items: list[dict]) -> int:  # type: ignore[type-arg]
        ids = [item["image"]["id"] for item in items]
        return sum(1 for t in image_tags(person, ids).values() if t & tags)

    assert matching(mine) >= 10 and matching(mine) > matching(popular)
    assert sum(item["reason"]["kind"] == "tag_match" for item in mine) >= 5


def test_the_safe_level_is_not_offered_explicit_terms(rec_client: CsrfClient) -> None:
    body = rec_client.get("/api/onboarding").json()

    offered = set(body["tags"]) | {t for s in body["styles"] for t in s["tags"]}
    words = {w for tag in offered for w in tag.split()} | offered
    assert not words & EXPLICIT_TERMS


def test_a_specific_tag_picked_at_onboarding_fills_part_of_the_first_page(
    person: CsrfClient,
) -> None:
    catalog = service_of(person).catalog
    mask, _ = catalog.image_mask(Visibility())
    carriers = np.asarray(catalog.image_tags_csc[np.flatnonzero(mask)].sum(axis=0)).ravel()
    lora_df = np.asarray(catalog.snapshot.loras.tags.sum(axis=0)).ravel()
    names = catalog.snapshot.tag_vocabulary.names
    # A specific tag: on a few LoRAs and on 1-3% of the visible images.
    share = carriers / max(int(mask.sum()), 1)
    specific = [
        names[t] for t in np.flatnonzero((lora_df >= 3) & (share >= 0.01) & (share <= 0.03))
        if shown_to(names[int(t)], Visibility())
    ]  # fmt: skip
    assert specific, "the sample catalog has no specific tag"
    tag = specific[0]

    assert person.post("/api/onboarding", json={"tags": [tag]}).status_code == 200
    page = feed(person, 20)["data"]

    carrying = [
        t for t in image_tags(person, [i["image"]["id"] for i in page]).values() if tag in t
    ]
    assert len(carrying) >= 5


def test_styles_are_distinct_groups_named_by_telling_tags(rec_client: CsrfClient) -> None:
    service = service_of(rec_client)
    catalog = service.catalog
    styles = service.onboarding.styles
    carriers = catalog.snapshot.loras.tags.tocsc()
    code = {name: c for c, name in enumerate(catalog.snapshot.tag_vocabulary.names)}

    assert len(styles) >= 8
    for style in styles:
        defining = carriers[:, [code[style.ranked_tags[0]]]].indices
        # Every LoRA of a style carries its first tag, which few enough LoRAs carry to say
        # something ("anime" or "character" would name half the catalog).
        assert set(style.lora_rows.tolist()) == set(defining.tolist())
        assert defining.size <= MAX_TAG_SHARE * catalog.n_loras
    for i, a in enumerate(styles):
        for b in styles[i + 1 :]:
            shared = np.intersect1d(a.lora_rows, b.lora_rows).size
            assert shared <= MAX_STYLE_OVERLAP * min(a.lora_rows.size, b.lora_rows.size)


def test_a_style_title_leaves_out_variants_of_a_tag_it_names() -> None:
    style = Style(0, ("genshin impact", "genshin", "character", "video game"), np.zeros(0, int))

    assert style.title(Visibility()) == "genshin impact · character · video game"
    assert style.tags(Visibility())[:2] == ("genshin impact", "genshin")


def test_picked_styles_lead_the_first_lora_suggestions(
    rec_app: FastAPI, rec_client: CsrfClient
) -> None:
    # Someone who picked a style and liked nothing yet: the popularity prior must not bury
    # what they said they like (at the tag weight before, 4-9 of 10 for these styles).
    service = service_of(rec_client)
    catalog = service.catalog
    styles = [s for s in service.onboarding.styles if s.lora_rows.size >= 20]
    assert styles, "the sample catalog has no style of 20 LoRAs"
    for style in styles:
        person = CsrfClient(rec_app)
        person.register()
        picked = person.post("/api/onboarding", json={"styles": [style.id]}).json()
        codes = catalog.tag_rows(picked["preferences"]["liked_tags"])

        suggested = [item["lora"]["id"] for item in suggestions(person)["data"]]

        rows = catalog.snapshot.loras.rows_of(np.array(suggested, dtype=np.int64))
        tags = catalog.snapshot.loras.tags[rows][:, codes]
        carrying = np.asarray(tags.sum(axis=1)).ravel() > 0
        assert len(suggested) == 10 and int(carrying.sum()) >= 8, style.ranked_tags[0]
