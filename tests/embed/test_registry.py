"""make_embedder: names to embedders, lazily, with a clear error for unknown names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from atelier.embed import KNOWN_EMBEDDERS, Embedder, UnknownEmbedderError, make_embedder
from atelier.embed.clip import ClipEmbedder
from atelier.embed.hashing import HashingEmbedder
from atelier.embed.minilm_onnx import MiniLMOnnxEmbedder
from atelier.embed.minilm_torch import MiniLMTorchEmbedder
from atelier.embed.registry import DEFAULT_EMBEDDER, ONNX_EXPORT_DIR


def test_every_known_name_builds_an_embedder_with_that_name(tmp_path: Path) -> None:
    # isinstance() on a Protocol reads `dim` (Python 3.11), which CLIP takes from its config.
    (tmp_path / "config.json").write_text('{"projection_dim": 16}', encoding="utf-8")
    for name in KNOWN_EMBEDDERS:
        embedder = make_embedder(name, cache_dir=tmp_path, clip_model=tmp_path)
        assert isinstance(embedder, Embedder)
        assert embedder.name == name


def test_names_map_to_their_implementations(tmp_path: Path) -> None:
    assert isinstance(make_embedder("hashing", cache_dir=None), HashingEmbedder)
    assert isinstance(make_embedder("minilm-torch", cache_dir=None), MiniLMTorchEmbedder)
    assert isinstance(make_embedder("clip", cache_dir=None), ClipEmbedder)
    onnx = make_embedder("minilm-onnx", cache_dir=tmp_path)
    assert isinstance(onnx, MiniLMOnnxEmbedder)
    assert onnx.export_dir == tmp_path / ONNX_EXPORT_DIR


def test_making_an_embedder_loads_nothing(tmp_path: Path) -> None:
    make_embedder("minilm-onnx", cache_dir=tmp_path / "models")
    assert list(tmp_path.iterdir()) == []


def test_unknown_name_error_lists_the_known_names() -> None:
    with pytest.raises(UnknownEmbedderError) as raised:
        make_embedder("word2vec", cache_dir=None)
    message = str(raised.value)
    assert "word2vec" in message
    assert all(name in message for name in KNOWN_EMBEDDERS)


def test_unknown_name_is_also_a_value_error() -> None:
    with pytest.raises(ValueError):
        make_embedder("", cache_dir=None)


def test_onnx_embedder_without_a_cache_dir_says_what_it_needs() -> None:
    with pytest.raises(ValueError, match="cache_dir"):
        make_embedder("minilm-onnx", cache_dir=None)


def test_default_embedder_is_a_known_name() -> None:
    assert DEFAULT_EMBEDDER in KNOWN_EMBEDDERS


def test_importing_the_embed_core_pulls_in_no_app_layers_and_no_model_libraries() -> None:
    # The core stays pure (no web, ORM or service layers), and importing it stays cheap: torch,
    # transformers and onnxruntime load only when a model is first used.
    forbidden = (
        "fastapi", "starlette", "sqlalchemy", "atelier.db", "atelier.api", "atelier.services",
        "torch", "transformers", "sentence_transformers", "onnxruntime", "onnx",
    )  # fmt: skip
    code = (
        "import sys, atelier.embed, atelier.embed.texts, atelier.embed.hashing;"
        "import atelier.embed.minilm_onnx, atelier.embed.minilm_torch, atelier.embed.clip;"
        "from atelier.embed import make_embedder; make_embedder('hashing', cache_dir=None)"
        ".encode(['x']);"
        f"print(sorted(m for m in sys.modules if any(m == f or m.startswith(f + '.') "
        f"for f in {forbidden!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
