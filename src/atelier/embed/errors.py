"""Exceptions raised by the embedding layer, rooted in one base class."""

from __future__ import annotations


class EmbedderError(Exception):
    """Base class: anything the embedding layer refuses or cannot do."""


class UnknownEmbedderError(EmbedderError, ValueError):
    """A name was asked of the registry that it does not know."""


class EmbedderUnavailableError(EmbedderError, RuntimeError):
    """The embedder exists but cannot run here: model files or an optional package are missing."""
