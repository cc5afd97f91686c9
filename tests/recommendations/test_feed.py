"""The image feed over the API: never empty, diverse, learns from the very next request,
keeps out what a person removed, and honours their content limits."""

from __future__ import annotations

from collections import Counter

import numpy as np

from tests.api.conftest import CsrfClient
from tests.recommendations.conftest import (
    act,
    feed,
    feed_ids,
    image_levels,
    image_tags,
    neighbours,
    service_of,
    suggestions,
)


def _assert_diverse(client: CsrfClient, ids: list[int]) -> None:
    catalog = service_of(client).catalog
    rows = catalog.snapshot.images.rows_of(np.array(ids, dtype=np.int64))
    assert len(set(ids)) == len(ids)
    creators = Counter(int(c) for c in catalog.image_creator[rows] if c >= 0)
    assert max(creators.values(), default=0) <= 4
    per_lora = np.asarray((catalog.links[rows] > 0).sum(axis=0)).ravel()
    assert per_lora.max(initial=0) <= 3


def test_the_anonymous_feed_is_popular_diverse_and_safe(rec_client: CsrfClient) -> None:
    body = feed(rec_client, 20)

    ids = [item["image"]["id"] for item in body["data"]]
    assert len(ids) == 20 and body["personalised"] is False
    assert set(image_levels(rec_client, ids).values()) == {0}
    assert all(item["reason"]["text"] for item in body["data"])
    _assert_diverse(rec_client, ids)


def test_a_new_persons_feed_is_non_empty_and_diverse(person: CsrfClient) -> None:
    body = feed(person, 20)

    ids = [item["image"]["id"] for item in body["data"]]
    assert len(ids) == 20 and body["personalised"] is True
    _assert_diverse(person, ids)


def test_a_like_moves_similar_items_up_on_the_very_next_request(person: CsrfClient) -> None:
    before = feed_ids(person, 50)
    liked = before[7]
    close = set(neighbours(person, liked, 15))

    act(person, "image", liked, "like")
    after = feed_ids(person, 50)

    assert liked not in after
    assert len(close & set(after[:20])) > len(close & set(before[:20]))
    assert len(close & set(after[:20])) >= 5


def test_a_dislike_pushes_similar_items_down(person: CsrfClient) -> None:
    first = feed_ids(person, 20)
    act(person, "image", first[0], "like")
    shown = feed_ids(person, 50)
    disliked = shown[0]
    close = set(neighbours(person, disliked, 15))
    before = len(close & set(shown[:20]))

    act(person, "image", disliked, "dislike")
    after = feed_ids(person, 50)

    assert disliked not in after
    assert before > 0
    assert len(close & set(after[:20])) < before


def test_saved_disliked_and_hidden_images_never_reappear(person: CsrfClient) -> None:
    first = feed_ids(person, 20)
    saved, disliked, hidden, liked = first[:4]
    act(person, "image", saved, "save")
    act(person, "image", disliked, "dislike")
    act(person, "image", hidden, "hide")
    act(person, "image", liked, "like")

    seen: list[int] = []
    for _ in range(2):
        cursor = None
        for _page in range(3):
            body = feed(person, 20, cursor)
            seen += [item["image"]["id"] for item in body["data"]]
            cursor = body["next_cursor"]
            assert cursor

    assert not {saved, disliked, hidden, liked} & set(seen)


def test_items_shown_many_times_without_a_reaction_are_retired(person: CsrfClient) -> None:
    shown: Counter[int] = Counter()
    for _ in range(7):
        ids = feed_ids(person, 20)
        assert ids
        # An item already served five times without a click, like or save is not served again.
        assert all(shown[i] < 5 for i in ids)
        shown.update(ids)


def test_pages_continue_without_repeats(person: CsrfClient) -> None:
    first = feed(person, 10)
    second = feed(person, 10, first["next_cursor"])
    third = feed(person, 10, second["next_cursor"])

    pages = [[item["image"]["id"] for item in body["data"]] for body in (first, second, third)]
    flat = [i for page in pages for i in page]
    assert len(flat) == 30 and len(set(flat)) == 30


def test_pages_of_the_anonymous_feed_continue_without_repeats(rec_client: CsrfClient) -> None:
    first = feed(rec_client, 10)
    second = feed(rec_client, 10, first["next_cursor"])

    ids = [item["image"]["id"] for body in (first, second) for item in body["data"]]
    assert len(ids) == 20 and len(set(ids)) == 20


def test_a_cursor_not_made_by_the_api_is_refused(person: CsrfClient) -> None:
    for bad in ("zzz", "MTAwMC4x", "-1"):
        response = person.get("/api/recommendations/images", params={"cursor": bad})
        assert response.status_code == 422


def test_blocked_tags_and_content_level_are_never_violated(person: CsrfClient) -> None:
    opened = person.patch("/api/me/preferences", json={"max_content_level": 1})
    assert opened.status_code == 200
    ids = feed_ids(person, 50)
    act(person, "image", ids[0], "like")
    counts = Counter(
        tag for tags in image_tags(person, feed_ids(person, 50)).values() for tag in tags
    )
    blocked = counts.most_common(1)[0][0]

    response = person.patch("/api/me/preferences", json={"blocked_tags": [blocked]})
    assert response.status_code == 200

    served: list[int] = []
    cursor = None
    for _ in range(3):
        body = feed(person, 50, cursor)
        served += [item["image"]["id"] for item in body["data"]]
        cursor = body["next_cursor"]
    assert served
    assert all(blocked not in tags for tags in image_tags(person, served).values())
    assert max(image_levels(person, served).values()) <= 1
    loras = [item["lora"]["id"] for item in suggestions(person, 20)["data"]]
    assert loras
    lora_tags = image_tags_of_loras(person, loras)
    assert all(blocked not in tags for tags in lora_tags.values())


def image_tags_of_loras(client: CsrfClient, lora_ids: list[int]) -> dict[int, set[str]]:
    catalog = service_of(client).catalog
    rows = catalog.snapshot.loras.rows_of(np.array(lora_ids, dtype=np.int64))
    names = catalog.snapshot.tag_vocabulary.names
    tags = catalog.snapshot.loras.tags[rows]
    return {lora_id: {names[t] for t in tags[i].indices} for i, lora_id in enumerate(lora_ids)}
