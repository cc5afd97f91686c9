"""LoRA votes for a typed query: a LoRA that only one of the matching images used counts only
with support (a second image, its own keyword or vector match, or an image sharing a whole
phrase with the query); otherwise the faces and outfits of whatever images matched the words
fill the LoRA list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import Engine, func, select

from atelier.db.models import Image, ImageResource
from atelier.services.search.service import SearchService
from atelier.services.search.snapshot import Filters
from atelier.services.visibility import Visibility
from tests.search.building import hashing_search_service

UNRELATED = "qqzx vvwy"


@pytest.fixture
def service(catalog_engine: Engine, tmp_path: Path) -> SearchService:
    return hashing_search_service(catalog_engine, tmp_path, "exact")


def _lora_with_two_images(engine: Engine) -> tuple[int, int, int, str]:
    """A LoRA and two images made with it, each made with no other LoRA; the first's prompt."""
    with engine.connect() as connection:
        single = (
            select(ImageResource.image_id)
            .where(ImageResource.is_lora)
            .group_by(ImageResource.image_id)
            .having(func.count() == 1)
        )
        rows = connection.execute(
            select(ImageResource.model_id, ImageResource.image_id, Image.prompt)
            .join(Image, Image.id == ImageResource.image_id)
            .where(ImageResource.is_lora, ImageResource.image_id.in_(single))
            .where(Image.prompt.is_not(None))
            .order_by(ImageResource.model_id, ImageResource.image_id)
        ).all()
    by_lora: dict[int, list[tuple[int, str]]] = {}
    for lora, image, prompt in rows:
        by_lora.setdefault(int(lora), []).append((int(image), str(prompt)))
    lora, images = next((k, v) for k, v in by_lora.items() if len(v) >= 2)
    return lora, images[0][0], images[1][0], images[0][1]


def test_one_image_alone_does_not_bring_its_lora(service: SearchService) -> None:
    lora, first, second, _prompt = _lora_with_two_images(service.engine)
    mask = np.ones(service.snapshot.loras.ids.shape[0], np.bool_)

    alone, _ = service.query_votes(UNRELATED, [first], {}, mask)
    both, votes = service.query_votes(UNRELATED, [first, second], {}, mask)
    matched, _ = service.query_votes(UNRELATED, [first], {"keyword": [lora]}, mask)

    assert lora not in alone
    assert lora in both and votes[lora] == 2
    assert lora in matched
    # The plain votes still count it: only the typed query's filter leaves it out.
    assert lora in service.lora_votes([first], mask)[0]


def test_an_image_sharing_a_phrase_with_the_query_brings_its_lora(
    service: SearchService,
) -> None:
    lora, first, _second, prompt = _lora_with_two_images(service.engine)
    mask = np.ones(service.snapshot.loras.ids.shape[0], np.bool_)

    echoed, votes = service.query_votes(prompt, [first], {}, mask)
    excluded, _ = service.query_votes(prompt, [first], {}, mask, frozenset({first}))

    assert lora in echoed and votes[lora] == 1
    assert excluded == []


def test_a_typed_search_ranks_no_lora_that_only_one_matching_image_used(
    service: SearchService,
) -> None:
    # Whole sentences are no prompt's phrase, so no voter echoes them. Without the vector half
    # (in the sample every LoRA is among the nearest 300), a LoRA needs a second voting image
    # or a keyword match of its own.
    queries = ("a portrait of a woman standing in the rain", "a girl with long hair at night")
    hits = [
        hit
        for query in queries
        for hit in service.rank(
            "loras", query, Visibility(), Filters(), signals=("keyword", "image_votes")
        )
    ]

    assert any(hit.vote_count == 1 for hit in hits)
    assert all(hit.vote_count != 1 for hit in hits if hit.keyword_rank is None)
