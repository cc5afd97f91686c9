"""FaissSQ8Index: exact scan over 8-bit scalar-quantised codes, a quarter of float32's memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from atelier.index._faiss import (
    FaissIndexBase,
    bitmap_selector,
    faiss,
    fit_sq8,
    pack_mask,
    unit_range,
)
from atelier.index.errors import IndexFormatError
from atelier.index.filter import AllowedSet


def new_sq8(dim: int) -> Any:
    """An empty inner-product IndexScalarQuantizer with one byte per dimension."""
    return faiss.IndexScalarQuantizer(
        dim, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )


class FaissSQ8Index(FaissIndexBase):
    """Brute force over uint8 codes: 384 bytes per distinct 384-d vector (384 MB per 1M).

    Every query scans all codes, so latency grows linearly with n; recall against float32 is
    ~0.99 because only the per-dimension rounding differs. Slots no id uses are compacted
    away at once, so there are never tombstones.
    """

    kind: ClassVar[str] = "sq8"

    def __init__(self, dim: int) -> None:
        super().__init__(dim)
        self._index = new_sq8(self._dim)

    def _storage(self) -> Any:
        return self._index

    def _faiss_index(self) -> Any:
        return self._index

    def _prepare_storage(self, matrix: NDArray[np.float32]) -> bool:
        return fit_sq8(self._index, *unit_range(matrix))

    def _append(self, unit: NDArray[np.float32]) -> None:
        if unit.shape[0]:
            self._index.add(unit)

    def _drop(self, dead: NDArray[np.int64]) -> None:
        doomed = np.zeros(self._map.total, np.bool_)
        doomed[dead] = True
        # faiss compacts the codes preserving order, exactly like SlotMap.keep.
        self._index.remove_ids(bitmap_selector(pack_mask(doomed)))
        self._map.keep(~doomed)

    def _search_slots(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: AllowedSet | None,
        effort: float = 1.0,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        # Every path is an exact scan over the codes, so no row can come back short.
        return self._exact(queries, k, allowed)

    def memory_bytes(self) -> int:
        return int(self._index.ntotal) * int(self._index.code_size) + self._map.nbytes()

    @classmethod
    def load(cls, directory: Path) -> Self:
        manifest, ids, slot_of = cls._read_common(directory)
        index = cls._read_faiss(directory, int(manifest["dim"]))
        # read_index already returns the concrete class; a downcast wrapper would not own it.
        if not isinstance(index, faiss.IndexScalarQuantizer):
            raise IndexFormatError(f"{directory} does not hold an 8-bit scalar quantiser")
        loaded = cls(int(index.d))
        loaded._index = index
        loaded._attach_map(Path(directory), ids, slot_of, int(index.ntotal))
        return loaded
