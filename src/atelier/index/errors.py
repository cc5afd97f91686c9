"""Exceptions raised by the vector index core, all under one base class."""

from __future__ import annotations


class VectorIndexError(Exception):
    """Base class for every error the index core raises on purpose."""


class DimensionMismatchError(VectorIndexError, ValueError):
    """Vectors or queries whose width differs from the index's dimension."""

    def __init__(self, expected: int, got: int, what: str = "vectors") -> None:
        super().__init__(f"{what} have dimension {got}, but this index holds {expected}-d vectors")
        self.expected = expected
        self.got = got


class InvalidInputError(VectorIndexError, ValueError):
    """Ids or vectors the index cannot accept (wrong shape, non-finite values, zero vectors)."""


class UnknownIndexKindError(VectorIndexError, ValueError):
    """A kind name that no index implementation is registered under."""

    def __init__(self, kind: str, known: list[str]) -> None:
        super().__init__(f"unknown vector index kind {kind!r}; known kinds: {', '.join(known)}")
        self.kind = kind


class IndexFormatError(VectorIndexError):
    """A saved index directory that is missing, incomplete or from an unsupported version."""
