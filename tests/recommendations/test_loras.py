"""LoRA suggestions: never empty, exclude what is saved, fit the person's base models."""

from __future__ import annotations

from collections import Counter

from fastapi import FastAPI
from sqlalchemy import select

from atelier.db.models import ModelVersion
from atelier.services.favorites import lora_cards
from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import act, service_of, state_of, suggestions


def _base_models(client: CsrfClient, lora_ids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {i: set() for i in lora_ids}
    with state_of(client).sessions() as db:
        for model_id, base in db.execute(
            select(ModelVersion.model_id, ModelVersion.base_model).where(
                ModelVersion.model_id.in_(lora_ids)
            )
        ):
            if base:
                out[int(model_id)].add(base)
    return out


def test_suggestions_are_never_empty(rec_client: CsrfClient, person: CsrfClient) -> None:
    anonymous = suggestions(rec_client, 10)
    mine = suggestions(person, 10)

    assert len(anonymous["data"]) == 10 and anonymous["personalised"] is False
    assert len(mine["data"]) == 10 and mine["personalised"] is True
    creators = Counter(item["lora"]["creator"] for item in mine["data"])
    assert max(creators.values()) <= 2


def test_saved_loras_are_not_suggested_again(person: CsrfClient) -> None:
    first = [item["lora"]["id"] for item in suggestions(person, 10)["data"]]
    act(person, "lora", first[0], "save")
    act(person, "lora", first[1], "dislike")

    again = [item["lora"]["id"] for item in suggestions(person, 30)["data"]]

    assert first[0] not in again and first[1] not in again


def _visible_lora_counts(client: CsrfClient) -> Counter[str]:
    catalog = service_of(client).catalog
    ok = catalog.lora_mask(Visibility())
    ids = [int(i) for i in catalog.lora_ids[ok]]
    return Counter(b for bases in _base_models(client, ids).values() for b in bases)


def test_suggestions_fit_the_persons_base_models(person: CsrfClient) -> None:
    counts = _visible_lora_counts(person)
    chosen = min((n, base) for base, n in counts.items() if n >= 12)[1]
    assert person.patch("/api/me/preferences", json={"base_models": [chosen]}).status_code == 200

    fitted = [item["lora"]["id"] for item in suggestions(person, 10)["data"]]

    assert len(fitted) == 10
    assert all(chosen in bases for bases in _base_models(person, fitted).values())


def test_a_rare_base_model_still_gets_a_full_page(person: CsrfClient) -> None:
    counts = _visible_lora_counts(person)
    rare = min((n, base) for base, n in counts.items())[1]
    assert person.patch("/api/me/preferences", json={"base_models": [rare]}).status_code == 200

    assert len(suggestions(person, 10)["data"]) == 10


def test_cached_cards_never_show_a_preview_above_the_viewers_level(
    rec_app: FastAPI, person: CsrfClient
) -> None:
    """Cards are cached per viewer level: one opened to every level sees the LoRAs first,
    and a safe viewer asking for the same LoRAs still gets safe previews only."""
    opened = CsrfClient(rec_app)
    opened.register()
    assert opened.patch("/api/me/preferences", json={"max_content_level": 3}).status_code == 200
    service = service_of(person)
    mature = [int(i) for i in service.catalog.lora_ids[service.catalog.lora_popular_order[:50]]]
    with state_of(opened).sessions() as db:
        seen = service.catalog.search.lora_cards.cards(db, mature, Visibility(3, frozenset(), True))
        safe = service.catalog.search.lora_cards.cards(db, mature, Visibility())
        direct = lora_cards(db, mature, Visibility())

    assert seen and safe == direct
    assert all(card.preview is None or card.preview.content_level == 0 for card in safe.values())
