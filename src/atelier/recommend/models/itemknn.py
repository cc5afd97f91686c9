"""Item-item cosine over co-occurrence, keeping each item's top-k neighbours (sparse)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from atelier.recommend.events import positive_part
from atelier.recommend.models.base import IdArray, ScoreArray, ScoringModel, as_csr


def prune_rows(matrix: Any, k: int) -> Any:
    """Keep the k largest entries of each csr row (ties by column), all in numpy."""
    coo = matrix.tocoo()
    if coo.nnz == 0:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    order = np.lexsort((coo.col, -coo.data, coo.row))
    rows = coo.row[order]
    starts = np.searchsorted(rows, rows, side="left")
    keep = (np.arange(rows.shape[0]) - starts) < k
    kept = order[keep]
    return sp.csr_matrix(
        (coo.data[kept], (coo.row[kept], coo.col[kept])), shape=matrix.shape, dtype=np.float32
    )


class ItemKNNModel(ScoringModel):
    """Scores = the user's row times an item-item cosine matrix pruned to `k` neighbours per item.

    Cosine is taken over the positive confidence columns, with `shrink` added to the denominator
    so pairs seen together once do not look as similar as pairs seen together a hundred times.
    No user state is learned, so new users are served from their row directly.
    """

    name: ClassVar[str] = "itemknn"
    supports_recalculate_user: ClassVar[bool] = True

    def __init__(self, k: int = 100, shrink: float = 10.0) -> None:
        if k < 1:
            raise ValueError("k must be at least 1")
        self.k = int(k)
        self.shrink = float(shrink)
        self.similarity: Any = sp.csr_matrix((0, 0), dtype=np.float32)

    @property
    def n_items(self) -> int:
        return int(self.similarity.shape[0])

    def fit(self, user_items: Any) -> None:
        positive = positive_part(as_csr(user_items))
        item_users = positive.T.tocsr()
        norms = np.sqrt(np.asarray(item_users.multiply(item_users).sum(axis=1)).ravel())
        co = (item_users @ item_users.T).tocoo()
        off_diagonal = co.row != co.col
        rows, cols = co.row[off_diagonal], co.col[off_diagonal]
        denom = norms[rows] * norms[cols] + self.shrink
        values = np.divide(
            co.data[off_diagonal], denom, out=np.zeros(rows.shape[0]), where=denom > 0
        )
        sim = sp.csr_matrix((values, (rows, cols)), shape=co.shape, dtype=np.float32)
        sim.eliminate_zeros()
        self.similarity = prune_rows(sim, self.k)

    def _user_scores(
        self, users: NDArray[np.int64], user_items: Any, recalculate_user: bool
    ) -> NDArray[np.float32]:
        # Negatives in the row would push neighbours of a disliked item down; the cosine was
        # learned on positives only, so keep scoring consistent with it.
        scores = positive_part(user_items) @ self.similarity
        return np.asarray(scores.toarray(), dtype=np.float32)

    def similar_items(self, itemid: int, N: int = 10) -> tuple[IdArray, ScoreArray]:
        start, end = self.similarity.indptr[itemid], self.similarity.indptr[itemid + 1]
        cols = self.similarity.indices[start:end]
        vals = self.similarity.data[start:end]
        order = np.lexsort((cols, -vals))[:N]
        return cols[order].astype(np.int32), vals[order].astype(np.float32)

    def _params(self) -> dict[str, Any]:
        return {"k": self.k, "shrink": self.shrink}

    def _arrays(self) -> dict[str, NDArray[Any]]:
        sim = self.similarity
        return {
            "data": sim.data,
            "indices": sim.indices,
            "indptr": sim.indptr,
            "shape": np.asarray(sim.shape, dtype=np.int64),
        }

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        shape = tuple(int(x) for x in arrays["shape"])
        self.similarity = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape, dtype=np.float32
        )
