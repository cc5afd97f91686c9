"""An image feed assembled from the cores the way the services layer will: each pick explained."""

from __future__ import annotations

import numpy as np

from atelier.recommend.blend import Signal, blend
from atelier.recommend.diversity import GroupCap, mmr_rerank
from atelier.recommend.events import Kind, aggregate_user, excluded_items
from atelier.recommend.graph import images_from_loras, link_matrix, loras_from_images
from atelier.recommend.profile import ContentProfile, ProfileEvent

DIM = 12
N_IMAGES = 40  # four clusters of ten; image i uses LoRA i % 5


def catalog() -> tuple[np.ndarray, object]:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(4, DIM))
    vectors = centres[np.arange(N_IMAGES) // 10] + 0.3 * rng.normal(size=(N_IMAGES, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    images = np.arange(N_IMAGES)
    return vectors.astype(np.float32), link_matrix(images, images % 5, None, (N_IMAGES, 5))


def test_feed_excludes_seen_items_caps_loras_and_explains_every_pick() -> None:
    vectors, links = catalog()
    items = np.array([0, 1, 12, 22, 32, 39])
    kinds = np.array([Kind.LIKE, Kind.LIKE, Kind.SAVE, Kind.SAVE, Kind.SAVE, Kind.DISLIKE])
    times = np.arange(items.size, dtype=float)

    profile = ContentProfile.from_events(
        (
            ProfileEvent(int(i), vectors[i], Kind(int(k)), t)
            for i, k, t in zip(items, kinds, times, strict=True)
        ),
        DIM,
    )
    mine = aggregate_user(items, kinds, times, now=float(times[-1]))
    lora_evidence = loras_from_images(links, mine.item_idx, mine.confidence, mine.top_kind)
    by_lora = images_from_loras(links, np.maximum(lora_evidence.scores, 0))

    candidates = np.setdiff1d(np.arange(N_IMAGES), excluded_items(items, kinds, times))
    explanation = profile.explain(vectors[candidates])
    names = {int(i): f"image {i}" for i in items}
    result = blend(
        [
            Signal(
                "liked_similar",
                profile.score(vectors[candidates]),
                ref_ids=explanation.ref_item_ids,
                actions=explanation.kinds,
                ref_names=names,
            ),
            Signal(
                "lora_graph",
                by_lora.scores[candidates],
                weight=0.5,
                ref_ids=by_lora.ref_ids[candidates],
                actions=lora_evidence.kinds[np.maximum(by_lora.ref_ids[candidates], 0)],
                ref_names={lora: f"LoRA {lora}" for lora in range(5)},
            ),
        ]
    )
    page = mmr_rerank(
        result.scores,
        vectors[candidates],
        k=10,
        caps=[GroupCap(candidates % 5, 3, "lora")],
        explore_mask=np.isin(candidates // 10, [3]),
        epsilon=0.2,
        seed=0,
    )
    shown = candidates[page.order]

    assert not set(shown.tolist()) & set(items.tolist())
    assert np.bincount(shown % 5).max() <= 3
    assert page.explore.sum() == 2
    reasons = [
        "something new to explore" if explore else result.reason(int(i)).text
        for i, explore in zip(page.order, page.explore, strict=True)
    ]
    assert all(reasons)
    top = result.reason(int(page.order[0]))
    assert top.kind == "liked_similar" and top.text in {
        "because you liked image 0",
        "because you liked image 1",
    }
