"""Content profiles per person, kept in memory and brought up to date from the log on each use.

A profile folds each event in once: a request reads the person's events anyway, so only those
logged since the cached profile's last event are added. A like is therefore in the profile on
the very next request, whichever process or thread logged it.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
from numpy.typing import NDArray

from atelier.recommend.events import DEFAULT_WEIGHTS, Kind
from atelier.recommend.profile import ContentProfile, ProfileEvent
from atelier.services.recommendations.history import History

# Impressions are recorded for every item served; they are not taste.
PROFILE_WEIGHTS = MappingProxyType({**DEFAULT_WEIGHTS, Kind.VIEW: 0.0})
VectorLookup = Callable[[NDArray[np.int64]], NDArray[np.float32]]


@dataclass(eq=False)
class _Entry:
    profile: ContentProfile
    last_id: int
    lock: threading.Lock = field(default_factory=threading.Lock)


class ProfileStore:
    """An LRU of (profile, last folded interaction id) per person."""

    def __init__(self, dim: int, half_life_s: float, capacity: int = 4096) -> None:
        self.dim = dim
        self.half_life_s = half_life_s
        self.capacity = capacity
        self._lock = threading.Lock()
        self._entries: OrderedDict[int, _Entry] = OrderedDict()

    def new_profile(self) -> ContentProfile:
        return ContentProfile(self.dim, half_life_s=self.half_life_s, weights=PROFILE_WEIGHTS)

    def profile(self, user_id: int, history: History, vectors: VectorLookup) -> ContentProfile:
        """The person's profile with every event of `history` folded in (each exactly once)."""
        with self._lock:
            entry = self._entries.get(user_id)
            if entry is None:
                entry = self._entries[user_id] = _Entry(self.new_profile(), 0)
            self._entries.move_to_end(user_id)
            while len(self._entries) > self.capacity:
                self._entries.popitem(last=False)
        # One person's concurrent requests must not fold the same events twice.
        with entry.lock:
            fresh = history.after(entry.last_id).taste()
            if len(fresh):
                _fold(entry.profile, fresh, vectors)
            entry.last_id = max(entry.last_id, history.last_id)
            return entry.profile

    def forget(self, user_id: int) -> None:
        with self._lock:
            self._entries.pop(user_id, None)


def _fold(profile: ContentProfile, events: History, vectors: VectorLookup) -> None:
    matrix = vectors(events.items)
    for i in range(len(events)):
        vector = matrix[i]
        if not vector.any():
            continue  # no embedding for this item
        profile.update(
            ProfileEvent(
                int(events.items[i]), vector, Kind(int(events.kinds[i])), float(events.times[i])
            )
        )
