"""AllowedSet: a filter resolved to one index's ids and storage slots, reusable across searches."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class AllowedSet:
    """The ids a search may return, resolved once against one state of one index.

    Resolving ids costs a sort and a binary search per id (tens of ms for 300k ids), too slow
    to repeat per request for broad filters such as "content level PG". Build one with
    `index.allowed_set(ids)` and pass it as `allowed=` as often as needed; once the index
    changes it is re-resolved from its ids on next use, so it is never wrong, only slower.
    """

    __slots__ = ("_bits", "_mask", "ids", "positions", "rows", "token", "total")

    def __init__(
        self,
        ids: NDArray[np.int64],
        rows: NDArray[np.int64],
        positions: NDArray[np.int64],
        total: int,
        token: tuple[int, int],
    ) -> None:
        self.ids = ids
        # Sorted rows of the index's id table that are allowed (one per allowed id present).
        self.rows = rows
        # Sorted storage slots holding at least one allowed id.
        self.positions = positions
        self.total = total
        self.token = token
        self._mask: NDArray[np.bool_] | None = None
        self._bits: NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        """Number of allowed ids present in the index."""
        return int(self.rows.size)

    @property
    def mask(self) -> NDArray[np.bool_]:
        """Boolean mask over every storage slot, True where a slot holds an allowed id."""
        if self._mask is None:
            self._mask = np.zeros(self.total, np.bool_)
            self._mask[self.positions] = True
        return self._mask

    @property
    def bits(self) -> NDArray[np.uint8]:
        """The mask packed little-endian, the layout faiss's IDSelectorBitmap reads."""
        if self._bits is None:
            self._bits = np.packbits(self.mask, bitorder="little")
        return self._bits
