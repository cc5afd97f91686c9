"""The evaluation scores the order the service serves: the same fusion, popularity included."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from atelier.services.search.service import SearchRequest
from atelier.services.search.snapshot import Filters
from atelier.services.visibility import Visibility
from tests.search.test_voter_search import QUERIES, _service


def test_the_evaluations_fused_order_is_the_served_order(
    catalog_engine: Engine, tmp_path: Path
) -> None:
    service = _service(catalog_engine, tmp_path, "exact")
    for visibility in (Visibility(), Visibility(3, frozenset(), True)):
        weights = service.weights.for_level(visibility.max_level)
        assert weights.popularity > 0
        mask, allowed = service.allowed("images", visibility, Filters())
        for query in QUERIES:
            served = service.search(SearchRequest(query, ("images",), limit=60), visibility)
            vector = service.encode(query)
            rankings = {
                "keyword": service.keyword_ranking("images", query, mask),
                "vector": service.vector_ranking("images", vector, allowed),
            }
            order = service.fused_order("images", rankings, weights)
            assert [hit.item_id for hit in served["images"].hits] == order[:60]
