"""FaissSQ8Index specifics: the 8-bit range widens instead of clipping later vectors."""

from __future__ import annotations

import numpy as np

from atelier.index import FaissSQ8Index
from atelier.index._faiss import sq8_range

from .conftest import DIM, civitai_ids, unit_vectors


def test_vectors_outside_the_trained_range_widen_it_without_hurting_old_ones() -> None:
    index = FaissSQ8Index(DIM)
    # A first batch confined to a narrow cone trains a narrow range...
    narrow = unit_vectors(200) * 0.05 + np.eye(DIM, dtype=np.float32)[0]
    index.add(civitai_ids(200), narrow)
    low_before, high_before = sq8_range(index._index)
    # ...then vectors pointing anywhere must not be clipped into it.
    wide, wide_ids = unit_vectors(300, seed=3), civitai_ids(300, seed=3)
    index.add(wide_ids, wide)
    low, high = sq8_range(index._index)
    assert (low <= low_before).all() and (high >= high_before).all()
    assert (low <= wide.min(axis=0)).all() and (high >= wide.max(axis=0)).all()
    np.testing.assert_array_equal(index.search(wide, k=1).ids[:, 0], wide_ids)
    old = narrow / np.linalg.norm(narrow, axis=1, keepdims=True)
    np.testing.assert_allclose(index.get_vectors(civitai_ids(200)), old, atol=0.01)


def test_codes_take_one_byte_per_dimension() -> None:
    index = FaissSQ8Index(DIM)
    index.add(civitai_ids(100), unit_vectors(100))
    # One byte per dimension plus at most 64 bytes of id bookkeeping per vector.
    assert index.memory_bytes() <= 100 * DIM + 100 * 64
