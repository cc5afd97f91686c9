"""LoraCardCache: the same cards as `lora_cards`, per viewer, without asking twice."""

from __future__ import annotations

from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from atelier.db.models import Model
from atelier.services.favorites import LoraCardCache, lora_cards
from atelier.services.visibility import Visibility


def test_cached_cards_match_the_query_for_each_viewer_and_are_asked_for_once(
    catalog_engine: Engine,
) -> None:
    with Session(catalog_engine) as db:
        levels = dict(db.execute(select(Model.id, Model.content_level).where(Model.is_lora)).all())
        safe = sorted(i for i, level in levels.items() if level == 0)[:3]
        mature = sorted(i for i, level in levels.items() if level > 0)[:2]
        assert safe and mature
        ids = [*safe, *mature, 999_999_999]
        cache = LoraCardCache(64)
        statements: list[object] = []

        def count(*args: object) -> None:
            statements.append(args[2])

        for viewer in (Visibility(), Visibility(3, frozenset(), True)):
            expected = lora_cards(db, ids, viewer)
            assert cache.cards(db, ids, viewer) == expected
            event.listen(catalog_engine, "before_cursor_execute", count)
            try:
                assert cache.cards(db, ids, viewer) == expected
            finally:
                event.remove(catalog_engine, "before_cursor_execute", count)
            assert statements == []
        assert set(cache.cards(db, ids, Visibility())) == set(safe)
