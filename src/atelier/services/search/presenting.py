"""Turns hits into display cards with the query words they match, for the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from atelier.db.fulltext import query_terms
from atelier.services.favorites import ImageCard, LoraCard, image_cards, lora_cards
from atelier.services.search.cache import LruCache
from atelier.services.search.service import Hit
from atelier.services.visibility import Visibility


@dataclass(frozen=True, slots=True)
class Presented:
    """A hit with its card and the query words found in what the card shows."""

    hit: Hit
    card: ImageCard | LoraCard
    matched_terms: list[str]


def _matched(terms: Sequence[str], text: str) -> list[str]:
    lowered = text.lower()
    return [t for t in terms if t in lowered]


def present_images(
    db: Session, hits: Sequence[Hit], visibility: Visibility, query: str
) -> list[Presented]:
    """Cards in hit order; hits whose card is gone (deleted meanwhile) are dropped."""
    cards = image_cards(db, [h.item_id for h in hits], visibility)
    terms = query_terms(query)
    return [
        Presented(h, cards[h.item_id], _matched(terms, cards[h.item_id].prompt_excerpt))
        for h in hits
        if h.item_id in cards
    ]


def present_loras(
    db: Session,
    hits: Sequence[Hit],
    visibility: Visibility,
    query: str,
    cache: LruCache[LoraCard] | None = None,
) -> list[Presented]:
    """LoRA cards in hit order.

    A LoRA card costs a window query over every image of the model (its first visible
    showcase image), ~1 ms per LoRA on the full catalog, and the same popular LoRAs come back
    for many queries; `cache` keeps cards per (viewer limits, LoRA) for the service's life,
    as the search snapshot itself does.
    """
    ids = [h.item_id for h in hits]
    if cache is None:
        cards = lora_cards(db, ids, visibility)
    else:
        found = cache.get_many((visibility, i) for i in ids)
        cards = {key[1]: card for key, card in found.items() if isinstance(key, tuple)}
        missing = [i for i in ids if i not in cards]
        if missing:
            fresh = lora_cards(db, missing, visibility)
            cache.put_many({(visibility, i): card for i, card in fresh.items()})
            cards.update(fresh)
    terms = query_terms(query)
    return [
        Presented(h, cards[h.item_id], _matched(terms, cards[h.item_id].name))
        for h in hits
        if h.item_id in cards
    ]
