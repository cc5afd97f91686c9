"""The evaluation harness: creator-history splits hold out without leaking, every method is
measured on the same split, the oracle of simulated people is right, and the plot is SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
from sqlalchemy import select

from atelier.db.models import Image, Model, ModelVersion
from atelier.services.recommendations.evaluation import (
    creator_split,
    evaluate_creators,
    leak_free_catalog,
)
from atelier.services.recommendations.report import line_chart_svg
from atelier.services.recommendations.simulation import Taste, choose_tastes, matches
from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import loras_of, service_of, state_of


def test_creator_split_holds_out_new_loras_and_never_their_own(rec_client: CsrfClient) -> None:
    catalog = service_of(rec_client).catalog
    with state_of(rec_client).engine.connect() as connection:
        split = creator_split(connection, catalog)
        owner = dict(connection.execute(select(Model.id, Model.creator)).tuples().all())

    assert split.n_users > 0
    assert split.train.multiply(split.test).nnz == 0
    for user, creator in enumerate(split.creators):
        held = catalog.lora_ids[split.test[user].indices]
        assert all(owner.get(int(lora)) != creator for lora in held)
    clean = leak_free_catalog(catalog, split)
    assert clean.links[split.held_out].nnz == 0
    assert clean.links.nnz < catalog.links.nnz


def test_a_validation_split_also_hides_the_versions_after_the_held_out_one(
    rec_client: CsrfClient,
) -> None:
    # With the second-latest version held out, the latest one's images reuse its LoRAs next to
    # the history's; left in the graph, they hand the answer to co-use.
    catalog = service_of(rec_client).catalog
    with state_of(rec_client).engine.connect() as connection:
        split = creator_split(connection, catalog, back=1)
        posted = connection.execute(
            select(Model.creator, ModelVersion.created_at, ModelVersion.id, Image.id)
            .join(ModelVersion, ModelVersion.model_id == Model.id)
            .join(Image, Image.posted_version_id == ModelVersion.id)
        ).all()
    latest: dict[str, tuple[object, int]] = {}
    images_of: dict[int, list[int]] = {}
    for creator, created, version_id, image_id in posted:
        images_of.setdefault(version_id, []).append(image_id)
        if creator not in latest or (created, version_id) > latest[creator]:
            latest[creator] = (created, version_id)

    assert split.n_users > 0
    held = set(split.held_out.tolist())
    for creator in split.creators:
        rows = catalog.snapshot.images.rows_of(np.array(images_of[latest[creator][1]]))
        assert set(rows[rows >= 0].tolist()) <= held
    assert leak_free_catalog(catalog, split).links[split.held_out].nnz == 0


def test_every_method_is_measured_on_the_same_creators(rec_client: CsrfClient) -> None:
    service = service_of(rec_client)
    with state_of(rec_client).engine.connect() as connection:
        split = creator_split(connection, service.catalog)

    results = evaluate_creators(service.catalog, split, service.config, baselines=("popularity",))

    assert results[0].name == "popularity" and len(results) == 4
    assert len({r.metrics.users for r in results}) == 1
    assert all(0.0 <= r.metrics.recall <= 1.0 for r in results)


def test_the_oracle_likes_exactly_the_images_made_with_the_hidden_lora(
    rec_client: CsrfClient,
) -> None:
    service = service_of(rec_client)
    catalog = service.catalog
    tastes = choose_tastes(catalog, service.onboarding.styles, 2, 2, min_images=5)
    lora_taste = next(t for t in tastes if t.kind == "lora")
    images = [int(i) for i in catalog.image_ids[:300]]

    liked = matches(catalog, lora_taste, images)

    lora_id = int(catalog.lora_ids[lora_taste.lora_row])
    used = loras_of(rec_client, images)
    assert liked.tolist() == [lora_id in used[i] for i in images]
    tag_taste = Taste("tags", "x", -1, (0,), {})
    assert matches(catalog, tag_taste, images).dtype == bool


def test_the_learning_curve_is_a_well_formed_svg() -> None:
    svg = line_chart_svg(
        {"atelier": [0.1, 0.3, 0.5], "popularity": [0.0, 0.0, 0.1]},
        title="precision",
        x_label="round",
        y_label="precision@20",
    )

    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert len(root.findall("{http://www.w3.org/2000/svg}polyline")) == 2
    assert np.isfinite([float(c.get("cy", "0")) for c in root.iter() if c.get("cy")]).all()
