"""Maps many int64 ids onto shared storage slots, one slot per distinct stored vector."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from atelier.index._arrays import as_ids, sorted_unique
from atelier.index.errors import IndexFormatError
from atelier.index.filter import AllowedSet

_UIDS = itertools.count()
# Above this many needles, sorting them first makes the binary searches walk memory in order,
# about 8x faster than random probes into a 1M-entry array.
_SORT_NEEDLES = 2048
# Odd 64-bit multipliers for a multiply-add hash of code bytes; fixed so hashes can be
# recomputed identically after a load instead of being stored.
_HASH_WORDS = np.random.default_rng(20230704).integers(1, 2**63, size=4096, dtype=np.uint64) | 1


def code_hashes(codes: NDArray[np.uint8]) -> NDArray[np.uint64]:
    """A 64-bit hash per row of stored-code bytes; equal codes always hash equal."""
    n, width = codes.shape
    padded = -width % 8
    if padded:
        codes = np.concatenate([codes, np.zeros((n, padded), np.uint8)], axis=1)
    words = np.ascontiguousarray(codes).view(np.uint64)
    if words.shape[1] > _HASH_WORDS.size:
        raise ValueError("vectors wider than 32 KB are not supported")
    with np.errstate(over="ignore"):
        mixed = (words * _HASH_WORDS[: words.shape[1]]).sum(axis=1, dtype=np.uint64)
        mixed ^= mixed >> np.uint64(29)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(32)
    return np.asarray(mixed, dtype=np.uint64)


class SlotMap:
    """Ids -> slots (storage positions) with reference counts, and slots -> ids back.

    Civitai reuses prompts heavily: in the 2023 catalog 43% of image embeddings are exact
    copies of another. Storing each distinct vector once saves that memory and scan time, and
    keeps HNSW navigable (hundreds of identical points otherwise fill each other's neighbour
    lists and cut the graph). A slot whose count drops to zero is dead: the owner either
    compacts it away or, for HNSW, leaves a tombstone the searches skip.

    Everything is sorted int64 arrays, not dicts: ~64 bytes per id at 1M instead of ~200.
    """

    def __init__(
        self,
        ids: NDArray[np.int64] | None = None,
        slot_of: NDArray[np.int64] | None = None,
        hashes: NDArray[np.uint64] | None = None,
    ) -> None:
        """Ids must be sorted and unique, `slot_of` aligned with them, one hash per slot."""
        self._ids = np.empty(0, np.int64) if ids is None else np.asarray(ids, np.int64)
        self._slot_of = np.empty(0, np.int64) if slot_of is None else np.asarray(slot_of, np.int64)
        self.hashes = np.empty(0, np.uint64) if hashes is None else np.asarray(hashes, np.uint64)
        if self._ids.shape != self._slot_of.shape:
            raise ValueError("ids and slots differ in length")
        if self._ids.size > 1 and not bool((np.diff(self._ids) > 0).all()):
            raise ValueError("ids are not sorted and unique (duplicate ids?)")
        if self._slot_of.size and not (
            int(self._slot_of.min()) >= 0 and int(self._slot_of.max()) < self.hashes.size
        ):
            raise ValueError("a slot number is out of range")
        self.counts = np.bincount(self._slot_of, minlength=self.hashes.size).astype(np.int64)
        self._uid = next(_UIDS)
        self._generation = 0
        self._changed()

    # -- state -----------------------------------------------------------------------------

    @property
    def token(self) -> tuple[int, int]:
        """Changes whenever ids or slots change; AllowedSets resolved earlier go stale."""
        return self._uid, self._generation

    def _changed(self) -> None:
        self._generation += 1
        self._csr: tuple[NDArray[np.int64], NDArray[np.int64]] | None = None
        self._hash_index: tuple[NDArray[np.uint64], NDArray[np.int64]] | None = None
        self._live_bits: NDArray[np.uint8] | None = None

    def __len__(self) -> int:
        return int(self._ids.size)

    @property
    def total(self) -> int:
        """Slots in storage, live or dead."""
        return int(self.hashes.size)

    @property
    def live_slots(self) -> int:
        """Slots holding at least one id."""
        return int(np.count_nonzero(self.counts))

    @property
    def dead(self) -> int:
        """Slots no id refers to any more."""
        return self.total - self.live_slots

    @property
    def ids(self) -> NDArray[np.int64]:
        """Every id, sorted (read-only view)."""
        view = self._ids.view()
        view.flags.writeable = False
        return view

    @property
    def slot_of(self) -> NDArray[np.int64]:
        """The slot of each id in `ids` (read-only view)."""
        view = self._slot_of.view()
        view.flags.writeable = False
        return view

    def nbytes(self) -> int:
        """Bytes held by the map's arrays, caches included."""
        arrays = [self._ids, self._slot_of, self.hashes, self.counts]
        arrays += list(self._csr or ()) + list(self._hash_index or ())
        return sum(int(a.nbytes) for a in arrays)

    # -- lookups ---------------------------------------------------------------------------

    def rows(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Index of each id in `ids` order, -1 where absent."""
        if self._ids.size == 0:
            return np.full(ids.shape, -1, np.int64)
        found = np.minimum(np.searchsorted(self._ids, ids), self._ids.size - 1)
        return np.where(self._ids[found] == ids, found, -1).astype(np.int64)

    def slots(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Slot of each id, -1 where absent."""
        rows = self.rows(ids)
        return np.where(rows >= 0, self._slot_of[np.maximum(rows, 0)], -1).astype(np.int64)

    def live_mask(self) -> NDArray[np.bool_]:
        """Boolean mask over slots, True where live."""
        return self.counts > 0

    def live_bits(self) -> NDArray[np.uint8]:
        """`live_mask` packed for faiss's IDSelectorBitmap, cached until the next change."""
        if self._live_bits is None:
            self._live_bits = np.packbits(self.live_mask(), bitorder="little")
        return self._live_bits

    def allowed_set(self, ids: NDArray[np.int64]) -> AllowedSet:
        """Resolve `ids` to the slots holding them, reusable until the map changes."""
        needles = np.sort(ids) if ids.size > _SORT_NEEDLES else ids
        rows = self.rows(needles)
        rows = sorted_unique(rows[rows >= 0])
        slots = sorted_unique(self._slot_of[rows])
        return AllowedSet(ids, rows, slots, self.total, self.token)

    def resolve(self, allowed: object) -> AllowedSet | None:
        """An up-to-date AllowedSet for a search's `allowed` argument (ids or an AllowedSet)."""
        if allowed is None:
            return None
        if isinstance(allowed, AllowedSet):
            if allowed.token == self.token:
                return allowed
            return self.allowed_set(allowed.ids)
        return self.allowed_set(as_ids(allowed, "allowed"))

    # -- slots -> ids ----------------------------------------------------------------------

    def _slot_rows(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """CSR of slot -> id rows: rows[start[s]:start[s + 1]] belong to slot s, ids ascending."""
        if self._csr is None:
            order = np.argsort(self._slot_of, kind="stable").astype(np.int64)
            start = np.searchsorted(self._slot_of[order], np.arange(self.total + 1))
            self._csr = (order, start.astype(np.int64))
        return self._csr

    def expand(
        self,
        slots: NDArray[np.int64],
        scores: NDArray[np.float32],
        k: int,
        allowed: AllowedSet | None,
    ) -> tuple[NDArray[np.int64], NDArray[np.float32]]:
        """Best-first slots per query -> the first k (allowed) ids they hold, best first.

        Ids sharing a slot share its score; they come out in ascending id order.
        """
        order, start = self._slot_rows()
        sizes = start[slots + 1] - start[slots]
        if bool((sizes == 1).all()) and slots.shape[1] >= k:
            # The common case: no duplicates among these results, a straight lookup.
            return self._ids[order[start[slots[:, :k]]]], scores[:, :k]
        out_ids = np.empty((slots.shape[0], k), np.int64)
        out_scores = np.empty((slots.shape[0], k), np.float32)
        for query, (row_slots, row_scores) in enumerate(zip(slots, scores, strict=True)):
            rows = np.concatenate([order[start[s] : start[s + 1]] for s in row_slots])
            row_score = np.repeat(row_scores, sizes[query])
            if allowed is not None:
                # Binary search, not np.isin: the allowed rows may number hundreds of thousands.
                at = np.minimum(np.searchsorted(allowed.rows, rows), allowed.rows.size - 1)
                keep = allowed.rows[at] == rows
                rows, row_score = rows[keep], row_score[keep]
            if rows.size < k:
                raise RuntimeError(f"slots held {rows.size} ids where {k} were promised")
            out_ids[query] = self._ids[rows[:k]]
            out_scores[query] = row_score[:k]
        return out_ids, out_scores

    # -- ids -> slots (mutations) ----------------------------------------------------------

    def unassign(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Drop ids (absent ones are ignored); returns the slots that became dead."""
        rows = self.rows(ids)
        rows = sorted_unique(rows[rows >= 0])
        if rows.size == 0:
            return np.empty(0, np.int64)
        freed = self._slot_of[rows]
        np.subtract.at(self.counts, freed, 1)
        self._ids = np.delete(self._ids, rows)
        self._slot_of = np.delete(self._slot_of, rows)
        self._changed()
        freed = sorted_unique(freed)
        dead: NDArray[np.int64] = freed[self.counts[freed] == 0]
        return dead

    def place(
        self,
        codes: NDArray[np.uint8],
        stored_codes: Callable[[NDArray[np.int64]], NDArray[np.uint8]],
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Slots for a batch of encoded vectors: an existing slot with the same code, else a
        new slot shared by the batch's identical codes.

        Returns (slot per row, rows whose vectors the owner must append, in slot order). The
        new slots are registered here with a zero count until `assign`.
        """
        hashes = code_hashes(codes)
        slot = self._match_existing(hashes, codes, stored_codes)
        pending = np.flatnonzero(slot < 0)
        leaders = np.empty(0, np.int64)
        if pending.size:
            by_hash = pending[np.argsort(hashes[pending], kind="stable")]
            run_start = np.append(True, hashes[by_hash][1:] != hashes[by_hash][:-1])
            run_index = np.maximum.accumulate(np.where(run_start, np.arange(by_hash.size), 0))
            leader_of = by_hash[run_index]
            # Equal hashes with unequal codes (never seen in practice) get slots of their own.
            same = (codes[by_hash] == codes[leader_of]).all(axis=1)
            is_leader = run_start | ~same
            leader_of = np.where(is_leader, by_hash, leader_of)
            leaders = np.sort(by_hash[is_leader])
            new_slot = np.full(codes.shape[0], -1, np.int64)
            new_slot[leaders] = self.total + np.arange(leaders.size)
            slot[by_hash] = new_slot[leader_of]
            self.hashes = np.concatenate([self.hashes, hashes[leaders]])
            self.counts = np.concatenate([self.counts, np.zeros(leaders.size, np.int64)])
            self._changed()
        return slot, leaders

    def _match_existing(
        self,
        hashes: NDArray[np.uint64],
        codes: NDArray[np.uint8],
        stored_codes: Callable[[NDArray[np.int64]], NDArray[np.uint8]],
    ) -> NDArray[np.int64]:
        slot = np.full(hashes.size, -1, np.int64)
        if self.total == 0:
            return slot
        if self._hash_index is None:
            # Dead slots count too: one still in storage (an HNSW tombstone, or a slot freed
            # earlier in the same add) can simply be revived, with no new insert.
            order = np.argsort(self.hashes, kind="stable").astype(np.int64)
            self._hash_index = (self.hashes[order], order)
        keys, key_slots = self._hash_index
        found = np.minimum(np.searchsorted(keys, hashes), keys.size - 1)
        candidates = np.flatnonzero(keys[found] == hashes)
        if candidates.size:
            matched = key_slots[found[candidates]]
            same = (stored_codes(matched) == codes[candidates]).all(axis=1)
            slot[candidates[same]] = matched[same]
        return slot

    def assign(self, ids: NDArray[np.int64], slots: NDArray[np.int64]) -> None:
        """Point new (absent, unique) ids at slots."""
        order = np.argsort(ids, kind="stable")
        at = np.searchsorted(self._ids, ids[order])
        self._ids = np.insert(self._ids, at, ids[order])
        self._slot_of = np.insert(self._slot_of, at, slots[order])
        np.add.at(self.counts, slots, 1)
        self._changed()

    def set_hashes(self, hashes: NDArray[np.uint64]) -> None:
        """Replace every slot's hash after the owner re-encoded its codes."""
        self.hashes = np.asarray(hashes, np.uint64)
        self._changed()

    # -- compaction ------------------------------------------------------------------------

    def keep(self, mask: NDArray[np.bool_]) -> None:
        """Drop the (dead) slots where `mask` is False, keeping the others' order."""
        if bool((self.counts[~mask] > 0).any()):
            raise ValueError("cannot drop a live slot")
        renumber = np.cumsum(mask) - 1
        self._slot_of = renumber[self._slot_of].astype(np.int64)
        self.hashes = self.hashes[mask]
        self.counts = self.counts[mask]
        self._changed()

    def swap_remove(self, dead: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Drop dead slots by moving the last slots into the holes (O(dead), not O(n)).

        Returns (sources, destinations): the owner moves its row at each source slot to the
        matching destination, then truncates its storage to the new `total`.
        """
        dead = sorted_unique(dead)
        new_total = self.total - dead.size
        holes = dead[dead < new_total]
        tail = np.arange(new_total, self.total, dtype=np.int64)
        sources = np.setdiff1d(tail, dead, assume_unique=True)
        renumber = np.arange(self.total, dtype=np.int64)
        renumber[sources] = holes
        self._slot_of = renumber[self._slot_of]
        self.hashes[holes] = self.hashes[sources]
        self.counts[holes] = self.counts[sources]
        self.hashes = self.hashes[:new_total].copy()
        self.counts = self.counts[:new_total].copy()
        self._changed()
        return sources, holes


def load_slot_map(
    directory: Path,
    ids: NDArray[np.int64],
    slot_of: NDArray[np.int64],
    hashes: NDArray[np.uint64],
) -> SlotMap:
    """A SlotMap from saved arrays; inconsistent arrays are a format error, not a crash later."""
    try:
        return SlotMap(ids, slot_of, hashes)
    except ValueError as exc:
        raise IndexFormatError(f"{directory}: {exc}") from exc
