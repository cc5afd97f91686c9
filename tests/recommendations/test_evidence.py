"""What a history says about a person's LoRAs: the LoRA that makes the look they like leads
their favour, not a helper that turns up in every other image."""

from __future__ import annotations

import numpy as np

from atelier.recommend.events import Kind
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evidence import Person, gather_evidence
from atelier.services.recommendations.history import History
from atelier.services.recommendations.suggest import popular_weight
from atelier.services.visibility import Visibility
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import service_of


def _liked(images: list[int]) -> History:
    n = len(images)
    return History(
        ids=np.arange(1, n + 1, dtype=np.int64),
        items=np.asarray(images, dtype=np.int64),
        kinds=np.full(n, int(Kind.LIKE), np.int64),
        times=np.full(n, 1_700_000_000.0),
    )


def test_a_rarely_used_lora_leads_a_widely_used_one_behind_the_same_likes(
    rec_client: CsrfClient,
) -> None:
    catalog = service_of(rec_client).catalog
    uses = catalog.lora_uses
    # An image made with a widely used LoRA and a much rarer one at no greater strength:
    # without weighing by specificity the common one would be favoured at least as much.
    links = catalog.links.tocoo()
    best: tuple[int, int, int] | None = None
    for image in np.unique(links.row).tolist():
        row = catalog.links[image]
        if row.nnz < 2:
            continue
        common, rare = (
            row.indices[np.argmax(uses[row.indices])],
            row.indices[np.argmin(uses[row.indices])],
        )
        if (
            uses[common] > 4 * uses[rare]
            and catalog.links[image, common]
            >= catalog.links[image, rare]
            >= 0.8 * catalog.links[image, common]
        ):
            best = (image, int(common), int(rare))
            break
    assert best is not None, "the sample catalog has no image with a common and a rare LoRA"
    image, common, rare = best

    person = Person(Visibility(), history=_liked([image]), user_id=1)
    evidence = gather_evidence(catalog, person, None, RecommendConfig(), now=1_700_000_000.0)

    assert evidence.lora_evidence.scores[rare] <= evidence.lora_evidence.scores[common]
    assert evidence.favour[rare] > evidence.favour[common] > 0
    assert 0.0 <= catalog.lora_specificity.min() <= catalog.lora_specificity.max() <= 1.0


def test_lora_popularity_gives_way_as_liked_images_accumulate(rec_client: CsrfClient) -> None:
    catalog = service_of(rec_client).catalog
    config = RecommendConfig()
    saved_lora = History(
        ids=np.array([1], dtype=np.int64),
        items=np.array([catalog.n_images], dtype=np.int64),
        kinds=np.array([int(Kind.SAVE)], dtype=np.int64),
        times=np.array([1_700_000_000.0]),
    )
    liked = _liked(list(range(int(config.lora_popular_fade))))

    def weight(history: History) -> float:
        person = Person(Visibility(), history=history, user_id=1)
        evidence = gather_evidence(catalog, person, None, config, now=1_700_000_000.0)
        return popular_weight(catalog, evidence, config)

    # Saved LoRAs alone leave the prior whole; as many liked images as the fade halve it.
    assert weight(saved_lora) == config.lora_weights.popular
    assert weight(liked) == config.lora_weights.popular / 2
