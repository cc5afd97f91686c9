"""Popularity baseline: everyone gets the items the most people engaged with positively."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from atelier.recommend.events import positive_part
from atelier.recommend.models.base import IdArray, ScoreArray, ScoringModel, as_csr, top_n


class PopularityModel(ScoringModel):
    """Scores each item by how many users engaged with it positively (ties: total confidence).

    It is the cold-start fallback and the baseline every other model must beat. Its
    `similar_items` is not similarity: it returns the most popular other items.
    """

    name: ClassVar[str] = "popularity"
    # Popularity does not depend on the user, so a new user needs nothing recalculated.
    supports_recalculate_user: ClassVar[bool] = True

    def __init__(self) -> None:
        self.item_scores: NDArray[np.float32] = np.zeros(0, np.float32)

    @property
    def n_items(self) -> int:
        return int(self.item_scores.shape[0])

    def fit(self, user_items: Any) -> None:
        positive = positive_part(as_csr(user_items))
        users = np.diff(positive.tocsc().indptr).astype(np.float64)
        total = np.asarray(positive.sum(axis=0), dtype=np.float64).ravel()
        # Total confidence only breaks ties between equal user counts.
        self.item_scores = (users + total / (total.max(initial=0.0) + 1.0) * 0.5).astype(np.float32)

    def _user_scores(
        self, users: NDArray[np.int64], user_items: Any, recalculate_user: bool
    ) -> NDArray[np.float32]:
        return np.broadcast_to(self.item_scores, (users.shape[0], self.n_items))

    def similar_items(self, itemid: int, N: int = 10) -> tuple[IdArray, ScoreArray]:
        ids, scores = top_n(self.item_scores[None, :], N, filter_items=np.array([itemid]))
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def _params(self) -> dict[str, Any]:
        return {}

    def _arrays(self) -> dict[str, NDArray[Any]]:
        return {"item_scores": self.item_scores}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self.item_scores = np.asarray(arrays["item_scores"], dtype=np.float32)
