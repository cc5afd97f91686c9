"""A deterministic, model-free embedder from hashed word and bigram features, for fast tests."""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from atelier.embed._common import l2_normalize

_WORD = re.compile(r"\w+", re.UNICODE)
# Bigrams count for less than words: they sharpen phrase matches without drowning word overlap.
_BIGRAM_WEIGHT = 0.5
# An empty text still needs a unit-length row; every empty text maps to this one feature.
_EMPTY_FEATURE = "\x00empty"


@lru_cache(maxsize=65536)
def _bucket(feature: str, dim: int) -> tuple[int, float]:
    """Stable (index, sign) for a feature; blake2b because Python's hash() is salted per process."""
    digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
    value = int.from_bytes(digest, "little")
    # A random sign per feature keeps collisions from adding up into false similarity.
    return value % dim, (1.0 if (value >> 63) & 1 else -1.0)


class HashingEmbedder:
    """Same text, same vector, in every process; texts sharing words score higher.

    It understands nothing (no synonyms), which is the point: unit tests elsewhere get an
    embedder that is instant, needs no model files, and whose similarities are predictable.
    """

    def __init__(self, dim: int = 384) -> None:
        if dim < 8:
            raise ValueError(f"dim must be at least 8, got {dim}")
        self._dim = dim

    @property
    def name(self) -> str:
        return "hashing"

    @property
    def dim(self) -> int:
        return self._dim

    def load(self) -> None:
        """Nothing to load; present to satisfy the protocol."""

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_query for one text")
        out = np.zeros((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for feature, weight in self._features(text):
                index, sign = _bucket(feature, self._dim)
                out[row, index] += sign * weight
        return l2_normalize(out)

    def encode_query(self, text: str) -> NDArray[np.float32]:
        row: NDArray[np.float32] = self.encode([text])[0]
        return row

    @staticmethod
    def _features(text: str) -> list[tuple[str, float]]:
        words = _WORD.findall(text.lower())
        if not words:
            return [(_EMPTY_FEATURE, 1.0)]
        features = [(word, 1.0) for word in words]
        features += [(f"{a} {b}", _BIGRAM_WEIGHT) for a, b in itertools.pairwise(words)]
        return features
