"""Offline evaluation on creator histories: each model creator is a person whose history is the
LoRAs referenced by the images posted under their models, in version order.

The latest version's new LoRAs are held out; every method ranks every LoRA from the earlier
history (full ranking, history filtered). The recommender's own LoRA ranking runs on a catalog
whose image->LoRA graph and popularity omit the held-out images, so nothing leaks.
"""

from __future__ import annotations

import copy
import logging
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from atelier.db.models import Image, ImageResource, Model, ModelVersion
from atelier.recommend.events import Kind
from atelier.recommend.metrics import RankingMetrics, ranking_metrics_at_k
from atelier.recommend.models import make_model
from atelier.recommend.models.base import IdArray, ScoreArray, UserIds, user_rows
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.collaborative import EventLog, TrainedModel, fit_model
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evidence import Person, gather_evidence
from atelier.services.recommendations.history import History, epoch
from atelier.services.recommendations.profiles import ProfileStore
from atelier.services.recommendations.signals import Namebook
from atelier.services.recommendations.suggest import rank_loras
from atelier.services.visibility import Visibility

logger = logging.getLogger(__name__)

EVERYTHING = Visibility(3, frozenset(), True)


@dataclass(frozen=True, eq=False)
class CreatorSplit:
    """Creators x LoRA rows: train (earlier versions) and test (the latest version's new
    LoRAs); `times` holds each train entry's version date, `held_out` the rows of the images
    of the held-out version and of every later one."""

    creators: list[str]
    train: sp.csr_matrix
    test: sp.csr_matrix
    times: sp.csr_matrix
    held_out: NDArray[np.int64]

    @property
    def n_users(self) -> int:
        return len(self.creators)


def creator_split(connection: Connection, catalog: RecCatalog, *, back: int = 0) -> CreatorSplit:
    """Build the split from the catalog tables (a few queries).

    `back` = 1 holds out each creator's second-latest version instead (and drops the latest):
    a validation split that weights can be tuned on without looking at the test targets.
    """
    posted = connection.execute(
        select(Image.id, Image.posted_version_id, ModelVersion.created_at, Model.creator, Model.id)
        .join(ModelVersion, ModelVersion.id == Image.posted_version_id)
        .join(Model, Model.id == ModelVersion.model_id)
        .where(Model.creator.is_not(None))
    ).all()
    refs: dict[int, set[int]] = defaultdict(set)
    for image_id, model_id in connection.execute(
        select(ImageResource.image_id, ImageResource.model_id).where(ImageResource.is_lora)
    ):
        refs[int(image_id)].add(int(model_id))

    # creator -> version -> (date, LoRAs used, image ids, own LoRA model or -1)
    versions: dict[str, dict[int, tuple[float, set[int], list[int], int]]] = defaultdict(dict)
    is_lora = set(catalog.lora_ids.tolist())
    for image_id, version_id, created, creator, own_model in posted:
        used = refs.get(int(image_id), set()) - {int(own_model)}
        date = epoch(created) if created is not None else 0.0
        own = int(own_model) if int(own_model) in is_lora else -1
        entry = versions[creator].setdefault(int(version_id), (date, set(), [], own))
        entry[1].update(used)
        entry[2].append(int(image_id))

    lora_rows = catalog.snapshot.loras
    rows, cols, data, stamps = [], [], [], []
    test_rows, test_cols = [], []
    held_out: list[int] = []
    creators: list[str] = []
    for creator in sorted(versions):
        ordered = sorted(
            (
                (date, vid, used, images, own)
                for vid, (date, used, images, own) in versions[creator].items()
            ),
            key=lambda v: (v[0], v[1]),
        )
        with_loras = [i for i, v in enumerate(ordered) if v[2]]
        last = with_loras[-1 - back] if len(with_loras) > back else -1
        if last < 1:
            continue
        # The history: LoRAs used before, and the creator's own earlier LoRAs (which say
        # what they make); their own models are never targets.
        own_models = {v[4] for v in ordered if v[4] >= 0}
        history: dict[int, float] = {}
        for date, _vid, used, _images, own in ordered[:last]:
            for lora in used | ({own} if own >= 0 else set()):
                history.setdefault(lora, date)
        target = ordered[last][2] - set(history) - own_models
        train_rows = lora_rows.rows_of(np.array(sorted(history), dtype=np.int64))
        test_ids = lora_rows.rows_of(np.array(sorted(target), dtype=np.int64))
        train_ok, test_ok = train_rows[train_rows >= 0], test_ids[test_ids >= 0]
        if train_ok.size == 0 or test_ok.size == 0:
            continue
        user = len(creators)
        creators.append(creator)
        dates = [history[int(i)] for i in catalog.lora_ids[train_ok]]
        rows += [user] * train_ok.size
        cols += train_ok.tolist()
        data += [1.0] * train_ok.size
        stamps += dates
        test_rows += [user] * test_ok.size
        test_cols += test_ok.tolist()
        # Every image from the held-out version on leaves the graph: with `back` = 1 the
        # latest version's images reuse the held-out LoRAs next to the history's, and
        # leaving them in leaked the answer into co-use (validation Recall@10 0.238 with
        # them, 0.201 without, for the same weights).
        held_out += [image for version in ordered[last:] for image in version[3]]
    shape = (len(creators), catalog.n_loras)
    held = catalog.snapshot.images.rows_of(np.array(held_out, dtype=np.int64))

    def matrix(values: list[float], r: list[int], c: list[int]) -> sp.csr_matrix:
        return sp.csr_matrix((np.array(values, np.float32), (r, c)), shape=shape)

    return CreatorSplit(
        creators=creators,
        train=matrix(data, rows, cols),
        test=matrix([1.0] * len(test_rows), test_rows, test_cols),
        times=sp.csr_matrix((np.array(stamps, np.float64), (rows, cols)), shape=shape),
        held_out=held[held >= 0],
    )


