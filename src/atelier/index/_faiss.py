"""Shared faiss plumbing: code views, exact filtered scans and 8-bit quantiser ranges."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import faiss as _faiss_module
import numpy as np
from numpy.typing import NDArray

from atelier.index._arrays import SLICE_BLOCK, gather_blocks, row_blocks, scan_top_k, unit_rows
from atelier.index._base import SlotIndexBase
from atelier.index.errors import IndexFormatError
from atelier.index.filter import AllowedSet

logger = logging.getLogger(__name__)

# faiss bundles stubs for its raw SWIG signatures (IDSelectorBitmap(n, ptr), no
# SearchParametersHNSW), not for the numpy-friendly Python wrappers called here, so the
# module is used untyped and every value it returns is checked or converted at the boundary.
faiss: Any = _faiss_module

# Training widens each dimension's observed [min, max] by this share of its width on both
# sides, so later vectors rarely fall outside and force a re-encode.
SQ8_MARGIN = 0.1
# A floor on each dimension's width: a first batch of one vector has zero width.
SQ8_MIN_WIDTH = 1e-3
# Filters allowing at most max(GATHER_MIN, n * GATHER_SHARE) slots are scored by decoding just
# those rows; broader ones by a faiss scan that skips rows with a bitmap test. Measured on
# 384-d SQ8 codes, one thread: the two cost the same at ~5k of 200k and ~10k of 1M rows.
GATHER_MIN = 4096
GATHER_SHARE = 1 / 100


def gather_limit(total: int) -> int:
    """Largest filter size that is cheaper to score by gathering rows than by a masked scan."""
    return max(GATHER_MIN, int(total * GATHER_SHARE))


def codes_view(flat: Any) -> NDArray[np.uint8]:
    """The (ntotal, code_size) uint8 codes of a faiss IndexFlatCodes, without copying.

    The view dies with the next add/remove (the vector may reallocate): take it per operation.
    """
    n, size = int(flat.ntotal), int(flat.code_size)
    if n == 0:
        return np.empty((0, size), np.uint8)
    raw: NDArray[np.uint8] = faiss.rev_swig_ptr(flat.codes.data(), n * size)
    return raw.reshape(n, size)


def decode_rows(flat: Any, positions: NDArray[np.int64]) -> NDArray[np.float32]:
    """Reconstructed float32 vectors at `positions` (exact for IndexFlat, approximate for SQ)."""
    codes = codes_view(flat)[positions]
    decoded: NDArray[np.float32] = flat.sa_decode(codes)
    return decoded


def bitmap_selector(bits: NDArray[np.uint8]) -> Any:
    """A faiss IDSelectorBitmap over positions from a little-endian packed mask.

    IDSelectorBatch hashes every id and IDSelectorArray is a linear scan per test; since faiss
    labels here are positions, a bitmap (n/8 bytes, O(1) test) is the smallest and fastest.
    The selector keeps a reference to `bits`, so the array outlives the search.
    """
    return faiss.IDSelectorBitmap(bits)


def pack_mask(mask: NDArray[np.bool_]) -> NDArray[np.uint8]:
    """A boolean position mask in the bit layout IDSelectorBitmap reads."""
    return np.packbits(mask, bitorder="little")


def flat_search(
    flat: Any, queries: NDArray[np.float32], k: int, bits: NDArray[np.uint8] | None
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Exact scan of a flat-codes index, restricted to the positions set in `bits`."""
    params = None if bits is None else faiss.SearchParameters(sel=bitmap_selector(bits))
    scores, labels = flat.search(queries, k, params=params)
    return labels.astype(np.int64, copy=False), scores.astype(np.float32, copy=False)


def complete_rows(labels: NDArray[np.int64], k: int) -> NDArray[np.bool_]:
    """Per query, whether faiss filled all k slots (it pads short rows with -1)."""
    if labels.shape[1] < k:
        return np.zeros(labels.shape[0], np.bool_)
    return np.asarray((labels[:, :k] >= 0).all(axis=1), dtype=np.bool_)


