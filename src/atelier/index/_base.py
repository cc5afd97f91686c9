"""SlotIndexBase: the id bookkeeping, validation, upserts and result expansion every kind shares."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from atelier.index._arrays import (
    as_ids,
    as_matrix,
    last_occurrence,
    row_blocks,
    sorted_unique,
    unit_rows,
)
from atelier.index._persist import (
    check_count,
    load_array,
    read_manifest,
    save_array,
    save_directory,
)
from atelier.index._slotmap import SlotMap, code_hashes, load_slot_map
from atelier.index.errors import IndexFormatError, InvalidInputError
from atelier.index.filter import AllowedSet
from atelier.index.protocol import SearchResult


class SlotIndexBase:
    """A vector index whose storage holds one slot per distinct vector, shared by its ids.

    Subclasses store and score slots; this class maps ids to them (see SlotMap), validates
    input, and turns best slots back into best ids.
    """

    kind: ClassVar[str]

    def __init__(self, dim: int) -> None:
        if dim <= 0:
            raise InvalidInputError(f"dim must be positive, got {dim}")
        self._dim = int(dim)
        self._map = SlotMap()

    # -- what a storage kind provides -------------------------------------------------------

    def _prepare_storage(self, matrix: NDArray[np.float32]) -> bool:
        """Get ready to store `matrix` (raw rows); True if stored codes were re-encoded."""
        return False

    def _encode(self, unit: NDArray[np.float32]) -> NDArray[np.uint8]:
        """The bytes that will be stored for each unit row: equal bytes share a slot."""
        raise NotImplementedError

    def _stored_codes(self, slots: NDArray[np.int64]) -> NDArray[np.uint8]:
        """The stored bytes of some slots."""
        raise NotImplementedError

    def _all_codes(self) -> NDArray[np.uint8]:
        """The stored bytes of every slot, in slot order."""
        raise NotImplementedError

    def _reserve(self, extra: int) -> None:
        """Room for up to `extra` more slots is about to be needed (a hint; default no-op)."""

    def _append(self, unit: NDArray[np.float32]) -> None:
        """Store unit rows as the next slots."""
        raise NotImplementedError

    def _drop(self, dead: NDArray[np.int64]) -> None:
        """Deal with slots no id uses any more (compact now, or leave tombstones)."""
        raise NotImplementedError

    def _decode(self, slots: NDArray[np.int64]) -> NDArray[np.float32]:
        """Stored vectors of some slots as float32."""
        raise NotImplementedError

    def _search_slots(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: AllowedSet | None,
        effort: float = 1.0,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Best k slots per query (k <= eligible slots, so no row may come back short)."""
        raise NotImplementedError

    # -- the protocol ------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return len(self._map)

    @property
    def slots(self) -> int:
        """Distinct stored vectors (live slots); fewer than len() when ids share vectors."""
        return self._map.live_slots

    def ids(self) -> NDArray[np.int64]:
        return self._map.ids.copy()

    def contains(self, ids: NDArray[np.int64]) -> NDArray[np.bool_]:
        return self._map.rows(as_ids(ids)) >= 0

    def allowed_set(self, ids: NDArray[np.int64]) -> AllowedSet:
        return self._map.allowed_set(as_ids(ids, "allowed"))

    def get_vectors(self, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        wanted = as_ids(ids)
        slots = self._map.slots(wanted)
        if bool((slots < 0).any()):
            raise KeyError(f"ids not in the index: {wanted[slots < 0][:10].tolist()}")
        return self._decode(slots)

    def add(self, ids: NDArray[np.int64], vectors: NDArray[np.float32]) -> None:
        new_ids = as_ids(ids)
        matrix = as_matrix(vectors, self._dim)
        if matrix.shape[0] != new_ids.size:
            raise InvalidInputError(f"{new_ids.size} ids for {matrix.shape[0]} vectors")
        keep = last_occurrence(new_ids)
        if keep.size < new_ids.size:
            new_ids, matrix = new_ids[keep], matrix[keep]
        if new_ids.size == 0:
            return
        if self._prepare_storage(matrix):
            self._map.set_hashes(code_hashes(self._all_codes()))
        self._reserve(new_ids.size)
        freed: list[NDArray[np.int64]] = []
        for block in row_blocks(new_ids.size):
            unit = unit_rows(matrix[block])
            # Place before dropping the ids' old slots, so re-adding an unchanged vector finds
            # its own slot still live and nothing moves.
            slots, leaders = self._map.place(self._encode(unit), self._stored_codes)
            self._append(unit[leaders])
            freed.append(self._map.unassign(new_ids[block]))
            self._map.assign(new_ids[block], slots)
        candidates = sorted_unique(np.concatenate(freed))
        dead = candidates[self._map.counts[candidates] == 0]
        if dead.size:
            self._drop(dead)

    def remove(self, ids: NDArray[np.int64]) -> None:
        dead = self._map.unassign(as_ids(ids))
        if dead.size:
            self._drop(dead)

    def search(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: NDArray[np.int64] | AllowedSet | None = None,
        *,
        effort: float = 1.0,
    ) -> SearchResult:
        if k <= 0:
            raise InvalidInputError(f"k must be positive, got {k}")
        if not 0.0 < effort <= 1.0:
            raise InvalidInputError(f"effort must be in (0, 1], got {effort}")
        query_rows = unit_rows(as_matrix(queries, self._dim, "queries"))
        resolved = self._map.resolve(allowed)
        if resolved is None:
            eligible_ids, eligible_slots = len(self._map), self._map.live_slots
        else:
            eligible_ids, eligible_slots = len(resolved), int(resolved.positions.size)
        k_ids = min(k, eligible_ids)
        if k_ids == 0:
            return SearchResult.empty(query_rows.shape[0])
        # Every slot holds at least one eligible id, so the best k_ids ids lie in the best
        # k_ids slots (or all of them, when there are fewer).
        slots, scores = self._search_slots(query_rows, min(k_ids, eligible_slots), resolved, effort)
        ids, scores = self._map.expand(slots, scores, k_ids, resolved)
        return SearchResult(ids=ids, scores=scores)

    # -- persistence -------------------------------------------------------------------------

    def _params(self) -> dict[str, Any]:
        return {}

    def _write_storage(self, directory: Path) -> None:
        raise NotImplementedError

    def save(self, directory: Path) -> None:
        def write(tmp: Path) -> None:
            self._write_storage(tmp)
            save_array(tmp / "ids.npy", np.asarray(self._map.ids))
            save_array(tmp / "slots.npy", np.asarray(self._map.slot_of))

        manifest = {
            "kind": self.kind,
            "dim": self._dim,
            "count": len(self),
            "slots": self._map.total,
            "params": self._params(),
        }
        save_directory(directory, manifest, write)

    @classmethod
    def _read_common(cls, directory: Path) -> tuple[dict[str, Any], Any, Any]:
        """Manifest, ids and slot numbers of a saved index of this kind."""
        directory = Path(directory)
        manifest = read_manifest(directory, cls.kind)
        ids = load_array(directory / "ids.npy", np.int64, 1)
        if manifest["version"] == 1:
            # Version 1 stored the id of each storage position (plus a live mask for HNSW
            # tombstones): every position becomes a slot of its own.
            live_path = directory / "live.npy"
            live = load_array(live_path, np.bool_, 1) if live_path.exists() else None
            positions = np.arange(ids.size) if live is None else np.flatnonzero(live)
            order = np.argsort(ids[positions], kind="stable")
            ids, slot_of = ids[positions][order], positions[order].astype(np.int64)
        else:
            slot_of = load_array(directory / "slots.npy", np.int64, 1)
        check_count(directory, manifest, ids.size)
        return manifest, ids, slot_of

    def _attach_map(self, directory: Path, ids: Any, slot_of: Any, total: int) -> None:
        """Rebuild the slot map over freshly loaded storage holding `total` slots."""
        codes = self._all_codes()
        if codes.shape[0] != total:
            raise IndexFormatError(f"{directory}: storage holds {codes.shape[0]} of {total} slots")
        self._map = load_slot_map(Path(directory), ids, slot_of, code_hashes(codes))
