"""Index kinds by name: make_index for a new empty index, load_index for a saved one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from atelier.index._persist import read_manifest
from atelier.index.errors import InvalidInputError, UnknownIndexKindError
from atelier.index.exact import ExactIndex
from atelier.index.faiss_hnsw import FaissHnswFlatIndex, FaissHnswIndex
from atelier.index.faiss_ivf import FaissIvfIndex
from atelier.index.faiss_sq8 import FaissSQ8Index
from atelier.index.protocol import VectorIndex

_KINDS: dict[
    str, type[ExactIndex] | type[FaissSQ8Index] | type[FaissHnswIndex] | type[FaissIvfIndex]
] = {
    cls.kind: cls
    for cls in (ExactIndex, FaissSQ8Index, FaissIvfIndex, FaissHnswIndex, FaissHnswFlatIndex)
}

INDEX_KINDS: tuple[str, ...] = tuple(_KINDS)

# Chosen by scripts/bench_vector_index.py (see docs/benchmarks.md, section vector-index).
DEFAULT_INDEX_KIND = "ivf"


def _index_class(kind: str) -> Callable[..., VectorIndex]:
    try:
        return _KINDS[kind]
    except KeyError:
        raise UnknownIndexKindError(kind, sorted(_KINDS)) from None


def make_index(kind: str, dim: int, **params: int) -> VectorIndex:
    """A new empty index of `kind` (one of INDEX_KINDS) for `dim`-d vectors.

    `params` go to the kind's constructor (HNSW: m, ef_construction, ef_search; IVF: nprobe).
    """
    cls = _index_class(kind)
    try:
        return cls(dim, **params)
    except TypeError as exc:
        raise InvalidInputError(f"bad parameters {sorted(params)} for a {kind!r} index") from exc


def load_index(directory: Path) -> VectorIndex:
    """Whatever index was saved in `directory`, its kind read from the manifest."""
    manifest = read_manifest(Path(directory))
    kind = str(manifest["kind"])
    if kind not in _KINDS:
        raise UnknownIndexKindError(kind, sorted(_KINDS))
    return _KINDS[kind].load(Path(directory))
