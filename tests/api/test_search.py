"""Search over the sample catalog: side by side results, exact filters, bad input, similar items.

The vector path runs on the deterministic hashing embedder (instant, no model files); the real
MiniLM model is exercised by the marked model tests and the evaluation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, func, select

from atelier.api.factory import build_app
from atelier.db.engine import make_engine
from atelier.db.fulltext import query_terms
from atelier.db.models import Image, Model, ModelTag, ModelVersion
from atelier.embed.hashing import HashingEmbedder
from atelier.services.indexing import refresh_search_indexes
from atelier.services.search.service import MAX_QUERY_CHARS
from tests.api.conftest import CsrfClient, make_settings


@pytest.fixture(scope="module")
def catalog_engine(module_catalog_url: str) -> Iterator[Engine]:
    built = make_engine(module_catalog_url)
    yield built
    built.dispose()


@pytest.fixture(scope="module")
def search_client(
    tmp_path_factory: pytest.TempPathFactory, module_catalog_url: str, catalog_engine: Engine
) -> Iterator[CsrfClient]:
    """One app with hashing-embedder indexes for the whole module: the tests only read."""
    data_dir = tmp_path_factory.mktemp("search")
    settings = make_settings(data_dir, module_catalog_url, embedder="hashing", vector_index="exact")
    refresh_search_indexes(catalog_engine, HashingEmbedder(), data_dir, "exact")
    with CsrfClient(build_app(settings)) as client:
        yield client


def _search(client: CsrfClient, **params: object) -> dict:  # type: ignore[type-arg]
    response = client.get("/api/search", params=params)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def test_a_description_finds_images_and_loras_side_by_side(search_client: CsrfClient) -> None:
    body = _search(search_client, q="watercolor landscape with mountains", limit=5)

    assert body["semantic"] is True
    assert len(body["images"]["data"]) == 5 and len(body["loras"]["data"]) == 5
    first = body["images"]["data"][0]
    assert first["match"]["score"] > 0 and first["match"]["why"]
    assert all(hit["image"]["content_level"] == 0 for hit in body["images"]["data"])


def _most_downloaded_pg_lora(engine: Engine) -> tuple[str, int]:
    with engine.connect() as connection:
        name, lora_id = connection.execute(
            select(Model.name, Model.id)
            .where(Model.is_lora, Model.content_level == 0, Model.poi.is_(False))
            .order_by(Model.download_count.desc())
            .limit(1)
        ).one()
    return str(name), int(lora_id)


def test_an_exact_lora_name_ranks_that_lora_first(
    search_client: CsrfClient, catalog_engine: Engine
) -> None:
    name, lora_id = _most_downloaded_pg_lora(catalog_engine)

    body = _search(search_client, q=name, kind="loras", limit=5)

    assert body["images"] is None
    assert body["loras"]["data"][0]["lora"]["id"] == lora_id
    assert "matches your words" in body["loras"]["data"][0]["match"]["why"]


def test_a_trigger_word_finds_its_lora(search_client: CsrfClient, catalog_engine: Engine) -> None:
    with catalog_engine.connect() as connection:
        rows = connection.execute(
            select(ModelVersion.model_id, ModelVersion.trained_words)
            .join(Model, Model.id == ModelVersion.model_id)
            .where(Model.is_lora, Model.content_level == 0, Model.poi.is_(False))
        ).all()
    # A trigger word that belongs to exactly one LoRA and is a single rare-looking token.
    owners: dict[str, set[int]] = {}
    for model_id, words in rows:
        for word in words or []:
            owners.setdefault(word.strip().lower(), set()).add(model_id)
    word, model_ids = next(
        (w, ids)
        for w, ids in sorted(owners.items())
        if len(ids) == 1 and w.isalpha() and len(w) > 6
    )

    body = _search(search_client, q=word, kind="loras", limit=10)

    assert next(iter(model_ids)) in [hit["lora"]["id"] for hit in body["loras"]["data"]]


def test_filters_are_exact_on_the_vector_path_too(
    search_client: CsrfClient, catalog_engine: Engine
) -> None:
    with catalog_engine.connect() as connection:
        tag = connection.execute(
            select(ModelTag.tag)
            .join(Model, Model.id == ModelTag.model_id)
            .where(Model.is_lora, Model.content_level == 0, Model.poi.is_(False))
            .group_by(ModelTag.tag)
            .having(func.count() == 1)
            .order_by(ModelTag.tag)
            .limit(1)
        ).scalar_one()

    # A query that has nothing to do with the tag: only the filter decides what comes back.
    body = _search(search_client, q="zzz qqq", kind="loras", include_tags=tag, limit=5)

    found = body["loras"]["data"]
    assert len(found) == 1
    lora = search_client.get(f"/api/loras/{found[0]['lora']['id']}").json()
    assert tag in lora["tags"]


def test_base_model_and_excluded_tags_apply_to_every_result(search_client: CsrfClient) -> None:
    body = _search(
        search_client, q="portrait of a woman", base_model="SD 1.5", exclude_tags="anime", limit=20
    )

    for hit in body["loras"]["data"]:
        lora = search_client.get(f"/api/loras/{hit['lora']['id']}").json()
        assert "SD 1.5" in lora["base_models"]
        assert "anime" not in lora["tags"]


def test_a_request_cannot_raise_the_content_level_above_the_viewers(
    search_client: CsrfClient,
) -> None:
    body = _search(search_client, q="woman", kind="images", max_level=3, limit=50)

    assert body["images"]["data"]
    assert {hit["image"]["content_level"] for hit in body["images"]["data"]} == {0}


def test_pages_continue_without_repeats(search_client: CsrfClient) -> None:
    first = _search(search_client, q="girl", kind="images", limit=10)
    second = _search(
        search_client, q="girl", kind="images", limit=10, cursor=first["images"]["next_cursor"]
    )

    ids = [h["image"]["id"] for h in first["images"]["data"] + second["images"]["data"]]
    assert len(ids) == len(set(ids)) == 20


def test_sorting_by_newest_orders_by_date(
    search_client: CsrfClient, catalog_engine: Engine
) -> None:
    body = _search(search_client, q="", kind="loras", sort="newest", limit=10)

    ids = [hit["lora"]["id"] for hit in body["loras"]["data"]]
    with catalog_engine.connect() as connection:
        created = dict(
            connection.execute(select(Model.id, Model.created_at).where(Model.id.in_(ids)))
            .tuples()
            .all()
        )
    dates = [created[i] for i in ids]
    assert dates == sorted(dates, reverse=True)


def test_a_long_pasted_prompt_is_read_to_its_end(
    search_client: CsrfClient, catalog_engine: Engine
) -> None:
    # A prompt pasted whole can run past 512 characters (12% of the catalog's do); the LoRA it
    # names at the end must still count. A cut at 512 leaves only the filler: nothing matches
    # its words. (Near-namesakes such as another "Detail Tweaker" may rank beside it.)
    name, lora_id = _most_downloaded_pg_lora(catalog_engine)
    query = "zzqx " * 140 + name
    assert 512 < len(query) <= MAX_QUERY_CHARS

    body = _search(search_client, q=query, kind="loras", limit=5)

    assert body["query"] == query
    top = {hit["lora"]["id"]: hit["match"]["matched_terms"] for hit in body["loras"]["data"][:3]}
    assert lora_id in top
    assert set(query_terms(name)) <= set(top[lora_id])


@pytest.mark.parametrize(
    "query",
    [
        "",
        "x" * 10_000,
        "🎨🌊🌅",
        "水彩画 港 夕暮れ",
        "'; DROP TABLE images; --",
        'NEAR(a b) "unclosed * OR AND',
        "<script>alert(1)</script>",
    ],
)
def test_hostile_or_odd_queries_answer_cleanly(search_client: CsrfClient, query: str) -> None:
    body = _search(search_client, q=query, limit=5)

    assert body["images"] is not None and body["loras"] is not None
    assert len(body["query"]) <= MAX_QUERY_CHARS


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"base_model": "SD 99"}, 422),
        ({"model_type": "Spaceship"}, 422),
        ({"sort": "random"}, 422),
        ({"kind": "videos"}, 422),
        ({"max_level": 9}, 422),
        ({"cursor": "garbage"}, 422),
    ],
)
def test_unknown_filter_values_are_refused_with_a_clear_422(
    search_client: CsrfClient, params: dict[str, object], status: int
) -> None:
    response = search_client.get("/api/search", params={"q": "cat", **params})

    assert response.status_code == status
    assert "detail" in response.json()


def test_limits_are_clamped(search_client: CsrfClient) -> None:
    assert len(_search(search_client, q="girl", kind="images", limit=0)["images"]["data"]) == 1
    assert (
        len(_search(search_client, q="girl", kind="images", limit=100_000)["images"]["data"]) == 100
    )


def test_similar_images_exclude_the_image_and_respect_levels(
    search_client: CsrfClient, catalog_engine: Engine
) -> None:
    with catalog_engine.connect() as connection:
        image_id = _first_image(connection, level=0)

    body = search_client.get(f"/api/images/{image_id}/similar", params={"limit": 10}).json()

    assert len(body["data"]) == 10
    assert image_id not in [h["image"]["id"] for h in body["data"]]
    assert {h["image"]["content_level"] for h in body["data"]} == {0}


@pytest.mark.parametrize("route", ["similar", "loras"])
def test_an_image_the_viewer_may_not_see_or_none_at_all_is_not_found(
    search_client: CsrfClient, catalog_engine: Engine, route: str
) -> None:
    with catalog_engine.connect() as connection:
        hidden = _first_image(connection, level=3)

    assert search_client.get(f"/api/images/{hidden}/{route}").status_code == 404
    assert search_client.get(f"/api/images/{2**40}/{route}").status_code == 404


def _first_image(connection: Connection, *, level: int) -> int:
    return int(
        connection.execute(
            select(Image.id).where(Image.content_level == level).order_by(Image.id).limit(1)
        ).scalar_one()
    )


def test_similar_loras_and_loras_for_an_image(
    search_client: CsrfClient, catalog_engine: Engine
) -> None:
    with catalog_engine.connect() as connection:
        lora_id = connection.execute(
            select(Model.id)
            .where(Model.is_lora, Model.content_level == 0, Model.poi.is_(False))
            .limit(1)
        ).scalar_one()
        image_id = _first_image(connection, level=0)
        hidden = connection.execute(
            select(Model.id).where(Model.is_lora, Model.content_level > 0).limit(1)
        ).scalar_one()

    similar = search_client.get(f"/api/loras/{lora_id}/similar").json()
    behind = search_client.get(f"/api/images/{image_id}/loras").json()

    assert similar["data"] and lora_id not in [h["lora"]["id"] for h in similar["data"]]
    assert behind["data"] and all(h["match"]["why"] for h in behind["data"])
    # A LoRA the viewer may not see, or none at all: not found, not an empty list.
    assert search_client.get(f"/api/loras/{hidden}/similar").status_code == 404
    assert search_client.get(f"/api/loras/{2**40}/similar").status_code == 404


def test_similar_loras_include_namesakes_and_say_so(
    search_client: CsrfClient, catalog_engine: Engine
) -> None:
    # Two LoRAs whose names share a word no other LoRA's name has (say, one character).
    with catalog_engine.connect() as connection:
        names = connection.execute(
            select(Model.id, Model.name).where(
                Model.is_lora, Model.content_level == 0, Model.poi.is_(False)
            )
        ).all()
    holders: dict[str, list[int]] = {}
    for lora_id, name in names:
        for word in set(query_terms(name)):
            if len(word) >= 5 and not word.isdigit():
                holders.setdefault(word, []).append(lora_id)
    pairs = sorted(ids for ids in holders.values() if len(ids) == 2)
    assert pairs, "the sample catalog has no two LoRAs sharing a rare name word"
    first, namesake = pairs[0]

    similar = search_client.get(f"/api/loras/{first}/similar").json()["data"]

    why = {h["lora"]["id"]: h["match"]["why"] for h in similar}
    assert namesake in why
    assert "shares its name or tags" in why[namesake]
    assert first not in why
