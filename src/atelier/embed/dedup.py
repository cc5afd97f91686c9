"""Embeds each distinct text once: Civitai prompts repeat a lot (re-posted showcase images)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from atelier.embed.protocol import Embedder

logger = logging.getLogger(__name__)


def unique_texts(texts: Sequence[str]) -> tuple[list[str], NDArray[np.intp]]:
    """Distinct texts in first-seen order, and for each input the row of its distinct text."""
    row_of: dict[str, int] = {}
    rows = np.empty(len(texts), dtype=np.intp)
    for i, text in enumerate(texts):
        rows[i] = row_of.setdefault(text, len(row_of))
    return list(row_of), rows


def encode_unique(
    embedder: Embedder, texts: Sequence[str], batch_size: int = 64
) -> NDArray[np.float32]:
    """Like `embedder.encode(texts)`, but each distinct text is embedded only once.

    Identical texts get identical rows (copies, not views). Texts are compared exactly; callers
    normalise first (see `atelier.embed.texts`) if near-identical texts should also merge.
    """
    if isinstance(texts, str):
        raise TypeError("encode_unique takes a sequence of texts, not one string")
    distinct, rows = unique_texts(texts)
    if not distinct:
        return np.zeros((0, embedder.dim), dtype=np.float32)
    logger.debug("embedding %d distinct of %d texts", len(distinct), len(texts))
    vectors = embedder.encode(distinct, batch_size=batch_size)
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)
