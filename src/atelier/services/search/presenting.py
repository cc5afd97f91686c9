"""Turns hits into display cards with the query words they match, for the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from atelier.db.fulltext import query_terms
from atelier.services.favorites import (
    ImageCard,
    LoraCard,
    LoraCardCache,
    image_cards,
)
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
    cache: LoraCardCache,
) -> list[Presented]:
    """LoRA cards in hit order, through the service's card cache."""
    cards = cache.cards(db, [h.item_id for h in hits], visibility)
    terms = query_terms(query)
    return [
        Presented(h, cards[h.item_id], _matched(terms, cards[h.item_id].name))
        for h in hits
        if h.item_id in cards
    ]
