"""Tests for the atomically swapped model slot."""

from __future__ import annotations

from atelier.recommend.slot import ModelSlot


def test_swap_installs_the_new_model_and_returns_the_old() -> None:
    slot: ModelSlot[str] = ModelSlot()
    assert slot.current is None and slot.version == 0
    assert slot.swap("first") is None
    assert slot.swap("second") == "first"
    assert slot.current == "second" and slot.version == 2
