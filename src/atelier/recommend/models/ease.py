"""EASE (Steck 2019): a closed-form item-item linear model; dense, so for catalogs up to ~15k."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
from numpy.typing import NDArray

from atelier.recommend.events import positive_part
from atelier.recommend.models.base import IdArray, ScoreArray, ScoringModel, as_csr


class EASEModel(ScoringModel):
    """B = I - P / diag(P) with P = (X'X + lambda I)^-1; scores = X_u B.

    Memory is n_items^2 float32 twice during the inverse (about 0.8 GB at 10k items), hence
    `max_items`. Like item-kNN it needs no user state, so new users are scored from their row.
    """

    name: ClassVar[str] = "ease"
    supports_recalculate_user: ClassVar[bool] = True

    def __init__(self, regularization: float = 100.0, max_items: int = 15_000) -> None:
        if regularization <= 0:
            raise ValueError("regularization must be positive")
        self.regularization = float(regularization)
        self.max_items = int(max_items)
        self.weights: NDArray[np.float32] = np.zeros((0, 0), np.float32)

    @property
    def n_items(self) -> int:
        return int(self.weights.shape[0])

    def fit(self, user_items: Any) -> None:
        positive = positive_part(as_csr(user_items))
        n_items = positive.shape[1]
        if n_items > self.max_items:
            raise ValueError(
                f"EASE needs a dense {n_items}x{n_items} matrix; the limit is {self.max_items}"
            )
        gram = np.asarray((positive.T @ positive).toarray(), dtype=np.float64)
        gram[np.diag_indices_from(gram)] += self.regularization
        precision = np.linalg.inv(gram)
        weights = -precision / np.diag(precision)
        np.fill_diagonal(weights, 0.0)
        self.weights = weights.astype(np.float32)

    def _user_scores(
        self, users: NDArray[np.int64], user_items: Any, recalculate_user: bool
    ) -> NDArray[np.float32]:
        return np.asarray(positive_part(user_items) @ self.weights, dtype=np.float32)

    def similar_items(self, itemid: int, N: int = 10) -> tuple[IdArray, ScoreArray]:
        # Column j of B says how much having item j predicts item `itemid`; use the symmetric
        # part so the answer does not depend on which side the query sits.
        scores = (self.weights[itemid] + self.weights[:, itemid]) / 2.0
        scores[itemid] = -np.inf
        k = min(N, self.n_items - 1)
        if k <= 0:
            return np.zeros(0, np.int32), np.zeros(0, np.float32)
        part = np.argpartition(-scores, k - 1)[:k]
        order = np.lexsort((part, -scores[part]))
        ids = part[order]
        return ids.astype(np.int32), scores[ids].astype(np.float32)

    def _params(self) -> dict[str, Any]:
        return {"regularization": self.regularization, "max_items": self.max_items}

    def _arrays(self) -> dict[str, NDArray[Any]]:
        return {"weights": self.weights}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self.weights = np.asarray(arrays["weights"], dtype=np.float32)
