"""The `Recommender` protocol (the shape of implicit's API) and the shared top-N and npz code."""

from __future__ import annotations

import json
import os
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Protocol, Self, runtime_checkable

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from atelier.errors import ConfigurationError

IdArray = NDArray[np.int32]
ScoreArray = NDArray[np.float32]
UserIds = int | NDArray[np.integer[Any]]
PathLike = str | os.PathLike[str]

# Ids past the end of a batch row (fewer than N items could be recommended) are -1.
MISSING_ID = -1


class ModelFileError(ConfigurationError):
    """A saved model file is missing, unreadable, or holds a different kind of model."""


@runtime_checkable
class Recommender(Protocol):
    """A collaborative model over a users x items confidence matrix, shaped like implicit's.

    `recommend` takes one user id (returns 1-D arrays, only as many items as could be ranked)
    or an array of ids (returns 2-D arrays of N columns, padded with id -1 and score -inf);
    `user_items` holds one row per requested user, as in implicit >= 0.5. `similar_items` never
    returns the query item itself.
    """

    name: ClassVar[str]

    @property
    def n_items(self) -> int: ...

    def fit(self, user_items: Any) -> None: ...

    def recommend(
        self,
        userid: UserIds,
        user_items: Any,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: NDArray[np.integer[Any]] | None = None,
        recalculate_user: bool = False,
    ) -> tuple[IdArray, ScoreArray]: ...

    def similar_items(self, itemid: int, N: int = 10) -> tuple[IdArray, ScoreArray]: ...

    def save(self, path: PathLike) -> None: ...

    @classmethod
    def load(cls, path: PathLike) -> Self: ...


def as_csr(user_items: Any) -> Any:
    """`user_items` as a float32 csr_matrix with sorted indices; raise on anything else."""
    if not sp.issparse(user_items):
        raise TypeError("user_items must be a scipy.sparse matrix (csr_matrix)")
    matrix = sp.csr_matrix(user_items, dtype=np.float32)
    if not matrix.has_sorted_indices:
        matrix = matrix.sorted_indices()
    return matrix


def top_n(
    scores: NDArray[np.floating[Any]],
    N: int,
    exclude: Any | None = None,
    filter_items: NDArray[np.integer[Any]] | None = None,
) -> tuple[IdArray, ScoreArray]:
    """Best N columns of each row of `scores`, skipping `exclude`'s non-zeros and `filter_items`.

    Returns (n_rows, N) arrays; slots that could not be filled hold id -1 and score -inf.
    """
    if N < 0:
        raise ValueError("N must be non-negative")
    work = np.array(scores, dtype=np.float32, ndmin=2, copy=True)
    n_rows, n_items = work.shape
    if exclude is not None:
        mask = sp.coo_matrix(exclude)
        if mask.shape[0] != n_rows:
            raise ValueError("user_items must hold one row per requested user")
        inside = mask.col < n_items
        work[mask.row[inside], mask.col[inside]] = -np.inf
    if filter_items is not None and len(filter_items):
        ids = np.asarray(filter_items, dtype=np.int64)
        work[:, ids[(ids >= 0) & (ids < n_items)]] = -np.inf
    # NaN would sort unpredictably; it carries no evidence, so it ranks with the excluded.
    work[np.isnan(work)] = -np.inf

    k = min(N, n_items)
    if k == 0:
        return np.zeros((n_rows, N), np.int32), np.full((n_rows, N), -np.inf, np.float32)
    if k < n_items:
        part = np.argpartition(-work, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(n_items), (n_rows, n_items)).copy()
    part_scores = np.take_along_axis(work, part, axis=1)
    # Ties break by item index so results are deterministic.
    order = np.lexsort((part, -part_scores), axis=1)
    ids = np.take_along_axis(part, order, axis=1).astype(np.int32)
    best = np.take_along_axis(part_scores, order, axis=1)
    ids[np.isneginf(best)] = MISSING_ID
    out_ids = np.full((n_rows, N), MISSING_ID, np.int32)
    out_scores = np.full((n_rows, N), -np.inf, np.float32)
    out_ids[:, :k] = ids
    out_scores[:, :k] = best
    return out_ids, out_scores


def shape_result(userid: UserIds, ids: IdArray, scores: ScoreArray) -> tuple[IdArray, ScoreArray]:
    """Return row 0 trimmed of unfilled slots for a scalar user id, else the padded batch."""
    if np.isscalar(userid):
        keep = ids[0] != MISSING_ID
        return ids[0][keep], scores[0][keep]
    return ids, scores


def user_rows(userid: UserIds) -> NDArray[np.int64]:
    """User id(s) as a 1-D int64 array."""
    rows = np.atleast_1d(np.asarray(userid)).astype(np.int64, copy=False)
    if rows.ndim != 1:
        raise ValueError("userid must be an int or a 1-D array of ints")
    return rows


