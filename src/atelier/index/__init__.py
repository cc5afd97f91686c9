"""Vector indexes behind one protocol: exact, 8-bit quantised, IVF and HNSW, saved on disk."""

from atelier.index.errors import (
    DimensionMismatchError,
    IndexFormatError,
    InvalidInputError,
    UnknownIndexKindError,
    VectorIndexError,
)
from atelier.index.exact import ExactIndex
from atelier.index.faiss_hnsw import FaissHnswFlatIndex, FaissHnswIndex
from atelier.index.faiss_ivf import FaissIvfIndex
from atelier.index.faiss_sq8 import FaissSQ8Index
from atelier.index.filter import AllowedSet
from atelier.index.protocol import SearchResult, VectorIndex
from atelier.index.registry import DEFAULT_INDEX_KIND, INDEX_KINDS, load_index, make_index

__all__ = [
    "DEFAULT_INDEX_KIND",
    "INDEX_KINDS",
    "AllowedSet",
    "DimensionMismatchError",
    "ExactIndex",
    "FaissHnswFlatIndex",
    "FaissHnswIndex",
    "FaissIvfIndex",
    "FaissSQ8Index",
    "IndexFormatError",
    "InvalidInputError",
    "SearchResult",
    "UnknownIndexKindError",
    "VectorIndex",
    "VectorIndexError",
    "load_index",
    "make_index",
]
