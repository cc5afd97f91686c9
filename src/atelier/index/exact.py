"""ExactIndex: brute-force cosine search over a float32 matrix; the reference for recall."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from atelier.index._arrays import Block, gather_blocks, row_blocks, scan_block_rows, scan_top_k
from atelier.index._base import SlotIndexBase
from atelier.index._persist import load_array, save_array
from atelier.index.errors import IndexFormatError
from atelier.index.filter import AllowedSet

# Below this share of the slots, a filter is scored by gathering just the allowed rows; above
# it, a masked full scan avoids copying most of the matrix.
GATHER_FRACTION = 0.25


class ExactIndex(SlotIndexBase):
    """Every score computed exactly: 4 bytes per dimension per vector (1.5 GB per 1M x 384).

    Best for small collections (LoRAs) and as ground truth; scans are O(n) per query.
    """

    kind: ClassVar[str] = "exact"

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        # Spare capacity grows by 25% so repeated small adds stay amortised O(1) without the
        # 2x peak memory of doubling.
        self._data = np.empty((0, self._dim), np.float32)
        self._used = 0

    @property
    def _rows(self) -> NDArray[np.float32]:
        return self._data[: self._used]

    def _encode(self, unit: NDArray[np.float32]) -> NDArray[np.uint8]:
        return unit.view(np.uint8)

    def _stored_codes(self, slots: NDArray[np.int64]) -> NDArray[np.uint8]:
        return np.ascontiguousarray(self._data[slots]).view(np.uint8)

    def _all_codes(self) -> NDArray[np.uint8]:
        return np.ascontiguousarray(self._rows).view(np.uint8)

    def _decode(self, slots: NDArray[np.int64]) -> NDArray[np.float32]:
        return self._data[slots].copy()

    def _reserve(self, extra: int) -> None:
        # One growth per add call: a 1M-row bulk load gets exactly 1M rows, not 1.25M.
        needed = self._used + extra
        if needed > self._data.shape[0]:
            capacity = max(needed, int(self._data.shape[0] * 1.25))
            grown = np.empty((capacity, self._dim), np.float32)
            grown[: self._used] = self._rows
            self._data = grown

    def _append(self, unit: NDArray[np.float32]) -> None:
        self._reserve(unit.shape[0])
        needed = self._used + unit.shape[0]
        self._data[self._used : needed] = unit
        self._used = needed

    def _drop(self, dead: NDArray[np.int64]) -> None:
        sources, destinations = self._map.swap_remove(dead)
        self._data[destinations] = self._data[sources]
        self._used = self._map.total
        if self._used < self._data.shape[0] // 2:
            # Give memory back after a large delete.
            self._data = self._rows.copy()

    def _search_slots(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: AllowedSet | None,
        effort: float = 1.0,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        if allowed is None:
            blocks: Iterator[Block] = self._slice_blocks(None, queries.shape[0])
        elif allowed.positions.size <= GATHER_FRACTION * self._used:
            blocks = gather_blocks(allowed.positions, lambda p: self._data[p])
        else:
            blocks = self._slice_blocks(allowed.mask, queries.shape[0])
        return scan_top_k(queries, k, blocks)

    def _slice_blocks(self, mask: NDArray[np.bool_] | None, n_queries: int) -> Iterator[Block]:
        # Slices are views, so a broad filter costs a matmul over every row but no row copies.
        for block in row_blocks(self._used, scan_block_rows(n_queries)):
            keep = None if mask is None else mask[block]
            yield np.arange(block.start, block.stop, dtype=np.int64), self._data[block], keep

    def memory_bytes(self) -> int:
        return int(self._data.nbytes) + self._map.nbytes()

    def _write_storage(self, directory: Path) -> None:
        save_array(directory / "vectors.npy", self._rows)

    @classmethod
    def load(cls, directory: Path) -> Self:
        manifest, ids, slot_of = cls._read_common(directory)
        index = cls(int(manifest["dim"]))
        vectors = load_array(Path(directory) / "vectors.npy", np.float32, 2)
        if vectors.shape[1] != index.dim:
            raise IndexFormatError(
                f"{directory}: {vectors.shape[1]}-d vectors, manifest says {index.dim}"
            )
        index._data = np.ascontiguousarray(vectors)
        index._used = vectors.shape[0]
        index._attach_map(Path(directory), ids, slot_of, vectors.shape[0])
        return index
