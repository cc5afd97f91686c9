"""The small additions this feature made to the pure core: scoring a few candidates for one
folded-in user, ALS fold-in in numpy, and the reason for an image made with a known LoRA."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from atelier.recommend.models import ALSModel, make_model
from atelier.recommend.reasons import render_text


def _matrix() -> sp.csr_matrix:
    rng = np.random.default_rng(0)
    matrix = sp.random(60, 80, density=0.08, random_state=1, format="csr", dtype=np.float32)
    # Some dislikes: ALS keeps them as confident zeros.
    matrix.data = np.where(rng.random(matrix.nnz) < 0.2, -1.0, matrix.data * 3).astype(np.float32)
    return matrix


def test_als_fold_in_matches_implicits_recalculate_user() -> None:
    model = ALSModel(factors=8, iterations=3)
    model.fit(_matrix())
    row = _matrix()[7]

    ours = model.fold_in(row)
    theirs = model._recalculate(row)[0]

    np.testing.assert_allclose(ours, theirs, atol=1e-4)


@pytest.mark.parametrize("name", ["als", "itemknn", "ease", "popularity"])
def test_score_items_equals_the_full_scores_of_a_folded_in_user(name: str) -> None:
    params = {"factors": 8, "iterations": 3} if name == "als" else {}
    model = make_model(name, **params)
    model.fit(_matrix())
    row = _matrix()[[11]]
    items = np.array([3, 40, 79, 0])

    full = model._user_scores(np.zeros(1, np.int64), row, True)[0]

    np.testing.assert_allclose(model.score_items(row, items), full[items], atol=1e-4)
    np.testing.assert_allclose(model.score_items(row), full, atol=1e-4)


def test_bpr_cannot_score_a_user_it_was_not_fitted_on() -> None:
    model = make_model("bpr", factors=8, iterations=2)
    model.fit(_matrix())

    with pytest.raises(NotImplementedError):
        model.score_items(_matrix()[[0]])


def test_an_image_made_with_a_lora_met_through_images_names_it_and_the_count() -> None:
    text = render_text("lora_graph", ref_name="Ink Wash", count=3, action="liked")

    assert text == "made with Ink Wash, the LoRA behind 3 images you liked"
    assert render_text("lora_graph", count=3, action="liked") == "used in 3 images you liked"
