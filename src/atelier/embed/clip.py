"""Optional CLIP embedder: texts and images in one space, loaded offline via transformers."""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import numpy as np
from numpy.typing import NDArray

from atelier.embed._common import force_offline, l2_normalize
from atelier.embed.errors import EmbedderUnavailableError

logger = logging.getLogger(__name__)

# Used when no model is given; it must already be on disk (a local directory, or in the Hugging
# Face cache from an earlier, deliberate download): Atelier never fetches models at run time.
DEFAULT_CLIP_MODEL = "openai/clip-vit-base-patch32"


class PILImageLike(Protocol):
    """The part of `PIL.Image.Image` this module relies on (Pillow is an optional dependency)."""

    def convert(self, mode: str) -> Any: ...


ImageSource: TypeAlias = "str | os.PathLike[str] | PILImageLike"


class ClipEmbedder:
    """CLIP text and image vectors, L2-normalised, from `CLIPModel.from_pretrained`.

    Off by default: it is large, and MiniLM serves text search. Image encoding needs Pillow.
    """

    def __init__(self, model: str | Path = DEFAULT_CLIP_MODEL, *, num_threads: int | None = None):
        self._source = str(model)
        self._num_threads = num_threads
        self._model: Any = None
        self._tokenizer: Any = None
        self._image_processor: Any = None
        self._dim: int | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "clip"

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = self._read_projection_dim()
        return self._dim

    def _read_projection_dim(self) -> int:
        """Read the vector size from config.json alone, so asking it does not load the weights."""
        if self._model is not None:
            return int(self._model.config.projection_dim)
        config_file = Path(self._source) / "config.json"
        if not config_file.is_file():
            cached = _cached_hub_file(self._source, "config.json")
            if cached is None:
                raise self._not_found(FileNotFoundError("no config.json"))
            config_file = cached
        return int(json.loads(config_file.read_text(encoding="utf-8"))["projection_dim"])

    def _not_found(self, exc: Exception) -> EmbedderUnavailableError:
        return EmbedderUnavailableError(
            f"CLIP model {self._source!r} is not available locally ({exc}); put it in a "
            "directory (save_pretrained) and pass that path: Atelier never downloads models"
        )

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            force_offline()
            import torch
            from transformers import AutoTokenizer, CLIPModel

            if self._num_threads is not None:
                torch.set_num_threads(self._num_threads)
            logger.info("loading CLIP from %s", self._source)
            try:
                model: Any = CLIPModel.from_pretrained(self._source, local_files_only=True)
                tokenizer = AutoTokenizer.from_pretrained(self._source, local_files_only=True)
            except OSError as exc:
                raise self._not_found(exc) from exc
            model.eval()
            self._tokenizer = tokenizer
            self._dim = int(model.config.projection_dim)
            self._model = model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_query for one text")
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.load()
        import torch

        # CLIP's text tower has a hard window (77 tokens for OpenAI's models); longer is cut.
        max_length = int(self._model.config.text_config.max_position_embeddings)
        parts = []
        for start in range(0, len(texts), batch_size):
            batch = self._tokenizer(
                list(texts[start : start + batch_size]),
                padding=True,
                truncation=True,
                max_length=max_length,
                return_tensors="pt",
            )
            with torch.inference_mode():
                out = self._model.get_text_features(
                    input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
                )
            parts.append(_features(out))
        return l2_normalize(np.concatenate(parts))

    def encode_query(self, text: str) -> NDArray[np.float32]:
        row: NDArray[np.float32] = self.encode([text], batch_size=1)[0]
        return row

    def encode_images(
        self, images: Sequence[ImageSource], batch_size: int = 16
    ) -> NDArray[np.float32]:
        """Embed images given as PIL images or file paths; shape (len(images), dim)."""
        if len(images) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        self.load()
        processor = self._ensure_image_processor()
        import torch

        parts = []
        for start in range(0, len(images), batch_size):
            pictures = [_open_rgb(image) for image in images[start : start + batch_size]]
            pixels = processor(images=pictures, return_tensors="pt")["pixel_values"]
            with torch.inference_mode():
                out = self._model.get_image_features(pixel_values=pixels)
            parts.append(_features(out))
        return l2_normalize(np.concatenate(parts))

    def _ensure_image_processor(self) -> Any:
        with self._lock:
            if self._image_processor is None:
                _require_pillow()
                import transformers

                # transformers 5 splits the PIL-backed processor from the torchvision one (and
                # Pillow is what Atelier needs anyway, to read image files); in 4 the one class
                # is PIL-backed.
                processor_class: Any = getattr(transformers, "CLIPImageProcessorPil", None)
                if processor_class is None:
                    processor_class = transformers.CLIPImageProcessor
                try:
                    self._image_processor = processor_class.from_pretrained(
                        self._source, local_files_only=True
                    )
                except OSError as exc:
                    raise self._not_found(exc) from exc
            return self._image_processor


def _cached_hub_file(repo_id: str, filename: str) -> Path | None:
    """A file of a model already in the local Hugging Face cache; never downloads."""
    force_offline()
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(repo_id, filename)
    except ValueError:  # not a valid repository name (a missing local path, say)
        return None
    return Path(found) if isinstance(found, str) else None


def _require_pillow() -> None:
    if importlib.util.find_spec("PIL") is None:
        raise EmbedderUnavailableError(
            "CLIP image encoding needs Pillow; install the 'pillow' package"
        )


def _open_rgb(image: ImageSource) -> Any:
    if isinstance(image, str | os.PathLike):
        from PIL import Image  # type: ignore[import-not-found, unused-ignore]

        with Image.open(image) as opened:
            return opened.convert("RGB")
    return image.convert("RGB")


def _features(out: Any) -> NDArray[np.float32]:
    """transformers 5 returns a model output with the projection in `pooler_output`; 4, a tensor."""
    tensor = out if hasattr(out, "detach") else out.pooler_output
    return np.asarray(tensor.detach().float().numpy(), dtype=np.float32)
