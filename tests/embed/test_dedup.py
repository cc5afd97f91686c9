"""encode_unique: each distinct text is embedded once and shared by its duplicates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from atelier.embed.dedup import encode_unique, unique_texts
from atelier.embed.hashing import HashingEmbedder


class CountingEmbedder(HashingEmbedder):
    """Records every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=32)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        self.seen += list(texts)
        return super().encode(texts, batch_size)


def test_identical_texts_are_embedded_once() -> None:
    embedder = CountingEmbedder()
    encode_unique(embedder, ["cat", "dog", "cat", "cat", "dog", "owl"])
    assert embedder.seen == ["cat", "dog", "owl"]


def test_rows_follow_the_input_order_and_duplicates_share_a_vector() -> None:
    texts = ["cat", "dog", "cat", "owl"]
    vectors = encode_unique(HashingEmbedder(dim=32), texts)
    expected = HashingEmbedder(dim=32).encode(texts)
    np.testing.assert_array_equal(vectors, expected)
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_duplicate_rows_are_independent_copies() -> None:
    vectors = encode_unique(HashingEmbedder(dim=32), ["cat", "cat"])
    vectors[0] = 0.0
    assert np.any(vectors[1] != 0.0)


def test_no_texts_give_an_empty_matrix_of_the_right_width() -> None:
    embedder = CountingEmbedder()
    vectors = encode_unique(embedder, [])
    assert vectors.shape == (0, 32)
    assert vectors.dtype == np.float32
    assert embedder.seen == []


def test_texts_that_differ_only_in_case_are_distinct() -> None:
    distinct, rows = unique_texts(["Cat", "cat", "Cat"])
    assert distinct == ["Cat", "cat"]
    assert rows.tolist() == [0, 1, 0]
