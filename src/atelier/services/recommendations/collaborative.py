"""The collaborative model: trained from the whole interaction log, saved, loaded, served.

Training reads every event, builds the users x items confidence matrix over the catalog's item
space and fits the configured model. A trained model remembers the item ids it was fitted on,
so it keeps serving (new items simply score nothing) after the catalog grows.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sqlalchemy import Engine, select

from atelier.db.models import Interaction
from atelier.recommend.events import DEFAULT_WEIGHTS, Kind, interaction_matrix, positive_part
from atelier.recommend.models import ALSModel, ScoringModel, load_model, make_model
from atelier.recommend.models.base import read_npz, save_npz_atomic
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.cf_retrieval import FactorRetriever, build_retriever
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.history import epoch, items_of, kind_code

logger = logging.getLogger(__name__)

_POINTER = "current.json"
# Impressions are logged for every item served: they say what was shown, not what was liked.
TRAINING_WEIGHTS = MappingProxyType({**DEFAULT_WEIGHTS, Kind.VIEW: 0.0})
_KEEP_RUNS = 2


@dataclass(frozen=True, eq=False)
class EventLog:
    """Every logged event as arrays; users are compacted to 0..n-1."""

    users: NDArray[np.int64]
    items: NDArray[np.int64]
    kinds: NDArray[np.int64]
    times: NDArray[np.float64]
    n_users: int

    def __len__(self) -> int:
        return int(self.users.shape[0])


def read_event_log(engine: Engine, catalog: RecCatalog, batch: int = 50_000) -> EventLog:
    """Stream the interaction table into arrays (events on unknown items are dropped)."""
    users: list[int] = []
    types: list[str] = []
    ids: list[int] = []
    kinds: list[int] = []
    times: list[float] = []
    with engine.connect() as connection:
        result = connection.execution_options(yield_per=batch).execute(
            select(
                Interaction.user_id,
                Interaction.item_type,
                Interaction.item_id,
                Interaction.kind,
                Interaction.created_at,
            )
        )
        for user_id, item_type, item_id, kind, created_at in result:
            users.append(user_id)
            types.append(item_type)
            ids.append(item_id)
            kinds.append(kind_code(kind))
            times.append(epoch(created_at))
    items = items_of(catalog, types, np.array(ids, dtype=np.int64))
    known = items >= 0
    user_ids, compact = np.unique(np.array(users, dtype=np.int64)[known], return_inverse=True)
    return EventLog(
        users=compact.astype(np.int64),
        items=items[known],
        kinds=np.array(kinds, dtype=np.int64)[known],
        times=np.array(times, dtype=np.float64)[known],
        n_users=int(user_ids.shape[0]),
    )


@dataclass(eq=False)
class TrainedModel:
    """A fitted model with the item ids of its columns and who engaged with what.

    `positive` (users x model columns, binary, csc) backs the "popular with people who like X"
    reason: it is only given when people really did engage with both items.
    """

    model: ScoringModel
    image_ids: NDArray[np.int64]
    lora_ids: NDArray[np.int64]
    positive: sp.csc_matrix
    trained_at: float
    n_events: int
    _columns: dict[int, tuple[Any, NDArray[np.int64], NDArray[np.int64]]] = field(
        default_factory=dict
    )
    # The index over every image column, built once; the caller's threshold says whether a
    # model of this size uses it.
    _retriever: FactorRetriever | None = None
    _retriever_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def n_columns(self) -> int:
        return int(self.image_ids.shape[0] + self.lora_ids.shape[0])

    def columns(self, catalog: RecCatalog) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Model column of each catalog image row and LoRA row (-1: not in the model)."""
        key = id(catalog)
        found = self._columns.get(key)
        # Keyed by identity; the ids array itself is kept to tell a reused id() apart.
        if found is None or found[0] is not catalog.image_ids:
            found = (
                catalog.image_ids,
                _lookup(self.image_ids, catalog.image_ids, 0),
                _lookup(self.lora_ids, catalog.lora_ids, self.image_ids.shape[0]),
            )
            self._columns[key] = found
        return found[1], found[2]

    def item_columns(self, catalog: RecCatalog, items: NDArray[np.int64]) -> NDArray[np.int64]:
        """Model column of each item-space index (-1: not in the model)."""
        image_cols, lora_cols = self.columns(catalog)
        out = np.full(items.shape[0], -1, np.int64)
        is_image = items < catalog.n_images
        out[is_image] = image_cols[items[is_image]]
        out[~is_image] = lora_cols[items[~is_image] - catalog.n_images]
        return out

    def user_row(self, columns: NDArray[np.int64], confidence: NDArray[np.float32]) -> Any:
        """One person's row over the model's columns."""
        keep = columns >= 0
        return sp.csr_matrix(
            (confidence[keep], (np.zeros(int(keep.sum()), np.int64), columns[keep])),
            shape=(1, self.n_columns),
            dtype=np.float32,
        )

    def scores(
        self, row: Any, columns: NDArray[np.int64], user: NDArray[np.float32] | None = None
    ) -> NDArray[np.float32]:
        """Scores for model columns (NaN where the column is -1). `user` is the row's
        `user_vector` when the caller already has it: it saves solving the fold-in again."""
        out = np.full(columns.shape[0], np.nan, np.float32)
        known = columns >= 0
        if not (known.any() and row.nnz):
            return out
        if user is not None:
            out[known] = self.factor_scores(user, columns[known])
        else:
            out[known] = self.model.score_items(row, columns[known])
        return out

    def user_vector(self, row: Any) -> NDArray[np.float32] | None:
        """The person's factors folded in against the item factors (None: the model has no
        fold-in, or the row is empty)."""
        if isinstance(self.model, ALSModel) and row is not None and row.nnz:
            return self.model.fold_in(row)
        return None

    def factor_scores(
        self, user: NDArray[np.float32], columns: NDArray[np.int64]
    ) -> NDArray[np.float32]:
        """Exact scores of a folded-in user for model columns (factor models only)."""
        if not isinstance(self.model, ALSModel):
            raise TypeError(f"{self.model.name} has no item factors")
        return self.model.score_factors(user, columns)

    def image_retriever(self, min_columns: int) -> FactorRetriever | None:
        """The inner-product index over the image columns' factors, built on first use.

        None for models without fold-in, below `min_columns` image columns, and while another
        thread is still building it: the caller then scores every image, as it would anyway.
        Training and loading call this before the model is served, so requests never wait.
        """
        n_images = int(self.image_ids.shape[0])
        if not isinstance(self.model, ALSModel) or n_images < max(min_columns, 1):
            return None
        if self._retriever is not None:
            return self._retriever
        if not self._retriever_lock.acquire(blocking=False):
            return None
        try:
            if self._retriever is None:
                columns = np.arange(n_images, dtype=np.int64)
                self._retriever = build_retriever(self.model.item_factors, columns, min_columns)
            return self._retriever
        finally:
            self._retriever_lock.release()

    def co_engaged(
        self, ref_columns: NDArray[np.int64], columns: NDArray[np.int64]
    ) -> NDArray[np.float32]:
        """People who engaged with both: refs x candidates counts (0 for unknown columns)."""
        out = np.zeros((ref_columns.shape[0], columns.shape[0]), np.float32)
        known_c = columns >= 0
        known_r = ref_columns >= 0
        if not (known_c.any() and known_r.any()):
            return out
        refs = self.positive[:, ref_columns[known_r]]
        cands = self.positive[:, columns[known_c]]
        block = np.asarray((refs.T @ cands).toarray(), dtype=np.float32)
        out[np.ix_(np.flatnonzero(known_r), np.flatnonzero(known_c))] = block
        return out


