"""A holder for the serving model, swapped atomically when a background retrain finishes."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

T = TypeVar("T")


class ModelSlot(Generic[T]):
    """One current value, replaced whole; readers never see a half-built model.

    Build and fit the new model completely, then `swap` it in. A request holds on to the
    object it got from `current` for its whole duration, so a swap mid-request is harmless.
    """

    def __init__(self, initial: T | None = None) -> None:
        self._lock = threading.Lock()
        self._value = initial
        self._version = 0 if initial is None else 1

    @property
    def current(self) -> T | None:
        """The model to serve with, or None before the first one is ready."""
        return self._value

    @property
    def version(self) -> int:
        """Increments with every swap; lets callers cache per model generation."""
        return self._version

    def swap(self, new: T) -> T | None:
        """Install `new` and return the previous value."""
        with self._lock:
            old, self._value = self._value, new
            self._version += 1
        return old
