"""Phrase vectors outlive the process: `atelier index` saves them and the next embed loads
them, so re-embedding a changed item made of known phrases costs no model run."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, delete, select

from atelier.db.models import Embedding, Image
from atelier.embed.hashing import HashingEmbedder
from atelier.embed.phrases import PhrasePooledEmbedder
from atelier.services.indexing import phrase_file, refresh_search_indexes
from tests.embed.test_phrases import CountingEmbedder


def test_the_next_index_run_reuses_the_saved_phrases(
    catalog_engine: Engine, tmp_path: Path
) -> None:
    first = CountingEmbedder()
    refresh_search_indexes(catalog_engine, PhrasePooledEmbedder(first), tmp_path, "exact")
    name = PhrasePooledEmbedder(HashingEmbedder(dim=32)).name
    assert phrase_file(tmp_path, name).is_file() and first.seen
    with catalog_engine.begin() as connection:
        image_id = connection.scalars(
            select(Image.id).where(Image.prompt.like("%,%,%")).order_by(Image.id).limit(1)
        ).one()
        stored = select(Embedding.vector).where(Embedding.item_id == image_id)
        before = connection.scalars(stored.where(Embedding.item_type == "image")).one()
        # As if its text had changed: the next run must embed it again.
        connection.execute(
            delete(Embedding).where(Embedding.item_type == "image", Embedding.item_id == image_id)
        )

    again = CountingEmbedder()
    refresh_search_indexes(catalog_engine, PhrasePooledEmbedder(again), tmp_path, "exact")
    assert again.seen == []
    with catalog_engine.connect() as connection:
        after = connection.scalars(stored.where(Embedding.item_type == "image")).one()
    assert after == before
