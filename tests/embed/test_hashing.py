"""The hashing embedder: deterministic, model-free, and word overlap means similarity."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from atelier.embed.hashing import HashingEmbedder


def test_same_text_gets_the_same_vector_in_another_process() -> None:
    # Python's str hash is salted per process; the embedder must not depend on it.
    code = (
        "import json; from atelier.embed.hashing import HashingEmbedder;"
        "print(json.dumps(HashingEmbedder().encode_query('red fox in snow').tolist()))"
    )
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    here = HashingEmbedder().encode_query("red fox in snow")
    np.testing.assert_array_equal(here, np.array(json.loads(other), dtype=np.float32))


def test_texts_sharing_words_score_higher_than_unrelated_ones() -> None:
    vectors = HashingEmbedder().encode(
        ["watercolor harbor at dusk", "a harbor painted in watercolor", "cyberpunk robot arm"]
    )
    related, unrelated = vectors[0] @ vectors[1], vectors[0] @ vectors[2]
    assert related > 0.3
    assert related > unrelated + 0.3


def test_shared_word_order_adds_similarity_through_bigrams() -> None:
    vectors = HashingEmbedder().encode(["long hair girl", "long hair girl", "girl hair long"])
    assert vectors[0] @ vectors[1] == pytest.approx(1.0)
    assert 0.5 < vectors[0] @ vectors[2] < 0.99


def test_case_and_punctuation_do_not_matter() -> None:
    vectors = HashingEmbedder().encode(["Red Fox, snow!", "red fox snow"])
    assert vectors[0] @ vectors[1] == pytest.approx(1.0)


def test_empty_text_still_gets_a_unit_vector() -> None:
    vector = HashingEmbedder().encode_query("")
    assert np.linalg.norm(vector) == pytest.approx(1.0)


def test_dimension_is_configurable() -> None:
    embedder = HashingEmbedder(dim=64)
    assert embedder.dim == 64
    assert embedder.encode(["a", "b"]).shape == (2, 64)


def test_a_bare_string_is_rejected_rather_than_split_into_characters() -> None:
    with pytest.raises(TypeError):
        HashingEmbedder().encode("not a list")


def test_tiny_dimensions_are_refused() -> None:
    with pytest.raises(ValueError):
        HashingEmbedder(dim=2)
