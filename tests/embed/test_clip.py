"""The optional CLIP embedder, on a tiny random CLIP built by the test (no download)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from atelier.embed.clip import ClipEmbedder
from atelier.embed.errors import EmbedderUnavailableError
from tests.embed.tiny_clip import IMAGE_SIZE, PROJECTION_DIM

HAS_PILLOW = importlib.util.find_spec("PIL") is not None


def test_dimension_comes_from_the_config_without_loading(tiny_clip_dir: Path) -> None:
    embedder = ClipEmbedder(tiny_clip_dir)
    assert embedder.dim == PROJECTION_DIM
    assert embedder.name == "clip"


def test_text_vectors_are_unit_rows_and_repeatable(tiny_clip: ClipEmbedder) -> None:
    vectors = tiny_clip.encode(["a cat on the mat", "a dog", "a cat on the mat"])
    assert vectors.shape == (3, PROJECTION_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)
    assert float(vectors[0] @ vectors[1]) < 0.999


def test_texts_beyond_the_text_window_are_truncated(tiny_clip: ClipEmbedder) -> None:
    long_text = "the cat sat on the mat " * 50
    assert tiny_clip.encode([long_text]).shape == (1, PROJECTION_DIM)


def test_a_model_that_is_not_on_disk_is_reported_not_downloaded(tmp_path: Path) -> None:
    embedder = ClipEmbedder("atelier-tests/no-such-clip-model")
    with pytest.raises(EmbedderUnavailableError, match="never downloads"):
        embedder.load()
    with pytest.raises(EmbedderUnavailableError):
        _ = ClipEmbedder(tmp_path / "missing").dim


@pytest.mark.skipif(HAS_PILLOW, reason="checks the message shown when Pillow is missing")
def test_image_encoding_without_pillow_names_the_missing_package(tiny_clip: ClipEmbedder) -> None:
    with pytest.raises(EmbedderUnavailableError, match="Pillow"):
        tiny_clip.encode_images(["any.png"])


@pytest.mark.skipif(not HAS_PILLOW, reason="image encoding needs Pillow")
def test_images_from_objects_and_paths_give_the_same_unit_vectors(
    tiny_clip: ClipEmbedder, tmp_path: Path
) -> None:
    from PIL import Image  # type: ignore[import-not-found, unused-ignore]

    rng = np.random.default_rng(0)
    noise = Image.fromarray(rng.integers(0, 255, (40, 56, 3), dtype=np.uint8))
    path = tmp_path / "noise.png"
    noise.save(path)
    grey = Image.new("L", (IMAGE_SIZE * 2, IMAGE_SIZE * 2), color=128)
    vectors = tiny_clip.encode_images([noise, path, str(path), grey], batch_size=2)
    assert vectors.shape == (4, PROJECTION_DIM)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-5)
    np.testing.assert_allclose(vectors[1], vectors[2], atol=1e-5)
    assert float(vectors[0] @ vectors[3]) < 0.999


def test_no_images_give_an_empty_matrix(tiny_clip: ClipEmbedder) -> None:
    assert tiny_clip.encode_images([]).shape == (0, PROJECTION_DIM)
