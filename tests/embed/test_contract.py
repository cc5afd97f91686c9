"""The Embedder contract, run against every embedder: shapes, types, norms, order, batching."""

from __future__ import annotations

import numpy as np
import pytest

from atelier.embed import Embedder
from atelier.embed.hashing import HashingEmbedder
from atelier.embed.phrases import PhrasePooledEmbedder

TEXTS = [
    "a watercolor painting of a harbor at dusk",
    "1girl, solo, long hair, school uniform, cherry blossoms",
    "cyberpunk city street at night, neon signs, rain, reflections on wet asphalt, crowds",
    "",
    "a watercolor painting of a harbor at dusk",
]


@pytest.fixture(
    params=[
        "hashing",
        "phrases_hashing",
        "tiny_clip",
        pytest.param("torch_minilm", marks=pytest.mark.model),
        pytest.param("onnx_minilm", marks=pytest.mark.model),
        pytest.param("phrases_onnx", marks=pytest.mark.model),
    ]
)
def embedder(request: pytest.FixtureRequest) -> Embedder:
    if request.param == "hashing":
        return HashingEmbedder()
    if request.param == "phrases_hashing":
        return PhrasePooledEmbedder(HashingEmbedder())
    if request.param == "phrases_onnx":
        return PhrasePooledEmbedder(request.getfixturevalue("onnx_minilm"))
    built: Embedder = request.getfixturevalue(request.param)
    return built


def test_satisfies_the_protocol(embedder: Embedder) -> None:
    assert isinstance(embedder, Embedder)
    assert embedder.name
    assert embedder.dim > 0


def test_rows_are_float32_unit_vectors_one_per_text(embedder: Embedder) -> None:
    vectors = embedder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), embedder.dim)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_identical_texts_get_identical_rows_in_one_call(embedder: Embedder) -> None:
    vectors = embedder.encode(TEXTS)
    assert float(vectors[0] @ vectors[4]) == pytest.approx(1.0, abs=1e-4)


# Dynamic int8 quantisation scales activations per batch, so the same text can move slightly
# with its batch-mates: about 0.99 cosine for real texts (less for an empty one, left out here).
BATCH_NOISE = 2e-2


def test_rows_come_back_in_input_order(embedder: Embedder) -> None:
    forward = embedder.encode(TEXTS[:3])
    backward = embedder.encode(TEXTS[:3][::-1])
    np.testing.assert_allclose(np.sum(forward * backward[::-1], axis=1), 1.0, atol=BATCH_NOISE)


def test_batch_size_does_not_change_the_vectors_beyond_noise(embedder: Embedder) -> None:
    texts = [text for text in TEXTS if text]
    whole = embedder.encode(texts, batch_size=64)
    ones = embedder.encode(texts, batch_size=1)
    np.testing.assert_allclose(np.sum(whole * ones, axis=1), 1.0, atol=BATCH_NOISE)


def test_query_vector_matches_its_row_in_a_batch(embedder: Embedder) -> None:
    query = embedder.encode_query(TEXTS[1])
    assert query.shape == (embedder.dim,)
    assert query.dtype == np.float32
    assert float(query @ embedder.encode(TEXTS)[1]) == pytest.approx(1.0, abs=BATCH_NOISE)


def test_no_texts_give_an_empty_matrix(embedder: Embedder) -> None:
    vectors = embedder.encode([])
    assert vectors.shape == (0, embedder.dim)
    assert vectors.dtype == np.float32


def test_load_is_idempotent(embedder: Embedder) -> None:
    embedder.load()
    embedder.load()
    assert embedder.encode(["x"]).shape == (1, embedder.dim)