def _lookup(model_ids: NDArray[np.int64], ids: NDArray[np.int64], offset: int) -> NDArray[np.int64]:
    if model_ids.shape[0] == 0:
        return np.full(ids.shape[0], -1, np.int64)
    pos = np.clip(np.searchsorted(model_ids, ids), 0, model_ids.shape[0] - 1)
    return np.where(model_ids[pos] == ids, pos + offset, -1).astype(np.int64)


def fit_model(
    log: EventLog, catalog: RecCatalog, config: RecommendConfig, now: float | None = None
) -> TrainedModel:
    """Fit the configured model on an event log over the catalog's item space."""
    now = time.time() if now is None else now
    matrix = interaction_matrix(
        log.users,
        log.items,
        log.kinds,
        log.times,
        shape=(max(log.n_users, 1), catalog.n_items),
        now=now,
        half_life_s=config.half_life_days * 86400.0,
        weights=TRAINING_WEIGHTS,
    )
    model = make_model(config.model, **config.model_params)
    model.fit(matrix)
    positive = positive_part(matrix)
    positive.data[:] = 1.0
    return TrainedModel(
        model=model,
        image_ids=catalog.image_ids.copy(),
        lora_ids=catalog.lora_ids.copy(),
        positive=positive.tocsc(),
        trained_at=now,
        n_events=len(log),
    )


