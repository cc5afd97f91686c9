"""Tests for image -> LoRA graph scores, counts and co-use."""

from __future__ import annotations

import numpy as np

from atelier.recommend.events import Kind
from atelier.recommend.graph import co_used_loras, images_from_loras, link_matrix, loras_from_images


def small_graph() -> object:
    """8 images x 4 LoRAs. LoRA 0 in images 0-3, LoRA 1 with 0 in images 2-3 and alone in 4,
    LoRA 2 in images 5-6, LoRA 3 only in image 7."""
    pairs = [(0, 0), (1, 0), (2, 0), (3, 0), (2, 1), (3, 1), (4, 1), (5, 2), (6, 2), (7, 3)]
    images, loras = zip(*pairs, strict=True)
    return link_matrix(images, loras, None, shape=(8, 4))


def test_link_matrix_keeps_one_link_per_pair_with_its_largest_weight() -> None:
    links = link_matrix([0, 0, 1], [2, 2, 0], [0.5, 0.8, -1.0], shape=(2, 3))
    assert links.toarray().tolist() == [[0.0, 0.0, 0.800000011920929], [1.0, 0.0, 0.0]]


def test_lora_scores_count_the_images_of_the_strongest_kind() -> None:
    links = small_graph()
    evidence = loras_from_images(
        links,
        image_idx=[0, 1, 2, 3, 5],
        image_weight=[1.5, 1.5, 1.5, 1.5, 1.0],
        image_kind=[Kind.SAVE] * 4 + [Kind.LIKE],
    )
    assert evidence.counts.tolist() == [4, 2, 1, 0]
    assert evidence.kinds.tolist() == [Kind.SAVE, Kind.SAVE, Kind.LIKE, -1]
    np.testing.assert_allclose(evidence.scores, [6.0, 3.0, 1.0, 0.0])


def test_disliked_images_lower_their_loras() -> None:
    links = small_graph()
    liked = loras_from_images(links, [5], [1.0], [Kind.LIKE])
    mixed = loras_from_images(links, [5, 6], [1.0, -1.0], [Kind.LIKE, Kind.DISLIKE])
    assert mixed.scores[2] < liked.scores[2]
    assert mixed.counts[2] == 1  # the disliked image is not counted as evidence


def test_link_weight_scales_the_lora_score() -> None:
    links = link_matrix([0, 0], [0, 1], [1.0, 0.25], shape=(1, 2))
    evidence = loras_from_images(links, [0], [1.0], [Kind.LIKE])
    np.testing.assert_allclose(evidence.scores, [1.0, 0.25])


def test_images_from_favoured_loras_name_the_lora_that_lifted_them() -> None:
    links = small_graph()
    favour = np.array([0.0, 2.0, 0.5, 0.0])
    result = images_from_loras(links, favour)
    np.testing.assert_allclose(result.scores, [0, 0, 2, 2, 2, 0.5, 0.5, 0])
    assert result.ref_ids.tolist() == [-1, -1, 1, 1, 1, 2, 2, -1]
    assert result.counts.tolist() == [0, 0, 1, 1, 1, 1, 1, 0]


def test_co_used_loras_point_at_the_saved_lora() -> None:
    links = small_graph()
    result = co_used_loras(links, saved_loras=[0])
    assert result.scores[0] == 0  # a saved LoRA is not suggested back
    assert result.scores[1] > 0
    assert result.scores[2] == result.scores[3] == 0
    assert result.ref_ids.tolist() == [-1, 0, -1, -1]
    assert result.counts.tolist() == [0, 2, 0, 0]
    np.testing.assert_allclose(result.scores[1], 2 / np.sqrt(4 * 3), rtol=1e-6)


def test_nothing_saved_means_no_co_use() -> None:
    result = co_used_loras(small_graph(), saved_loras=[])
    assert not result.scores.any() and np.all(result.ref_ids == -1)
