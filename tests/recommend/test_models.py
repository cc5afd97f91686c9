"""Shared behaviour suite run against every registered model, on data with a known answer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from atelier.recommend.models import (
    MODEL_NAMES,
    ModelFileError,
    Recommender,
    ScoringModel,
    UnknownModelError,
    load_model,
    make_model,
    model_class,
)

from .conftest import MODEL_PARAMS, Blocks

PERSONALISED = [name for name in MODEL_NAMES if name != "popularity"]
FOLDS_IN_NEW_USERS = [name for name in MODEL_NAMES if model_class(name).supports_recalculate_user]

_fitted: dict[str, ScoringModel] = {}


def fitted(name: str, blocks: Blocks) -> ScoringModel:
    # Fitting once per model keeps the suite fast; tests never mutate a fitted model.
    if name not in _fitted:
        model = make_model(name, **MODEL_PARAMS[name])
        model.fit(blocks.user_items)
        _fitted[name] = model
    return _fitted[name]


def test_every_registered_model_has_test_parameters() -> None:
    assert set(MODEL_PARAMS) == set(MODEL_NAMES)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_satisfies_the_recommender_protocol(name: str, blocks: Blocks) -> None:
    assert isinstance(fitted(name, blocks), Recommender)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_recommend_returns_n_items_best_first(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    ids, scores = model.recommend(0, blocks.user_items[0], N=5)
    assert ids.dtype == np.int32 and scores.dtype == np.float32
    assert ids.shape == scores.shape == (5,)
    assert np.all(np.diff(scores) <= 0)
    assert len(set(ids.tolist())) == 5


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_already_liked_items_are_filtered(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    for user in (0, 45):
        row = blocks.user_items[user]
        ids, _ = model.recommend(user, row, N=20)
        assert not set(ids.tolist()) & set(row.indices.tolist())
        assert len(ids) == 20 - row.nnz


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_liked_items_come_back_when_not_filtered(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    ids, _ = model.recommend(0, blocks.user_items[0], N=20, filter_already_liked_items=False)
    assert sorted(ids.tolist()) == list(range(20))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_filter_items_are_never_returned(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    banned = np.array([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    ids, _ = model.recommend(3, blocks.user_items[3], N=20, filter_items=banned)
    assert ids.size > 0
    assert not set(ids.tolist()) & set(banned.tolist())


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_batch_matches_single_calls_and_pads_missing_slots(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    users = np.array([1, 40, 7])
    ids, scores = model.recommend(users, blocks.user_items[users], N=20)
    assert ids.shape == scores.shape == (3, 20)
    for row, user in enumerate(users):
        one, one_scores = model.recommend(int(user), blocks.user_items[user], N=20)
        np.testing.assert_array_equal(ids[row, : one.size], one)
        np.testing.assert_allclose(scores[row, : one.size], one_scores, rtol=1e-5, atol=1e-6)
        assert np.all(ids[row, one.size :] == -1)
        assert np.all(np.isneginf(scores[row, one.size :]))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_user_items_must_have_one_row_per_user(name: str, blocks: Blocks) -> None:
    with pytest.raises(ValueError, match="one row per requested user"):
        fitted(name, blocks).recommend(np.array([0, 1]), blocks.user_items[0], N=3)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_save_load_round_trip_gives_identical_recommendations(
    name: str, blocks: Blocks, tmp_path: Path
) -> None:
    model = fitted(name, blocks)
    path = tmp_path / f"{name}.npz"
    model.save(path)
    loaded = type(model).load(path)
    users = np.arange(blocks.user_items.shape[0])
    before = model.recommend(users, blocks.user_items, N=8)
    after = loaded.recommend(users, blocks.user_items, N=8)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_array_equal(before[1], after[1])
    np.testing.assert_array_equal(model.similar_items(2, 5)[0], loaded.similar_items(2, 5)[0])
    # No pickle anywhere: every stored array loads with pickling disabled.
    with np.load(path, allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_load_model_dispatches_on_the_stored_name(
    name: str, blocks: Blocks, tmp_path: Path
) -> None:
    path = tmp_path / "model.npz"
    fitted(name, blocks).save(path)
    assert type(load_model(path)) is type(fitted(name, blocks))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_similar_items_never_returns_the_query_item(name: str, blocks: Blocks) -> None:
    ids, scores = fitted(name, blocks).similar_items(4, N=5)
    assert 4 not in ids.tolist()
    assert ids.size <= 5 and ids.size == scores.size
    assert np.all(np.diff(scores) <= 0)


@pytest.mark.parametrize("name", PERSONALISED)
def test_users_get_items_from_their_own_block(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    for group, block in ((blocks.group_a, blocks.block_a), (blocks.group_b, blocks.block_b)):
        ids, _ = model.recommend(group, blocks.user_items[group], N=3)
        assert np.isin(ids, block).all(), name


@pytest.mark.parametrize("name", PERSONALISED)
def test_similar_items_stay_in_the_block(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    for item, block in ((2, blocks.block_a), (15, blocks.block_b)):
        ids, _ = model.similar_items(item, N=3)
        assert ids.size == 3
        assert np.isin(ids, block).all(), name


@pytest.mark.parametrize("name", FOLDS_IN_NEW_USERS)
def test_recalculate_user_serves_a_new_user_without_refit(name: str, blocks: Blocks) -> None:
    model = fitted(name, blocks)
    newcomer = sp.csr_matrix(([1.0, 1.0, 1.5], ([0, 0, 0], [11, 14, 17])), shape=(1, 20))
    ids, _ = model.recommend(999, newcomer, N=3, recalculate_user=True)
    assert ids.size == 3
    if name in PERSONALISED:
        assert np.isin(ids, blocks.block_b).all()
    assert not {11, 14, 17} & set(ids.tolist())


def test_models_without_fold_in_say_so(blocks: Blocks) -> None:
    for name in set(MODEL_NAMES) - set(FOLDS_IN_NEW_USERS):
        with pytest.raises(NotImplementedError):
            fitted(name, blocks).recommend(0, blocks.user_items[0], recalculate_user=True)


def test_als_fold_in_follows_a_changed_user(blocks: Blocks) -> None:
    model = fitted("als", blocks)
    # User 0 was a block-A user; after switching to block B the fold-in follows the new row.
    switched = sp.csr_matrix((np.ones(5), ([0] * 5, [10, 12, 13, 16, 19])), shape=(1, 20))
    ids, _ = model.recommend(0, switched, N=3, recalculate_user=True)
    assert np.isin(ids, blocks.block_b).all()


def test_als_unknown_user_without_recalculate_is_an_index_error(blocks: Blocks) -> None:
    with pytest.raises(IndexError, match="recalculate_user"):
        fitted("als", blocks).recommend(500, blocks.user_items[0], N=3)


def test_als_dislike_lowers_the_item_for_that_user(blocks: Blocks) -> None:
    row = blocks.user_items[0]
    unseen = int(np.setdiff1d(blocks.block_a, row.indices)[0])
    dislike = sp.csr_matrix(([-1.0], ([0], [unseen])), shape=blocks.user_items.shape)
    with_dislike = (blocks.user_items + dislike).tocsr()
    scores = []
    for matrix in (blocks.user_items, with_dislike):
        model = make_model("als", **MODEL_PARAMS["als"])
        model.fit(matrix)
        ids, best = model.recommend(0, matrix[0], N=20, filter_already_liked_items=False)
        scores.append(float(best[ids.tolist().index(unseen)]))
    assert scores[1] < scores[0]


def test_narrower_user_rows_are_padded_to_the_model(blocks: Blocks) -> None:
    # A row built before the newest items existed still works.
    model = fitted("itemknn", blocks)
    narrow = sp.csr_matrix(([1.0], ([0], [3])), shape=(1, 12))
    ids, _ = model.recommend(0, narrow, N=3)
    assert np.isin(ids, blocks.block_a).all()


def test_make_model_rejects_unknown_names() -> None:
    with pytest.raises(UnknownModelError, match="known models: popularity"):
        make_model("deep-magic")


def test_make_model_passes_parameters() -> None:
    model = make_model("itemknn", k=7, shrink=2.0)
    assert model._params() == {"k": 7, "shrink": 2.0}


def test_loading_another_models_file_is_refused(blocks: Blocks, tmp_path: Path) -> None:
    path = tmp_path / "knn.npz"
    fitted("itemknn", blocks).save(path)
    with pytest.raises(ModelFileError, match="holds a itemknn model, not als"):
        model_class("als").load(path)


def test_loading_a_missing_file_is_a_model_file_error(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="no model file"):
        load_model(tmp_path / "absent.npz")


def test_save_replaces_the_file_atomically(blocks: Blocks, tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    fitted("popularity", blocks).save(path)
    fitted("itemknn", blocks).save(path)
    assert type(load_model(path)).name == "itemknn"
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]


def test_ease_refuses_catalogs_over_its_dense_limit() -> None:
    model = make_model("ease", max_items=5)
    with pytest.raises(ValueError, match="dense"):
        model.fit(sp.csr_matrix(np.eye(6, dtype=np.float32)))


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_an_unfitted_model_says_so(name: str, blocks: Blocks) -> None:
    with pytest.raises(ValueError, match="not fitted"):
        make_model(name).recommend(0, blocks.user_items[0])
