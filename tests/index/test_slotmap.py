"""SlotMap against a plain dict model: ids share slots exactly when their stored codes match."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.typing import NDArray

from atelier.index._slotmap import SlotMap, code_hashes


class _Owner:
    """A fake storage kind: one code row per slot, compacted the way the real kinds do."""

    def __init__(self) -> None:
        self.map = SlotMap()
        self.codes = np.empty((0, 8), np.uint8)

    def stored(self, slots: NDArray[np.int64]) -> NDArray[np.uint8]:
        return self.codes[slots]

    def add(self, ids: NDArray[np.int64], codes: NDArray[np.uint8]) -> NDArray[np.int64]:
        slots, leaders = self.map.place(codes, self.stored)
        self.codes = np.concatenate([self.codes, codes[leaders]])
        freed = self.map.unassign(ids)
        self.map.assign(ids, slots)
        return freed[self.map.counts[freed] == 0]

    def compact(self, dead: NDArray[np.int64], swap: bool) -> None:
        if swap:
            sources, destinations = self.map.swap_remove(dead)
            self.codes[destinations] = self.codes[sources]
            self.codes = self.codes[: self.map.total]
        else:
            keep = np.ones(self.map.total, np.bool_)
            keep[dead] = False
            self.map.keep(keep)
            self.codes = self.codes[keep]


def _check(owner: _Owner, model: dict[int, bytes]) -> None:
    smap = owner.map
    assert len(smap) == len(model)
    ids = np.array(sorted(model), dtype=np.int64)
    np.testing.assert_array_equal(smap.ids, ids)
    slots = smap.slots(ids)
    for identifier, slot in zip(ids.tolist(), slots.tolist(), strict=True):
        assert owner.codes[slot].tobytes() == model[identifier]
    live = np.flatnonzero(smap.counts)
    assert len({owner.codes[s].tobytes() for s in live}) == live.size  # no two live copies
    np.testing.assert_array_equal(np.bincount(slots, minlength=smap.total), smap.counts)
    np.testing.assert_array_equal(smap.hashes[live], code_hashes(owner.codes[live]))


@pytest.mark.parametrize("swap", [True, False])
def test_ids_share_slots_through_random_adds_upserts_and_removals(swap: bool) -> None:
    rng = np.random.default_rng(int(swap))
    palette = rng.integers(0, 256, size=(12, 8), dtype=np.uint8)  # few codes: many shares
    owner, model = _Owner(), {}
    for _ in range(80):
        if rng.random() < 0.7 or not model:
            ids = np.unique(rng.integers(0, 60, size=int(rng.integers(1, 10)))).astype(np.int64)
            codes = palette[rng.integers(0, len(palette), size=ids.size)]
            dead = owner.add(ids, codes)
            model.update({int(i): c.tobytes() for i, c in zip(ids, codes, strict=True)})
        else:
            victims = rng.choice(list(model), size=min(3, len(model)), replace=False)
            dead = owner.map.unassign(victims.astype(np.int64))
            for victim in victims.tolist():
                model.pop(int(victim))
        if dead.size and rng.random() < 0.5:
            owner.compact(np.flatnonzero(owner.map.counts == 0), swap)
        _check(owner, model)


def test_expand_lists_every_id_of_a_shared_slot_and_honours_the_filter() -> None:
    owner = _Owner()
    codes = np.array([[1] * 8, [2] * 8, [1] * 8, [1] * 8], dtype=np.uint8)
    owner.add(np.array([40, 10, 30, 20], dtype=np.int64), codes)
    assert owner.map.live_slots == 2
    shared, single = owner.map.slots(np.array([40, 10], dtype=np.int64)).tolist()
    slots = np.array([[shared, single]], dtype=np.int64)
    scores = np.array([[0.9, 0.5]], dtype=np.float32)
    ids, out = owner.map.expand(slots, scores, 4, None)
    assert ids.tolist() == [[20, 30, 40, 10]]
    assert out[0].tolist() == pytest.approx([0.9, 0.9, 0.9, 0.5])
    allowed = owner.map.allowed_set(np.array([30, 10], dtype=np.int64))
    ids, _ = owner.map.expand(slots, scores, 2, allowed)
    assert ids.tolist() == [[30, 10]]


def test_hashes_are_stable_and_tell_codes_apart() -> None:
    codes = np.random.default_rng(0).integers(0, 256, size=(1000, 13), dtype=np.uint8)
    assert np.unique(code_hashes(codes)).size == 1000
    np.testing.assert_array_equal(code_hashes(codes), code_hashes(codes.copy()))
