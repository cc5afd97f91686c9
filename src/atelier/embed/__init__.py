"""Embedding layer: text (and optional image) embedders behind one protocol, and their texts.

Importing this package is cheap: model libraries load only when an embedder is first used.
"""

from atelier.embed.dedup import encode_unique
from atelier.embed.errors import EmbedderError, EmbedderUnavailableError, UnknownEmbedderError
from atelier.embed.protocol import Embedder
from atelier.embed.registry import DEFAULT_EMBEDDER, KNOWN_EMBEDDERS, make_embedder

__all__ = [
    "DEFAULT_EMBEDDER",
    "KNOWN_EMBEDDERS",
    "Embedder",
    "EmbedderError",
    "EmbedderUnavailableError",
    "UnknownEmbedderError",
    "encode_unique",
    "make_embedder",
]
