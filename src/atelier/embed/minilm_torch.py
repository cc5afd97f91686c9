"""all-MiniLM-L6-v2 through sentence-transformers on CPU, loaded offline from the packaged copy."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from atelier.embed._common import force_offline, l2_normalize, packaged_minilm_dir

logger = logging.getLogger(__name__)

MINILM_DIM = 384
# The window all-MiniLM-L6-v2 was trained with (its sentence_bert_config.json); longer is cut.
MINILM_MAX_TOKENS = 256


class MiniLMTorchEmbedder:
    """The reference implementation: exactly what sentence-transformers computes for this model.

    Slower to load and heavier than the ONNX one, but it is the ground truth the ONNX export is
    checked against.
    """

    def __init__(self, model_dir: Path | None = None, *, num_threads: int | None = None) -> None:
        self._model_dir = model_dir
        self._num_threads = num_threads
        self._model: Any = None  # sentence_transformers.SentenceTransformer once loaded
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return "minilm-torch"

    @property
    def dim(self) -> int:
        return MINILM_DIM

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            force_offline()
            # Imported here so that importing atelier.embed never pays torch's import cost.
            import torch
            from sentence_transformers import SentenceTransformer

            if self._num_threads is not None:
                torch.set_num_threads(self._num_threads)
            path = self._model_dir or packaged_minilm_dir()
            logger.info("loading MiniLM (torch) from %s", path)
            model = SentenceTransformer(str(path), device="cpu", local_files_only=True)
            model.max_seq_length = MINILM_MAX_TOKENS
            model.eval()
            self._model = model

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        if isinstance(texts, str):
            raise TypeError("encode takes a sequence of texts; use encode_query for one text")
        if len(texts) == 0:
            return np.zeros((0, MINILM_DIM), dtype=np.float32)
        self.load()
        import torch

        with torch.inference_mode():
            vectors = self._model.encode(
                list(texts),
                batch_size=batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        # The model already normalises; doing it again is cheap and guarantees float32 rows.
        return l2_normalize(vectors)

    def encode_query(self, text: str) -> NDArray[np.float32]:
        row: NDArray[np.float32] = self.encode([text], batch_size=1)[0]
        return row
