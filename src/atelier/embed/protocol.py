"""The one interface every text or image embedder in Atelier implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors, so a dot product is a cosine.

    Implementations load their model lazily: constructing one is cheap and does no I/O, the first
    `encode` (or an explicit `load()`) pays for it. That lets the app build the embedder in its
    lifespan without slowing start-up, and lets tests construct one without the model present.
    `dim` is known before loading (from the model's config), since indexes are sized by it.
    """

    @property
    def name(self) -> str:
        """Registry name, stored next to vectors so an index never mixes two models."""
        ...

    @property
    def dim(self) -> int:
        """Length of every vector this embedder returns."""
        ...

    def load(self) -> None:
        """Load the model now; idempotent and safe to call from several threads."""
        ...

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
        """Embed `texts` in order; shape (len(texts), dim), each row of unit length."""
        ...

    def encode_query(self, text: str) -> NDArray[np.float32]:
        """Embed one search query; shape (dim,), unit length."""
        ...
