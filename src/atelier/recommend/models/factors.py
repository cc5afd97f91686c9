"""Matrix-factorisation models trained by implicit (ALS, BPR), stored as plain factor arrays."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
import threadpoolctl  # type: ignore[import-untyped]
from numpy.typing import NDArray

from atelier.recommend.events import positive_part
from atelier.recommend.models.base import IdArray, ScoreArray, ScoringModel, as_csr

logger = logging.getLogger(__name__)


@contextmanager
def _single_threaded_blas() -> Iterator[None]:
    # implicit parallelises itself; a threaded BLAS underneath oversubscribes the cores and
    # implicit warns about it on construction. Limiting BLAS only while implicit runs keeps
    # the rest of the process untouched. implicit is imported here, not at module level, so
    # importing this package stays light; it must be imported before the limit is set,
    # because threadpoolctl only limits libraries already loaded and implicit loads scipy's.
    import implicit.cpu.als  # noqa: F401

    with threadpoolctl.threadpool_limits(limits=1, user_api="blas"):
        yield


def _cosine_neighbours(
    factors: NDArray[np.float32], itemid: int, N: int
) -> tuple[IdArray, ScoreArray]:
    norms = np.linalg.norm(factors, axis=1)
    norms[norms == 0] = 1.0
    scores = (factors @ factors[itemid]) / (norms * norms[itemid])
    scores[itemid] = -np.inf
    k = min(N, factors.shape[0] - 1)
    if k <= 0:
        return np.zeros(0, np.int32), np.zeros(0, np.float32)
    part = np.argpartition(-scores, k - 1)[:k]
    order = np.lexsort((part, -scores[part]))
    ids = part[order]
    return ids.astype(np.int32), scores[ids].astype(np.float32)


def _dot_items(
    item_factors: NDArray[np.float32],
    user: NDArray[np.float32],
    items: NDArray[np.integer[Any]] | None,
) -> ScoreArray:
    # Gathering most rows of a large factor matrix copies it (256 MB at 1M items); a full
    # matrix-vector product and a gather of the scores is cheaper past a quarter of the items.
    if items is None:
        return np.asarray(item_factors @ user, dtype=np.float32)
    chosen = np.asarray(items)
    if chosen.size * 4 > item_factors.shape[0]:
        return np.asarray((item_factors @ user)[chosen], dtype=np.float32)
    return np.asarray(item_factors[chosen] @ user, dtype=np.float32)


class _FactorModel(ScoringModel):
    """Scores are user_factors @ item_factors.T; implicit only trains."""

    def __init__(self) -> None:
        self.user_factors: NDArray[np.float32] = np.zeros((0, 0), np.float32)
        self.item_factors: NDArray[np.float32] = np.zeros((0, 0), np.float32)

    @property
    def n_items(self) -> int:
        return int(self.item_factors.shape[0])

    def _build(self) -> Any:
        """A fresh implicit estimator with this model's parameters."""
        raise NotImplementedError

    def _training_matrix(self, user_items: Any) -> Any:
        return as_csr(user_items)

    def fit(self, user_items: Any) -> None:
        matrix = self._training_matrix(user_items)
        with _single_threaded_blas():
            estimator = self._build()
            estimator.fit(matrix, show_progress=False)
        self.user_factors = np.ascontiguousarray(estimator.user_factors, dtype=np.float32)
        self.item_factors = np.ascontiguousarray(estimator.item_factors, dtype=np.float32)
        logger.info(
            "%s fitted: %d users, %d items, %d factors",
            self.name,
            *self.user_factors.shape[:1],
            self.n_items,
            self.item_factors.shape[1],
        )

    def _stored_user_factors(self, users: NDArray[np.int64]) -> NDArray[np.float32]:
        if users.size and (users.min() < 0 or users.max() >= self.user_factors.shape[0]):
            raise IndexError(
                "userid outside the fitted users; pass recalculate_user=True for new users"
            )
        return self.user_factors[users]

    def _user_scores(
        self, users: NDArray[np.int64], user_items: Any, recalculate_user: bool
    ) -> NDArray[np.float32]:
        if recalculate_user:
            factors = self._recalculate(user_items)
        else:
            factors = self._stored_user_factors(users)
        return np.asarray(factors @ self.item_factors.T, dtype=np.float32)

    def _recalculate(self, user_items: Any) -> NDArray[np.float32]:
        raise NotImplementedError(f"{self.name} cannot recalculate users without a refit")

    def similar_items(self, itemid: int, N: int = 10) -> tuple[IdArray, ScoreArray]:
        return _cosine_neighbours(self.item_factors, itemid, N)

    def score_items(
        self, user_items: Any, items: NDArray[np.integer[Any]] | None = None
    ) -> ScoreArray:
        factors = self._recalculate(self._one_row(user_items))[0]
        return _dot_items(self.item_factors, factors, items)

    def _arrays(self) -> dict[str, NDArray[Any]]:
        return {"user_factors": self.user_factors, "item_factors": self.item_factors}

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        self.user_factors = np.asarray(arrays["user_factors"], dtype=np.float32)
        self.item_factors = np.asarray(arrays["item_factors"], dtype=np.float32)


