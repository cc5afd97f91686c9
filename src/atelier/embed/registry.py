"""Builds an embedder from its name; the one place that knows which names exist."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from atelier.embed.errors import UnknownEmbedderError
from atelier.embed.protocol import Embedder

# Whole-text MiniLM stays available as "minilm-onnx"; phrase pooling embeds the 2023 catalog
# in a sixth of the time at the same retrieval quality (docs/benchmarks.md, embed-full).
DEFAULT_EMBEDDER = "minilm-onnx-phrases"
# Subdirectory of `cache_dir` holding the int8 ONNX export; named for what is in it, so a
# different export recipe later can sit beside it.
ONNX_EXPORT_DIR = "minilm-onnx-int8"


def _minilm_onnx(
    cache_dir: Path | None, clip_model: str | Path | None, threads: int | None
) -> Embedder:
    from atelier.embed.minilm_onnx import MiniLMOnnxEmbedder

    if cache_dir is None:
        raise ValueError(
            "the 'minilm-onnx' embedder needs cache_dir, the directory for derived model files "
            "(the app passes <data_dir>/models)"
        )
    return MiniLMOnnxEmbedder(cache_dir / ONNX_EXPORT_DIR, num_threads=threads)


def _minilm_onnx_phrases(
    cache_dir: Path | None, clip_model: str | Path | None, threads: int | None
) -> Embedder:
    from atelier.embed.phrases import PhrasePooledEmbedder

    return PhrasePooledEmbedder(_minilm_onnx(cache_dir, clip_model, threads))


def _minilm_torch(
    cache_dir: Path | None, clip_model: str | Path | None, threads: int | None
) -> Embedder:
    from atelier.embed.minilm_torch import MiniLMTorchEmbedder

    return MiniLMTorchEmbedder(num_threads=threads)


def _hashing(
    cache_dir: Path | None, clip_model: str | Path | None, threads: int | None
) -> Embedder:
    from atelier.embed.hashing import HashingEmbedder

    return HashingEmbedder()


def _clip(cache_dir: Path | None, clip_model: str | Path | None, threads: int | None) -> Embedder:
    from atelier.embed.clip import DEFAULT_CLIP_MODEL, ClipEmbedder

    return ClipEmbedder(clip_model or DEFAULT_CLIP_MODEL, num_threads=threads)


# Factories import their module when called, so asking for "hashing" never imports torch.
_FACTORIES: dict[str, Callable[[Path | None, str | Path | None, int | None], Embedder]] = {
    "minilm-onnx": _minilm_onnx,
    "minilm-onnx-phrases": _minilm_onnx_phrases,
    "minilm-torch": _minilm_torch,
    "hashing": _hashing,
    "clip": _clip,
}
KNOWN_EMBEDDERS: tuple[str, ...] = tuple(_FACTORIES)


def make_embedder(
    name: str,
    *,
    cache_dir: Path | None = None,
    clip_model: str | Path | None = None,
    num_threads: int | None = None,
) -> Embedder:
    """A new, not yet loaded embedder called `name` (one of `KNOWN_EMBEDDERS`).

    `cache_dir` is the directory for derived model files (the app passes `<data_dir>/models`);
    "minilm-onnx" keeps its export in `cache_dir / ONNX_EXPORT_DIR`. `clip_model` is a local
    directory (or an already cached Hugging Face name) for "clip"; `num_threads` caps the CPU
    threads a model uses.
    """
    factory = _FACTORIES.get(name)
    if factory is None:
        raise UnknownEmbedderError(
            f"unknown embedder {name!r}; known embedders: {', '.join(KNOWN_EMBEDDERS)}"
        )
    return factory(cache_dir, clip_model, num_threads)
