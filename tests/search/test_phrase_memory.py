"""Phrase vectors outlive the process: `atelier index` saves them, the search service and the
next embed load them, so a pasted prompt made of catalog phrases costs no model run."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, select

from atelier.config import Settings
from atelier.db.models import Image
from atelier.embed.hashing import HashingEmbedder
from atelier.embed.phrases import PhrasePooledEmbedder
from atelier.services.indexing import phrase_file, refresh_search_indexes
from atelier.services.search.setup import build_search_service


class CountingEmbedder(HashingEmbedder):
    """Records every text the model is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=64)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        self.seen += list(texts)
        return super().encode(texts, batch_size)


def test_indexing_saves_phrases_that_serving_and_the_next_embed_reuse(
    catalog_engine: Engine, tmp_path: Path
) -> None:
    indexing_model = CountingEmbedder()
    refresh_search_indexes(catalog_engine, PhrasePooledEmbedder(indexing_model), tmp_path, "exact")
    embedder_name = PhrasePooledEmbedder(HashingEmbedder(dim=64)).name
    assert phrase_file(tmp_path, embedder_name).is_file()
    with catalog_engine.connect() as connection:
        prompt = connection.scalars(
            select(Image.prompt).where(Image.prompt.like("%,%,%")).order_by(Image.id).limit(1)
        ).one()

    serving_model = CountingEmbedder()
    service = build_search_service(
        catalog_engine, Settings(data_dir=tmp_path), PhrasePooledEmbedder(serving_model)
    )
    vector = service.encode(prompt)
    assert vector is not None and serving_model.seen == []
    # Phrases no catalog text has still go to the model.
    service.encode("a phrase no prompt has, " + prompt)
    assert serving_model.seen == ["a phrase no prompt has"]

    # A second `atelier index` over an unchanged catalog embeds nothing and keeps the file.
    again = CountingEmbedder()
    refresh_search_indexes(catalog_engine, PhrasePooledEmbedder(again), tmp_path, "exact")
    assert again.seen == []
    reloaded = PhrasePooledEmbedder(CountingEmbedder())
    assert reloaded.load_phrases(phrase_file(tmp_path, embedder_name)) >= len(indexing_model.seen)