class ALSModel(_FactorModel):
    """Implicit-feedback ALS (Hu, Koren and Volinsky) trained by `implicit`.

    Negative confidences (dislikes) are kept: implicit treats them as confident zeros.
    Defaults come from a proxy evaluation on the Civitai dump (LoRA co-use), where implicit's
    usual regularization of 0.01-0.05 overfit badly. New or changed users are folded in with
    one least-squares solve against the fixed item factors (`recalculate_user=True`), so a
    person's collaborative scores follow their latest interactions between background refits.
    """

    name: ClassVar[str] = "als"
    supports_recalculate_user: ClassVar[bool] = True

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 5.0,
        alpha: float = 40.0,
        iterations: int = 15,
        random_state: int | None = 0,
        num_threads: int = 0,
    ) -> None:
        super().__init__()
        self.factors = int(factors)
        self.regularization = float(regularization)
        self.alpha = float(alpha)
        self.iterations = int(iterations)
        self.random_state = random_state
        self.num_threads = int(num_threads)
        self._estimator: Any = None
        self._gram: NDArray[np.float64] | None = None

    def _params(self) -> dict[str, Any]:
        return {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
            "random_state": self.random_state,
            "num_threads": self.num_threads,
        }

    def _build(self) -> Any:
        from implicit.cpu.als import AlternatingLeastSquares

        return AlternatingLeastSquares(
            factors=self.factors,
            regularization=self.regularization,
            alpha=self.alpha,
            iterations=self.iterations,
            random_state=self.random_state,
            num_threads=self.num_threads,
        )

    def fit(self, user_items: Any) -> None:
        super().fit(user_items)
        self._estimator = None
        self._gram = None

    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        super()._restore(arrays)
        self._estimator = None
        self._gram = None

    def _solver(self) -> Any:
        # The estimator caches item_factors.T @ item_factors, so build it once per model.
        if self._estimator is None:
            with _single_threaded_blas():
                estimator = self._build()
            estimator.item_factors = self.item_factors
            estimator.user_factors = self.user_factors
            self._estimator = estimator
        return self._estimator

    def score_items(
        self, user_items: Any, items: NDArray[np.integer[Any]] | None = None
    ) -> ScoreArray:
        return self.score_factors(self.fold_in(self._one_row(user_items)), items)

    def score_factors(
        self, factors: NDArray[np.float32], items: NDArray[np.integer[Any]] | None = None
    ) -> ScoreArray:
        """Scores of an already folded-in user (a request that scores several item sets
        folds in once)."""
        return _dot_items(self.item_factors, factors, items)

    def fold_in(self, user_items: Any) -> NDArray[np.float32]:
        """One user's factors from their row: the least-squares step implicit's
        `recalculate_user` takes, in numpy, because for a single 64x64 solve starting
        implicit's thread pool costs more than the solve (serving calls this per request)."""
        row = as_csr(user_items)
        factors = self.item_factors
        if self._gram is None:
            self._gram = factors.T.astype(np.float64) @ factors.astype(np.float64)
        indices = row.indices
        if indices.size == 0:
            return np.zeros(factors.shape[1], np.float32)
        scaled = row.data.astype(np.float64) * self.alpha
        confidence = np.abs(scaled)
        chosen = factors[indices].astype(np.float64)
        a = self._gram + self.regularization * np.eye(factors.shape[1])
        a += (chosen.T * (confidence - 1.0)) @ chosen
        b = chosen.T @ np.where(scaled > 0, confidence, 0.0)
        return np.linalg.solve(a, b).astype(np.float32)

    def _recalculate(self, user_items: Any) -> NDArray[np.float32]:
        rows = np.arange(user_items.shape[0])
        with _single_threaded_blas():
            factors = self._solver().recalculate_user(rows, user_items)
        return np.asarray(factors, dtype=np.float32)


class BPRModel(_FactorModel):
    """Bayesian Personalised Ranking trained by `implicit` on positive interactions only.

    BPR has no closed-form fold-in, so new users need a refit (or another model).
    """

    name: ClassVar[str] = "bpr"

    def __init__(
        self,
        factors: int = 64,
        learning_rate: float = 0.05,
        regularization: float = 0.01,
        iterations: int = 100,
        random_state: int | None = 0,
        num_threads: int = 0,
    ) -> None:
        super().__init__()
        self.factors = int(factors)
        self.learning_rate = float(learning_rate)
        self.regularization = float(regularization)
        self.iterations = int(iterations)
        self.random_state = random_state
        self.num_threads = int(num_threads)

    def _params(self) -> dict[str, Any]:
        return {
            "factors": self.factors,
            "learning_rate": self.learning_rate,
            "regularization": self.regularization,
            "iterations": self.iterations,
            "random_state": self.random_state,
            "num_threads": self.num_threads,
        }

    def _training_matrix(self, user_items: Any) -> Any:
        # BPR samples every stored entry as a positive, so dislikes must not reach it.
        return positive_part(as_csr(user_items))

    def _build(self) -> Any:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        return BayesianPersonalizedRanking(
            factors=self.factors,
            learning_rate=self.learning_rate,
            regularization=self.regularization,
            iterations=self.iterations,
            random_state=self.random_state,
            num_threads=self.num_threads,
        )
