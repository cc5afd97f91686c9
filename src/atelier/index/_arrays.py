"""Input validation and top-k helpers shared by every index kind."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import numpy as np
from numpy.typing import NDArray

from atelier.index.errors import DimensionMismatchError, InvalidInputError

# Rows scored per block: bounds the temporary (block, dim) copies and (q, block) score matrices
# so a 1M-row scan never allocates more than a few tens of MB at once.
GATHER_BLOCK = 8192
SLICE_BLOCK = 65536
# Cap on one block's (queries x rows) float32 score matrix: 16 MB.
_SCORE_CELLS = 1 << 22


def scan_block_rows(n_queries: int) -> int:
    """Rows per block for a scan answering `n_queries` at once."""
    return max(1024, min(SLICE_BLOCK, _SCORE_CELLS // max(n_queries, 1)))


def as_ids(ids: object, what: str = "ids") -> NDArray[np.int64]:
    """A 1-d int64 copy-free view of `ids`; rejects floats, which would silently truncate."""
    array = np.asarray(ids)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise InvalidInputError(f"{what} must be 1-d, got shape {array.shape}")
    if array.size == 0:
        return np.empty(0, dtype=np.int64)
    if not np.issubdtype(array.dtype, np.integer):
        raise InvalidInputError(f"{what} must be integers, got dtype {array.dtype}")
    if array.dtype == np.uint64 and int(array.max()) > np.iinfo(np.int64).max:
        raise InvalidInputError(f"{what} do not fit in int64")
    return np.ascontiguousarray(array, dtype=np.int64)


def as_matrix(vectors: object, dim: int, what: str = "vectors") -> NDArray[np.float32]:
    """A float32 (n, dim) view of `vectors` (copied only if the dtype differs), validated.

    A single (dim,) vector becomes one row. Zero or non-finite rows are rejected because they
    have no direction to compare; the check runs block by block so a 1M-row input never gets a
    full-size temporary, and it runs before any mutation so a bad row leaves the index untouched.
    """
    array = np.asarray(vectors, dtype=np.float32)
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2:
        raise InvalidInputError(f"{what} must be 1-d or 2-d, got shape {array.shape}")
    if array.shape[1] != dim:
        raise DimensionMismatchError(dim, array.shape[1], what)
    for start in range(0, array.shape[0], SLICE_BLOCK):
        block = array[start : start + SLICE_BLOCK]
        if not np.isfinite(block).all():
            raise InvalidInputError(f"{what} contain NaN or infinite values")
        if float(np.einsum("ij,ij->i", block, block).min()) == 0.0:
            raise InvalidInputError(f"{what} contain an all-zero vector, which has no direction")
    return array


def unit_rows(block: NDArray[np.float32]) -> NDArray[np.float32]:
    """A C-contiguous copy of `block` with every row scaled to unit length."""
    norms = np.sqrt(np.einsum("ij,ij->i", block, block))
    return np.ascontiguousarray(block / norms[:, None], dtype=np.float32)


def row_blocks(n_rows: int, size: int = SLICE_BLOCK) -> Iterator[slice]:
    """Consecutive slices covering range(n_rows) in steps of `size`."""
    for start in range(0, n_rows, size):
        yield slice(start, min(start + size, n_rows))


def last_occurrence(ids: NDArray[np.int64]) -> NDArray[np.int64]:
    """Indices into `ids` keeping only the last occurrence of each id, in input order.

    Within one `add` call a repeated id means "the later vector wins", as if added in turn.
    """
    order = np.argsort(ids, kind="stable")
    ordered = ids[order]
    # Stable order puts an id's last occurrence at the end of its run of equal values.
    is_last = np.append(ordered[1:] != ordered[:-1], True)
    if bool(is_last.all()):
        return np.arange(ids.size, dtype=np.int64)
    return np.sort(order[is_last]).astype(np.int64)


def sorted_unique(values: NDArray[np.int64]) -> NDArray[np.int64]:
    """np.unique for int64, several times faster on large arrays in numpy 2."""
    ordered = np.sort(values)
    if ordered.size > 1:
        ordered = ordered[np.append(True, ordered[1:] != ordered[:-1])]
    return ordered


def top_k(scores: NDArray[np.float32], k: int) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Column indices and values of the k largest scores per row, best first."""
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k <= 0:
        return np.empty((n_rows, 0), np.int64), np.empty((n_rows, 0), np.float32)
    if k < n_cols:
        # argpartition is O(n); only the k survivors get sorted.
        cols = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        cols = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
    values = np.take_along_axis(scores, cols, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    cols = np.take_along_axis(cols, order, axis=1).astype(np.int64)
    values = np.take_along_axis(values, order, axis=1).astype(np.float32, copy=False)
    return cols, values


Block = tuple[NDArray[np.int64], NDArray[np.float32], NDArray[np.bool_] | None]


def scan_top_k(
    queries: NDArray[np.float32], k: int, blocks: Iterable[Block]
) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
    """Exact top-k over (positions, rows, keep) blocks, keeping a running best-k per query.

    `keep`, when given, masks rows out by scoring them -inf; the caller guarantees at least k
    kept rows overall, so no masked row survives into the result.
    """
    n_queries = queries.shape[0]
    best_pos = np.empty((n_queries, 0), np.int64)
    best_scores = np.empty((n_queries, 0), np.float32)
    for positions, rows, keep in blocks:
        scores = queries @ rows.T
        if keep is not None:
            scores[:, ~keep] = -np.inf
        cols, values = top_k(scores, k)
        merged_pos = np.concatenate([best_pos, positions[cols]], axis=1)
        merged_scores = np.concatenate([best_scores, values], axis=1)
        cols, best_scores = top_k(merged_scores, k)
        best_pos = np.take_along_axis(merged_pos, cols, axis=1)
    return best_pos, best_scores


def gather_blocks(
    positions: NDArray[np.int64], rows: Callable[[NDArray[np.int64]], NDArray[np.float32]]
) -> Iterator[Block]:
    """Blocks scoring only the given positions, fetched GATHER_BLOCK rows at a time."""
    for start in range(0, positions.size, GATHER_BLOCK):
        chunk = positions[start : start + GATHER_BLOCK]
        yield chunk, rows(chunk), None
