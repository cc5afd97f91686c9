"""Collaborative candidates from the inner-product index: the images the model scores highest,
found without scoring all of them, within what the viewer may see."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from numpy.typing import NDArray

from atelier.recommend.events import Kind
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.cf_retrieval import FactorRetriever, build_retriever
from atelier.services.recommendations.collaborative import EventLog, TrainedModel, fit_model
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evidence import Evidence, Person, gather_evidence
from atelier.services.recommendations.feed import collaborative_candidates, top_rows
from atelier.services.recommendations.history import History
from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import service_of

NOW = 1_700_000_000.0


def _factors(n: int, dim: int, seed: int) -> NDArray[np.float32]:
    """Factor rows whose norms vary tenfold, as popular and niche items' do, and some zero."""
    rng = np.random.default_rng(seed)
    directions = rng.normal(size=(n, dim))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    norms = rng.uniform(0.1, 1.0, size=n)
    norms[rng.choice(n, size=n // 10, replace=False)] = 0.0
    return (directions * norms[:, None]).astype(np.float32)


def _top(scores: NDArray[np.floating], k: int) -> set[int]:
    return set(np.argsort(-scores, kind="stable")[:k].tolist())


def test_the_index_finds_the_largest_inner_products_not_the_closest_directions() -> None:
    factors = _factors(6000, 16, seed=1)
    retriever = FactorRetriever(factors, np.arange(6000, dtype=np.int64))
    norms = np.linalg.norm(factors, axis=1)
    rng = np.random.default_rng(2)
    found_recall, cosine_recall = [], []
    for _ in range(20):
        user = rng.normal(size=16).astype(np.float32)
        exact = _top(factors @ user, 50)
        found = retriever.search(user, 50)
        found_recall.append(len(exact & set(found.tolist())) / 50)
        cosine = (factors @ user) / np.where(norms > 0, norms, 1.0)
        cosine_recall.append(len(exact & _top(cosine, 50)) / 50)
    # Ranking by direction alone (what the vector index does without the extra coordinate)
    # misses the long vectors that win an inner product.
    assert np.mean(found_recall) >= 0.9
    assert np.mean(cosine_recall) < 0.6


def test_columns_without_factors_are_never_returned() -> None:
    factors = _factors(3000, 8, seed=3)
    columns = np.arange(0, 3000, 2, dtype=np.int64)
    retriever = FactorRetriever(factors, columns)
    zero = np.flatnonzero(~np.linalg.norm(factors, axis=1).astype(bool))
    assert len(retriever) == columns.size - np.isin(columns, zero).sum()
    found = retriever.search(np.ones(8, np.float32), 3000)
    assert found.size == len(retriever)
    assert np.isin(found, columns).all() and not np.isin(found, zero).any()
    assert retriever.search(np.zeros(8, np.float32), 10).size == 0


def test_small_models_get_no_index() -> None:
    factors = _factors(100, 8, seed=4)
    assert build_retriever(factors, np.arange(100, dtype=np.int64), min_columns=101) is None
    built = build_retriever(factors, np.arange(100, dtype=np.int64), min_columns=100)
    assert built is not None and len(built) == 90


@pytest.fixture(scope="module")
def trained(rec_client: CsrfClient) -> tuple[RecCatalog, TrainedModel]:
    """ALS fitted on a log of 300 people who each like 30 images of one of 10 taste groups."""
    catalog = service_of(rec_client).catalog
    rng = np.random.default_rng(5)
    groups = np.array_split(rng.permutation(catalog.n_images), 10)
    users, items = [], []
    for user in range(300):
        group = groups[user % 10]
        users.extend([user] * 30)
        items.extend(rng.choice(group, size=30, replace=False).tolist())
    log = EventLog(
        users=np.asarray(users, np.int64),
        items=np.asarray(items, np.int64),
        kinds=np.full(len(users), int(Kind.LIKE), np.int64),
        times=np.full(len(users), NOW),
        n_users=300,
    )
    return catalog, fit_model(log, catalog, RecommendConfig(), now=NOW)


def _person(images: NDArray[np.int64]) -> Person:
    history = History(
        ids=np.arange(1, images.size + 1, dtype=np.int64),
        items=images.astype(np.int64),
        kinds=np.full(images.size, int(Kind.LIKE), np.int64),
        times=np.full(images.size, NOW),
    )
    return Person(Visibility(), history=history, user_id=1)


def _index_candidates(
    catalog: RecCatalog, model: TrainedModel
) -> tuple[RecommendConfig, Evidence, NDArray[np.bool_], NDArray[np.int64]]:
    """One person's 40 collaborative candidates from the index, with every image allowed."""
    config = replace(RecommendConfig(), cf_index_min_images=1, candidates_per_source=40)
    person = _person(np.arange(0, 40, 5, dtype=np.int64))
    evidence = gather_evidence(catalog, person, model, config, now=NOW)
    ok = np.ones(catalog.n_images, np.bool_)
    return config, evidence, ok, collaborative_candidates(catalog, model, evidence, config, ok)


def test_feed_candidates_from_the_index_match_scoring_every_image(
    trained: tuple[RecCatalog, TrainedModel],
) -> None:
    catalog, model = trained
    indexed = replace(RecommendConfig(), cf_index_min_images=1, candidates_per_source=40)
    scored = replace(indexed, cf_index_min_images=10**9)
    retriever = model.image_retriever(indexed.cf_index_min_images)
    assert retriever is not None
    assert model.image_retriever(scored.cf_index_min_images) is None
    # Built once, whatever threshold asks for it.
    assert model.image_retriever(catalog.n_images) is retriever
    rng = np.random.default_rng(6)
    overlaps = []
    for _ in range(10):
        person = _person(rng.choice(catalog.n_images, size=8, replace=False))
        evidence = gather_evidence(catalog, person, model, indexed, now=NOW)
        mask, _allowed = catalog.image_mask(person.visibility)
        ok = mask.copy()
        ok[evidence.excluded_rows(catalog, "images")] = False
        from_index = collaborative_candidates(catalog, model, evidence, indexed, ok)
        from_all = collaborative_candidates(catalog, model, evidence, scored, ok)
        assert ok[from_index].all()
        overlaps.append(len(set(from_index.tolist()) & set(from_all.tolist())) / from_all.size)
    assert np.mean(overlaps) >= 0.9


def test_rows_the_viewer_may_not_use_are_dropped_from_index_hits(
    trained: tuple[RecCatalog, TrainedModel],
) -> None:
    catalog, model = trained
    config, evidence, ok, first = _index_candidates(catalog, model)
    assert first.size == 40
    ok[first[:20]] = False
    again = collaborative_candidates(catalog, model, evidence, config, ok)
    assert not np.isin(again, first[:20]).any()
    assert again.size == 40
    # The same rows the exact scores rank first among those still allowed.
    image_cols, _ = model.columns(catalog)
    rows = np.flatnonzero(ok)
    scores = np.nan_to_num(model.scores(evidence.cf_row, image_cols[rows]), nan=0.0)
    best = set(top_rows(scores, rows, 40).tolist())
    assert len(best & set(again.tolist())) >= 36


def test_scores_from_the_requests_folded_in_factors_equal_folding_in_again(
    trained: tuple[RecCatalog, TrainedModel],
) -> None:
    catalog, model = trained
    config = RecommendConfig()
    person = _person(np.arange(0, 60, 6, dtype=np.int64))
    evidence = gather_evidence(catalog, person, model, config, now=NOW)
    assert evidence.cf_user is not None
    image_cols, lora_cols = model.columns(catalog)
    for columns in (image_cols, lora_cols, np.array([-1, 0, 3], np.int64)):
        again = model.scores(evidence.cf_row, columns)
        reused = model.scores(evidence.cf_row, columns, evidence.cf_user)
        np.testing.assert_array_equal(np.isnan(reused), columns < 0)
        np.testing.assert_array_equal(reused, again)
    empty = gather_evidence(catalog, _person(np.zeros(0, np.int64)), model, config, now=NOW)
    assert empty.cf_user is None


def test_index_hits_on_images_the_catalog_no_longer_has_are_dropped(
    trained: tuple[RecCatalog, TrainedModel],
) -> None:
    catalog, model = trained
    config, evidence, ok, first = _index_candidates(catalog, model)
    # A model trained before some of its best images left the catalog: their columns name
    # ids the catalog does not have (kept sorted, between their neighbours' ids).
    image_cols, _ = model.columns(catalog)
    ids = model.image_ids.copy()
    gone = [c for c in image_cols[first[:10]] if c > 0 and ids[c] - ids[c - 1] > 1]
    assert gone
    ids[gone] -= 1
    older = replace(model, image_ids=ids, _columns={}, _retriever=None)
    again = collaborative_candidates(catalog, older, evidence, config, ok)
    assert again.size == 40 and (again >= 0).all()
    lost = catalog.snapshot.images.rows_of(model.image_ids[gone])
    assert not np.isin(again, lost).any()
