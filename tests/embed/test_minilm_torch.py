"""The reference MiniLM embedder (sentence-transformers): offline, and it understands meaning."""

from __future__ import annotations

import numpy as np
import pytest

from atelier.embed.minilm_torch import MINILM_DIM, MiniLMTorchEmbedder

pytestmark = pytest.mark.model


def test_loads_offline_from_the_packaged_model(torch_minilm: MiniLMTorchEmbedder) -> None:
    # The fixture loads it with sockets disabled; reaching here means no hub was contacted.
    assert torch_minilm.dim == MINILM_DIM
    assert torch_minilm.name == "minilm-torch"


def test_paraphrases_score_higher_than_unrelated_texts(torch_minilm: MiniLMTorchEmbedder) -> None:
    query = torch_minilm.encode_query("a kitten napping on a couch")
    docs = torch_minilm.encode(
        ["a cat sleeping on a sofa", "a cyberpunk city at night", "an old fisherman at sea"]
    )
    scores = docs @ query
    assert int(np.argmax(scores)) == 0
    assert scores[0] > 0.5
    assert scores[0] - max(scores[1:]) > 0.3


def test_texts_longer_than_the_window_are_truncated_not_rejected(
    torch_minilm: MiniLMTorchEmbedder,
) -> None:
    long_text = "portrait of a knight in shining armor, " * 200
    vectors = torch_minilm.encode([long_text, long_text[:2000]])
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0, abs=1e-4)
