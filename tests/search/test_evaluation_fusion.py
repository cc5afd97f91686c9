"""The evaluation scores the order the service serves: the same signals, the same fusion,
popularity prior included."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from atelier.services.search.evaluation import HeldOut, signal_rankings
from atelier.services.search.service import SearchRequest
from atelier.services.visibility import Visibility
from tests.search.building import hashing_search_service
from tests.search.test_voter_search import QUERIES

PROMPTS = (*QUERIES, "masterpiece, best quality, 1girl, solo, looking at viewer, upper body")


def test_the_evaluations_fused_order_is_the_served_order(
    catalog_engine: Engine, tmp_path: Path
) -> None:
    service = hashing_search_service(catalog_engine, tmp_path, "exact")
    why: set[str] = set()
    for visibility in (Visibility(), Visibility(3, frozenset(), True)):
        weights = service.weights.for_level(visibility.max_level)
        assert weights.popularity > 0 and weights.phrases > 0
        for query in PROMPTS:
            item = HeldOut(0, query, 0, 0, frozenset(), frozenset())
            rankings = signal_rankings(service, item, visibility, frozenset()).images
            served = service.search(SearchRequest(query, ("images",), limit=60), visibility)
            hits = served["images"].hits
            assert [hit.item_id for hit in hits] == service.fused_order(
                "images", rankings, weights
            )[:60]
            why.update(hit.why for hit in hits)
    assert any("shares phrases with your prompt" in reason for reason in why)
