"""LoraCardCache: the same cards as `lora_cards`, per viewer, without asking twice."""

from __future__ import annotations

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from atelier.db.models import Model, ModelTag
from atelier.services.favorites import LoraCardCache, first_showcase_images, lora_cards
from atelier.services.search.service import SearchService
from atelier.services.search.snapshot import Filters, load_snapshot
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


def test_snapshot_previews_match_the_window_query_for_each_viewer(
    catalog_engine: Engine,
) -> None:
    with catalog_engine.connect() as connection:
        snapshot = load_snapshot(connection)
    with Session(catalog_engine) as db:
        lora_ids = list(db.scalars(select(Model.id).where(Model.is_lora).order_by(Model.id)))
        common_tag = db.scalar(
            select(ModelTag.tag).group_by(ModelTag.tag).order_by(func.count().desc()).limit(1)
        )
        assert common_tag is not None
        viewers = [
            Visibility(),
            Visibility(1),
            Visibility(3, frozenset(), True),
            Visibility(3, frozenset({common_tag}), False),
        ]
        for viewer in viewers:
            expected = first_showcase_images(db, lora_ids, viewer)
            mask = snapshot.mask("images", viewer, Filters())
            assert snapshot.first_showcase_images(lora_ids, mask) == expected, viewer
            # Cards through the snapshot are the cards the database alone would make.
            from_memory = lora_cards(
                db,
                lora_ids,
                viewer,
                lambda ids, v, mask=mask: snapshot.first_showcase_images(ids, mask),
            )
            assert from_memory == lora_cards(db, lora_ids, viewer)
        assert len(expected) > 10


def test_a_warmed_search_service_builds_no_lora_card_on_request(catalog_engine: Engine) -> None:
    with catalog_engine.connect() as connection:
        snapshot = load_snapshot(connection)
    service = SearchService(catalog_engine, snapshot, None, None)
    service.warm_lora_cards()
    lora_ids = [int(i) for i in snapshot.loras.ids]
    statements: list[object] = []

    def count(*args: object) -> None:
        statements.append(args[2])

    with Session(catalog_engine) as db:
        event.listen(catalog_engine, "before_cursor_execute", count)
        try:
            warmed = service.lora_cards.cards(db, lora_ids, Visibility())
        finally:
            event.remove(catalog_engine, "before_cursor_execute", count)
        assert statements == []
        assert warmed == lora_cards(db, lora_ids, Visibility())