def train(engine: Engine, catalog: RecCatalog, config: RecommendConfig) -> TrainedModel | None:
    """Read the log and fit; None when there are too few events to learn from."""
    started = time.perf_counter()
    log = read_event_log(engine, catalog)
    if len(log) < config.min_train_events:
        logger.info("only %d events: no collaborative model yet", len(log))
        return None
    trained = fit_model(log, catalog, config)
    logger.info(
        "trained %s on %d events of %d people in %.1f s",
        config.model,
        len(log),
        log.n_users,
        time.perf_counter() - started,
    )
    return trained


def save_trained(trained: TrainedModel, directory: Path) -> Path:
    """Write a run directory (model + item space), then point `current.json` at it."""
    run = directory / f"run-{int(trained.trained_at * 1000)}-{os.getpid()}"
    trained.model.save(run / "model.npz")
    positive = trained.positive
    save_npz_atomic(
        run / "space.npz",
        {
            "image_ids": trained.image_ids,
            "lora_ids": trained.lora_ids,
            "pos_data": positive.data,
            "pos_indices": positive.indices,
            "pos_indptr": positive.indptr,
            "pos_shape": np.asarray(positive.shape, dtype=np.int64),
            "meta": np.array(
                json.dumps({"trained_at": trained.trained_at, "n_events": trained.n_events})
            ),
        },
    )
    pointer = directory / _POINTER
    tmp = directory / f".{_POINTER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps({"run": run.name}), encoding="utf-8")
    os.replace(tmp, pointer)
    runs = sorted(p for p in directory.glob("run-*") if p.is_dir() and p != run)
    for old in runs[: max(0, len(runs) - (_KEEP_RUNS - 1))]:
        shutil.rmtree(old, ignore_errors=True)
    return run


def current_run(directory: Path) -> Path | None:
    """The run directory `current.json` points at, if any."""
    pointer = directory / _POINTER
    try:
        name = json.loads(pointer.read_text(encoding="utf-8"))["run"]
    except (OSError, ValueError, KeyError):
        return None
    run = directory / str(name)
    return run if run.is_dir() else None


def load_trained(run: Path) -> TrainedModel:
    """Read a run written by `save_trained`."""
    model = load_model(run / "model.npz")
    space = read_npz(run / "space.npz")
    shape = tuple(int(x) for x in space["pos_shape"])
    meta = json.loads(str(space["meta"]))
    return TrainedModel(
        model=model,
        image_ids=np.asarray(space["image_ids"], dtype=np.int64),
        lora_ids=np.asarray(space["lora_ids"], dtype=np.int64),
        positive=sp.csc_matrix(
            (space["pos_data"], space["pos_indices"], space["pos_indptr"]), shape=shape
        ),
        trained_at=float(meta["trained_at"]),
        n_events=int(meta["n_events"]),
    )