def search_then_finish(
    index: Any,
    queries: NDArray[np.float32],
    k: int,
    params: Any,
    exact: Callable[[NDArray[np.float32]], tuple[NDArray[np.int64], NDArray[np.float32]]],
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """An approximate faiss search whose short rows are finished by `exact`.

    Approximate indexes can return fewer than k results under a filter (the probed lists or
    the explored graph held too few allowed vectors); those queries are answered exactly, so
    a filtered query still returns k results whenever k exist.
    """
    scores, labels = index.search(queries, k, params=params)
    labels = labels.astype(np.int64, copy=False)
    scores = scores.astype(np.float32, copy=False)
    short = np.flatnonzero(~complete_rows(labels, k))
    if short.size:
        labels[short], scores[short] = exact(queries[short])
    return labels, scores


def sq8_range(sq_index: Any) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Per-dimension (low, high) that an 8-bit scalar quantiser encodes without clipping."""
    trained = faiss.vector_to_array(sq_index.sq.trained).astype(np.float32)
    dim = int(sq_index.d)
    low, width = trained[:dim], trained[dim:]
    return low, low + width


def _train_range(sq_index: Any, low: NDArray[np.float32], high: NDArray[np.float32]) -> None:
    # Training on exactly two rows, the corners, makes faiss's min/max statistics equal them.
    width = np.maximum(high - low, SQ8_MIN_WIDTH)
    centre = (low + high) / 2
    corners = np.stack([centre - width / 2, centre + width / 2]).astype(np.float32)
    sq_index.sq.rangestat = faiss.ScalarQuantizer.RS_minmax
    sq_index.sq.rangestat_arg = 0.0
    sq_index.train(corners)


def unit_range(matrix: NDArray[np.float32]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Per-dimension (min, max) of the rows of `matrix` once normalised, block by block."""
    low = np.full(matrix.shape[1], np.inf, np.float32)
    high = np.full(matrix.shape[1], -np.inf, np.float32)
    for block in row_blocks(matrix.shape[0], SLICE_BLOCK):
        unit = unit_rows(matrix[block])
        low = np.minimum(low, unit.min(axis=0))
        high = np.maximum(high, unit.max(axis=0))
    return low, high


def fit_sq8(sq_index: Any, new_low: NDArray[np.float32], new_high: NDArray[np.float32]) -> bool:
    """Make sure the quantiser's range covers [new_low, new_high] before vectors are added.

    The first call trains on the batch's range plus a margin. A later batch that falls outside
    the range widens it and re-encodes the stored codes in place, block by block, so
    quantisation never silently clips; slots, and any graph built over them, stay valid.
    Returns True when stored codes were re-encoded.
    """
    margin = (new_high - new_low) * SQ8_MARGIN
    if not sq_index.is_trained or int(sq_index.ntotal) == 0:
        _train_range(sq_index, new_low - margin, new_high + margin)
        return False
    low, high = sq8_range(sq_index)
    if bool((new_low >= low).all() and (new_high <= high).all()):
        return False
    old = faiss.ScalarQuantizer(int(sq_index.d), faiss.ScalarQuantizer.QT_8bit)
    old.train(np.stack([low, high]).astype(np.float32))
    _train_range(
        sq_index,
        np.minimum(low, new_low - margin),
        np.maximum(high, new_high + margin),
    )
    codes = codes_view(sq_index)
    logger.info("re-encoding %d vectors for a wider 8-bit range", codes.shape[0])
    for block in row_blocks(codes.shape[0], SLICE_BLOCK):
        codes[block] = sq_index.sa_encode(old.decode(codes[block]))
    return True


class FaissIndexBase(SlotIndexBase):
    """What the faiss-backed kinds share: storage codes as slot keys, exact paths, files.

    faiss labels are slot numbers (0..ntotal-1), so faiss never needs an IndexIDMap and slot
    numbers double as bitmap offsets for filtering.
    """

    def _storage(self) -> Any:
        """The flat-codes faiss index holding one code per slot."""
        raise NotImplementedError

    def _faiss_index(self) -> Any:
        """The faiss object that `save` writes (the storage, or a graph around it)."""
        raise NotImplementedError

    def _encode(self, unit: NDArray[np.float32]) -> NDArray[np.uint8]:
        codes: NDArray[np.uint8] = self._storage().sa_encode(unit)
        return codes

    def _stored_codes(self, slots: NDArray[np.int64]) -> NDArray[np.uint8]:
        return codes_view(self._storage())[slots]

    def _all_codes(self) -> NDArray[np.uint8]:
        return codes_view(self._storage())

    def _decode(self, slots: NDArray[np.int64]) -> NDArray[np.float32]:
        return decode_rows(self._storage(), slots)

    def _exact(
        self, queries: NDArray[np.float32], k: int, allowed: AllowedSet | None
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Exact top-k slots over `allowed` (None: every live slot); k <= their number."""
        storage = self._storage()
        if allowed is not None and allowed.positions.size <= gather_limit(self._map.total):
            blocks = gather_blocks(allowed.positions, lambda p: decode_rows(storage, p))
            return scan_top_k(queries, k, blocks)
        return flat_search(storage, queries, k, self._bits(allowed))

    def _bits(self, allowed: AllowedSet | None) -> NDArray[np.uint8] | None:
        """The bitmap a faiss search must honour: the filter, else the live slots."""
        if allowed is not None:
            return allowed.bits
        return None if self._map.dead == 0 else self._map.live_bits()

    def _write_storage(self, directory: Path) -> None:
        faiss.write_index(self._faiss_index(), str(directory / "index.faiss"))

    @classmethod
    def _read_faiss(cls, directory: Path, dim: int) -> Any:
        """The saved faiss index, checked for dimension."""
        try:
            index = faiss.read_index(str(Path(directory) / "index.faiss"))
        except RuntimeError as exc:
            raise IndexFormatError(f"unreadable faiss index in {directory}: {exc}") from exc
        if int(index.d) != dim:
            raise IndexFormatError(f"{directory}: faiss holds {index.d}-d vectors, not {dim}")
        return index
