"""Fixtures for the embedding tests: real models loaded once, offline, and real prompts."""

from __future__ import annotations

import gzip
import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import pytest

from atelier.embed.clip import ClipEmbedder
from atelier.embed.minilm_onnx import MiniLMOnnxEmbedder, ensure_onnx_export
from atelier.embed.minilm_torch import MiniLMTorchEmbedder
from tests.embed.tiny_clip import build_tiny_clip

# Enough prompts to measure agreement meaningfully while keeping CPU time to seconds.
_PROMPT_SAMPLE = 48


@contextmanager
def no_network() -> Iterator[None]:
    """Make any attempt to open a connection fail loudly, to prove a loader stays offline."""

    def refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
        raise AssertionError("the embedding layer tried to use the network")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", refuse)
        patch.setattr(socket.socket, "connect_ex", refuse)
        patch.setattr(socket, "create_connection", refuse)
        patch.setattr(socket, "getaddrinfo", refuse)
        yield


@pytest.fixture(scope="session")
def real_prompts(sample_dump: Path) -> list[str]:
    """Distinct showcase prompts from the sample dump, spread over the whole file."""
    prompts: dict[str, None] = {}
    with gzip.open(sample_dump, "rt", encoding="utf-8") as lines:
        for line in lines:
            for version in json.loads(line)["modelVersions"]:
                for image in version["images"]:
                    prompt = (image.get("meta") or {}).get("prompt")
                    if isinstance(prompt, str) and prompt.strip():
                        prompts.setdefault(prompt)
    distinct = list(prompts)
    step = max(1, len(distinct) // _PROMPT_SAMPLE)
    return distinct[::step][:_PROMPT_SAMPLE]


@pytest.fixture(scope="session")
def torch_minilm() -> MiniLMTorchEmbedder:
    embedder = MiniLMTorchEmbedder(num_threads=2)
    with no_network():
        embedder.load()
    return embedder


@pytest.fixture(scope="session")
def onnx_export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real export per test session (about 15 s), shared by every ONNX test."""
    target = tmp_path_factory.mktemp("models") / "minilm-onnx-int8"
    with no_network():
        return ensure_onnx_export(target)


@pytest.fixture(scope="session")
def onnx_minilm(onnx_export_dir: Path) -> MiniLMOnnxEmbedder:
    embedder = MiniLMOnnxEmbedder(onnx_export_dir, num_threads=2)
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def tiny_clip_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_clip(tmp_path_factory.mktemp("tiny-clip"))


@pytest.fixture(scope="session")
def tiny_clip(tiny_clip_dir: Path) -> ClipEmbedder:
    embedder = ClipEmbedder(tiny_clip_dir, num_threads=2)
    with no_network():
        embedder.load()
    return embedder