def leak_free_catalog(catalog: RecCatalog, split: CreatorSplit) -> RecCatalog:
    """The catalog without the held-out images' links, with LoRA popularity from train only."""
    keep = np.ones(catalog.n_images, np.float32)
    keep[split.held_out] = 0.0
    links = sp.csr_matrix(sp.diags(keep) @ catalog.links)
    links.eliminate_zeros()
    counts = np.asarray(split.train.sum(axis=0), dtype=np.float32).ravel()
    snapshot = copy.copy(catalog.snapshot)
    snapshot.loras = replace(snapshot.loras, popularity=np.log1p(counts).astype(np.float32))
    return replace(
        catalog,
        snapshot=snapshot,
        links=links,
        links_csc=links.tocsc(),
        lora_popular_order=np.argsort(-counts, kind="stable").astype(np.int64),
    )


def _item_log(split: CreatorSplit, catalog: RecCatalog) -> EventLog:
    coo = split.train.tocoo()
    times = split.times.tocoo()
    return EventLog(
        users=coo.row.astype(np.int64),
        items=coo.col.astype(np.int64) + catalog.n_images,
        kinds=np.full(coo.nnz, int(Kind.SAVE), np.int64),
        times=times.data.astype(np.float64),
        n_users=split.n_users,
    )


class ServiceRanker:
    """The recommender's LoRA suggestions behind the shape `ranking_metrics_at_k` expects."""

    def __init__(
        self,
        catalog: RecCatalog,
        split: CreatorSplit,
        config: RecommendConfig,
        model: TrainedModel | None,
    ) -> None:
        self.catalog = catalog
        self.split = split
        self.config = config
        self.model = model
        self.book = Namebook(catalog, lambda ids: {})
        self.explore_share: list[float] = []

    def recommend(
        self,
        userid: UserIds,
        user_items: Any,
        N: int = 10,
        filter_already_liked_items: bool = True,
        filter_items: Any = None,
        recalculate_user: bool = False,
    ) -> tuple[IdArray, ScoreArray]:
        users = user_rows(userid)
        ids = np.full((users.size, N), -1, np.int32)
        for i, user in enumerate(users.tolist()):
            picks = self.rank(user, N)
            ids[i, : len(picks)] = picks
        return ids, np.zeros((users.size, N), np.float32)

    def rank(self, user: int, n: int) -> list[int]:
        catalog = self.catalog
        row = self.split.train[user]
        stamps = self.split.times[user]
        order = np.argsort(stamps.data, kind="stable")
        items = row.indices[order].astype(np.int64) + catalog.n_images
        history = History(
            ids=np.arange(1, items.size + 1, dtype=np.int64),
            items=items,
            kinds=np.full(items.size, int(Kind.SAVE), np.int64),
            times=stamps.data[order].astype(np.float64),
        )
        store = ProfileStore(catalog.vectors.dim, self.config.half_life_days * 86400.0)
        profile = store.profile(0, history, catalog.item_vectors)
        person = Person(EVERYTHING, history=history, profile=profile, user_id=user)
        now = float(history.times.max()) if len(history) else time.time()
        evidence = gather_evidence(catalog, person, self.model, self.config, now=now)
        ranked = rank_loras(catalog, person, evidence, self.config, self.book, limit=n, seed=user)
        self.explore_share.append(ranked.explore_share)
        return [p.row for p in ranked.picks]


@dataclass(frozen=True)
class MethodResult:
    name: str
    metrics: RankingMetrics
    seconds: float


def evaluate_creators(
    catalog: RecCatalog,
    split: CreatorSplit,
    config: RecommendConfig,
    *,
    baselines: tuple[str, ...] = ("popularity", "als", "bpr", "itemknn"),
    k: int = 10,
    max_users: int | None = None,
    on_method: Callable[[MethodResult], None] | None = None,
) -> list[MethodResult]:
    """Recall/NDCG@k of the baselines (fitted on the train histories) and of the service's
    LoRA ranking as served (blend + diversity + exploration) and blended only."""
    results: list[MethodResult] = []
    train, test = split.train, split.test
    if max_users is not None and split.n_users > max_users:
        keep = np.random.default_rng(0).choice(split.n_users, max_users, replace=False)
        mask = np.zeros(split.n_users, np.float32)
        mask[keep] = 1.0
        test = sp.csr_matrix(sp.diags(mask) @ test)
        test.eliminate_zeros()

    def record(name: str, ranker: Any, started: float) -> None:
        result = MethodResult(
            name, ranking_metrics_at_k(ranker, train, test, K=k), time.perf_counter() - started
        )
        results.append(result)
        logger.info("%s: %s", name, result)
        if on_method is not None:
            on_method(result)

    for name in baselines:
        started = time.perf_counter()
        model = make_model(name)
        model.fit(train)
        record(name, model, started)

    clean = leak_free_catalog(catalog, split)
    started = time.perf_counter()
    trained = fit_model(_item_log(split, clean), clean, config)
    fit_s = time.perf_counter() - started
    variants = {
        "atelier (served: blend + MMR + exploration)": config,
        "atelier (blend only)": replace(config, rerank=False, explore_share=0.0),
        "atelier (blend only, no collaborative)": replace(config, rerank=False, explore_share=0.0),
    }
    for name, variant in variants.items():
        started = time.perf_counter() - fit_s
        model_used = None if "no collaborative" in name else trained
        record(name, ServiceRanker(clean, split, variant, model_used), started)
    return results