class ScoringModel(ABC):
    """Shared machinery: subclasses score users against all items; this ranks and saves."""

    name: ClassVar[str]
    supports_recalculate_user: ClassVar[bool] = False

    @property
    @abstractmethod
    def n_items(self) -> int:
        """Number of items (columns) the model was fitted on."""

    @abstractmethod
    def fit(self, user_items: Any) -> None:
        """Learn from a users x items confidence matrix."""

    @abstractmethod
    def _user_scores(
        self, users: NDArray[np.int64], user_items: Any, recalculate_user: bool
    ) -> NDArray[np.float32]:
        """Dense (len(users), n_items) scores."""

    @abstractmethod
    def similar_items(self, itemid: int, N: int = 10) -> tuple[IdArray, ScoreArray]:
        """Items most like `itemid`, best first, never `itemid` itself."""

    @abstractmethod
    def _params(self) -> dict[str, Any]:
        """Constructor parameters, JSON-serialisable."""

    @abstractmethod
    def _arrays(self) -> dict[str, NDArray[Any]]:
        """Learned state as named arrays."""

    @abstractmethod
    def _restore(self, arrays: Mapping[str, NDArray[Any]]) -> None:
        """Set learned state from `_arrays`' output."""

    def recommend(
        self,
        userid: UserIds,
        user_items: Any,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: NDArray[np.integer[Any]] | None = None,
        recalculate_user: bool = False,
    ) -> tuple[IdArray, ScoreArray]:
        """Top-N items per user; see `Recommender` for shapes."""
        if recalculate_user and not self.supports_recalculate_user:
            raise NotImplementedError(f"{self.name} cannot recalculate users without a refit")
        if self.n_items == 0:
            raise ValueError(f"{self.name} model is not fitted: call fit() or load() first")
        users = user_rows(userid)
        matrix = as_csr(user_items)
        if matrix.shape[0] != users.shape[0]:
            raise ValueError("user_items must hold one row per requested user")
        if matrix.shape[1] > self.n_items:
            raise ValueError(f"user_items has {matrix.shape[1]} columns; model has {self.n_items}")
        matrix = self._pad_columns(matrix)
        scores = self._user_scores(users, matrix, recalculate_user)
        exclude = matrix if filter_already_liked_items else None
        ids, best = top_n(scores, N, exclude, filter_items)
        return shape_result(userid, ids, best)

    def score_items(
        self, user_items: Any, items: NDArray[np.integer[Any]] | None = None
    ) -> ScoreArray:
        """One user's scores for `items` (every item when None), folded in from their row.

        Serving scores a few hundred candidates rather than ranking the whole catalog; models
        that can skip the other items override this. Needs `supports_recalculate_user`.
        """
        matrix = self._one_row(user_items)
        scores = np.asarray(self._user_scores(np.zeros(1, np.int64), matrix, True)[0])
        out = scores if items is None else scores[np.asarray(items, dtype=np.int64)]
        return np.asarray(out, dtype=np.float32)

    def _one_row(self, user_items: Any) -> Any:
        if not self.supports_recalculate_user:
            raise NotImplementedError(f"{self.name} cannot score a user without a refit")
        if self.n_items == 0:
            raise ValueError(f"{self.name} model is not fitted: call fit() or load() first")
        matrix = as_csr(user_items)
        if matrix.shape[0] != 1:
            raise ValueError("score_items takes one user's row")
        if matrix.shape[1] > self.n_items:
            raise ValueError(f"user_items has {matrix.shape[1]} columns; model has {self.n_items}")
        return self._pad_columns(matrix)

    def _pad_columns(self, user_items: Any) -> Any:
        # A matrix built before newer items existed is narrower; those columns are empty.
        if user_items.shape[1] == self.n_items:
            return user_items
        return sp.csr_matrix(
            (user_items.data, user_items.indices, user_items.indptr),
            shape=(user_items.shape[0], self.n_items),
        )

    def save(self, path: PathLike) -> None:
        """Write the model to `path` as .npz, atomically (no pickle)."""
        arrays = self._arrays()
        meta = {"model": np.array(self.name), "params": np.array(json.dumps(self._params()))}
        save_npz_atomic(path, {**meta, **arrays})

    @classmethod
    def load(cls, path: PathLike) -> Self:
        """Read a model written by `save`."""
        return cls.from_arrays(read_npz(path), source=str(path))

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, NDArray[Any]], source: str = "arrays") -> Self:
        """Rebuild a model from the arrays of a saved file."""
        stored = str(arrays["model"]) if "model" in arrays else ""
        if stored != cls.name:
            raise ModelFileError(f"{source} holds a {stored or 'unknown'} model, not {cls.name}")
        params = json.loads(str(arrays["params"]))
        model = cls(**params)
        model._restore(arrays)
        return model


def save_npz_atomic(path: PathLike, arrays: Mapping[str, NDArray[Any]]) -> None:
    """np.savez to a temporary file beside `path`, then rename over it.

    Readers (a serving process loading the newest model) never see a half-written file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(fh, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_npz(path: PathLike) -> dict[str, NDArray[Any]]:
    """Every array of an .npz file, loaded eagerly with pickle disabled."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}
    except FileNotFoundError:
        raise ModelFileError(f"no model file at {path}") from None
    except (OSError, ValueError) as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc}") from exc
