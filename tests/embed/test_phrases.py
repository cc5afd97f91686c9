"""PhrasePooledEmbedder: texts pooled from their phrases, each distinct phrase embedded once."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from atelier.embed.hashing import HashingEmbedder
from atelier.embed.minilm_onnx import MiniLMOnnxEmbedder
from atelier.embed.phrases import (
    PhraseCache,
    PhraseFileError,
    PhrasePooledEmbedder,
    read_phrase_file,
    split_phrases,
    write_phrase_file,
)
from atelier.embed.texts import estimate_tokens, image_text, lora_text


class CountingEmbedder(HashingEmbedder):
    """Records every text it is asked to embed."""

    def __init__(self) -> None:
        super().__init__(dim=32)
        self.seen: list[str] = []

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        self.seen += list(texts)
        return super().encode(texts, batch_size)


def test_image_texts_split_into_their_phrases_and_tags_without_labels() -> None:
    text = image_text("masterpiece, 1girl, (long hair:1.2), <lora:x:1>", ["anime", "girl"])
    assert split_phrases(text) == ["1girl", "long hair", "anime", "girl"]


def test_lora_texts_split_by_section_and_item() -> None:
    text = lora_text("Ink Wash", ["style"], ["inkwash"], "A soft style. Works at 0.8.", [])
    assert split_phrases(text) == ["Ink Wash", "style", "inkwash", "A soft style", "Works at 0.8"]


def test_a_text_without_breaks_is_its_own_phrase() -> None:
    assert split_phrases("cherry blossoms") == ["cherry blossoms"]
    assert split_phrases("") == [""]


def test_each_distinct_phrase_is_embedded_once_across_calls() -> None:
    inner = CountingEmbedder()
    embedder = PhrasePooledEmbedder(inner)
    embedder.encode(["1girl, long hair", "1girl, short hair"])
    embedder.encode(["long hair, short hair, 1girl"])
    embedder.encode_query("1girl")
    assert sorted(inner.seen) == ["1girl", "long hair", "short hair"]


def test_a_text_is_the_length_weighted_mean_of_its_phrases() -> None:
    inner = HashingEmbedder(dim=32)
    phrases = ["red", "cherry blossoms over a quiet river"]
    expected = sum(
        estimate_tokens(p) * inner.encode([p])[0].astype(np.float16).astype(np.float32)
        for p in phrases
    )
    expected = expected / np.linalg.norm(expected)
    pooled = PhrasePooledEmbedder(inner).encode([", ".join(phrases)])[0]
    np.testing.assert_allclose(pooled, expected, atol=1e-6)


def test_a_one_phrase_query_matches_the_inner_embedding() -> None:
    inner = HashingEmbedder(dim=32)
    query = PhrasePooledEmbedder(inner).encode_query("moody watercolor harbor at dusk")
    np.testing.assert_allclose(
        query, inner.encode_query("moody watercolor harbor at dusk"), atol=1e-3
    )


def test_a_cache_smaller_than_one_call_still_pools_every_phrase() -> None:
    embedder = PhrasePooledEmbedder(HashingEmbedder(dim=32), cache_phrases=1)
    roomy = PhrasePooledEmbedder(HashingEmbedder(dim=32))
    texts = ["a, b, c", "c, d"]
    np.testing.assert_allclose(embedder.encode(texts), roomy.encode(texts), atol=1e-6)


def test_the_cache_forgets_the_least_recently_used_phrase() -> None:
    cache = PhraseCache(2)
    vectors = np.eye(3, dtype=np.float32)
    cache.put(["a", "b"], vectors[:2])
    cache.get_many(["a"])
    cache.put(["c"], vectors[2:])
    assert cache.missing(["a", "b", "c"]) == ["b"]
    assert len(cache) == 2
    with pytest.raises(ValueError, match="positive"):
        PhraseCache(0)


def test_the_name_says_how_texts_are_pooled() -> None:
    assert PhrasePooledEmbedder(HashingEmbedder()).name == "hashing-phrases"


@pytest.mark.model
def test_pooled_minilm_keeps_related_prompts_closer_than_unrelated(
    onnx_minilm: MiniLMOnnxEmbedder,
) -> None:
    embedder = PhrasePooledEmbedder(onnx_minilm)
    harbor, harbor_again, city = embedder.encode(
        [
            "watercolor, harbor at dusk, fishing boats, soft light",
            "fishing boats in a harbor, watercolor painting, evening",
            "cyberpunk city street, neon signs, rain, night",
        ]
    )
    assert float(harbor @ harbor_again) > float(harbor @ city) + 0.2


def test_saved_phrases_come_back_and_cost_no_model_run(tmp_path: Path) -> None:
    first = PhrasePooledEmbedder(CountingEmbedder())
    texts = ["masterpiece, 1girl, cherry blossoms", "ink wash, 山水画, 🌸 petals"]
    expected = first.encode(texts)
    path = tmp_path / "phrases.npz"
    assert first.save_phrases(path) == 6

    inner = CountingEmbedder()
    second = PhrasePooledEmbedder(inner)
    assert second.load_phrases(path) == 6
    np.testing.assert_allclose(second.encode(texts), expected, atol=1e-6)
    assert second.encode_query("1girl, 山水画").shape == (32,)
    assert inner.seen == []


def test_a_missing_phrase_file_adds_nothing(tmp_path: Path) -> None:
    embedder = PhrasePooledEmbedder(CountingEmbedder())
    assert embedder.load_phrases(tmp_path / "absent.npz") == 0


@pytest.mark.parametrize("damage", ["truncated", "foreign", "inconsistent"])
def test_a_damaged_or_foreign_phrase_file_is_ignored_with_a_warning(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "phrases.npz"
    saver = PhrasePooledEmbedder(CountingEmbedder())
    saver.encode(["one phrase, another phrase"])
    saver.save_phrases(path)
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:100])
    elif damage == "foreign":
        write_phrase_file(path, "some-other-model", ["a"], np.zeros((1, 32), np.float16))
    else:
        write_phrase_file(path, saver.name, ["a", "b"], np.zeros((1, 32), np.float16))
    inner = CountingEmbedder()
    loader = PhrasePooledEmbedder(inner)
    assert loader.load_phrases(path) == 0
    assert "ignoring saved phrase vectors" in caplog.text
    loader.encode(["one phrase"])
    assert inner.seen == ["one phrase"]


def test_a_file_from_another_dimension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "phrases.npz"
    write_phrase_file(path, "x", ["a"], np.zeros((1, 8), np.float16))
    with pytest.raises(PhraseFileError, match="inconsistent"):
        read_phrase_file(path, "x", 32)


def test_saved_phrases_load_as_a_base_the_garbage_collector_never_walks(tmp_path: Path) -> None:
    saver = PhrasePooledEmbedder(CountingEmbedder())
    saver.encode([", ".join(f"phrase {i}" for i in range(50))])
    saver.save_phrases(tmp_path / "phrases.npz")
    cache = PhraseCache(8)
    phrases, vectors = read_phrase_file(tmp_path / "phrases.npz", saver.name, 32)
    cache.set_base(phrases, vectors)
    assert not gc.is_tracked(cache._base_rows)
    # The base is not bound by the run-time capacity, and run-time phrases still are.
    assert len(cache) == 50 and cache.missing(["phrase 7", "new"]) == ["new"]
    cache.put([f"new {i}" for i in range(10)], np.zeros((10, 32), np.float32))
    assert len(cache) == 58
    saved, matrix = cache.contents()
    assert len(saved) == 8 and saved[-1] == "new 9" and matrix.shape == (8, 32)


def test_a_base_smaller_than_the_capacity_is_saved_whole_by_a_run_that_met_nothing_new(
    tmp_path: Path,
) -> None:
    # `atelier index` right after `atelier embed` loads the saved phrases, embeds nothing new
    # and saves again: every phrase must survive that round trip.
    first = PhrasePooledEmbedder(CountingEmbedder(), cache_phrases=100)
    first.encode([", ".join(f"phrase {i}" for i in range(60))])
    path = tmp_path / "phrases.npz"
    assert first.save_phrases(path) == 60
    second = PhrasePooledEmbedder(CountingEmbedder(), cache_phrases=100)
    assert second.load_phrases(path) == 60
    assert second.save_phrases(path) == 60
    phrases, _ = read_phrase_file(path, second.name, 32)
    assert sorted(phrases) == sorted(f"phrase {i}" for i in range(60))
