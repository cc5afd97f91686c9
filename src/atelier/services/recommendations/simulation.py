"""Simulated people who use Atelier over HTTP, and generated populations for benchmarks.

A simulated person has a hidden taste (one LoRA, or a cluster of tags), goes through
onboarding like anyone would, then for each round reads a page of their feed, likes what
matches their taste, says "not interested" to a couple of the rest and ignores the others.
The oracle that decides what matches reads the catalog; everything the person does goes
through the public HTTP API of a running server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, insert, select

from atelier.db.models import Image, Interaction, Model, User
from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.recommendations.onboarding import Style, shown_to
from atelier.services.visibility import Visibility

logger = logging.getLogger(__name__)

PASSWORD = "simulated person password"


@dataclass(frozen=True)
class Taste:
    """What a simulated person likes, and what they pick at onboarding."""

    kind: Literal["lora", "tags"]
    label: str
    lora_row: int
    tag_codes: tuple[int, ...]
    picks: dict[str, Any]


@dataclass
class PersonResult:
    taste: Taste
    precision: list[float] = field(default_factory=list)
    likes: int = 0
    # Whether the hidden LoRA was in the LoRA top 10 right after the fifth like (None: the
    # person never liked five images, or the taste is not a LoRA).
    lora_hit_after_5: bool | None = None
    # Share of each served page filled by exploration.
    explore: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _visible_images_per_lora(catalog: RecCatalog, visibility: Visibility) -> NDArray[np.int64]:
    image_ok, _ = catalog.image_mask(visibility)
    binary = catalog.links_csc.copy()
    binary.data[:] = 1.0
    return np.asarray(binary.T @ image_ok.astype(np.float32)).ravel().astype(np.int64)


def choose_tastes(
    catalog: RecCatalog,
    styles: Sequence[Style],
    n_lora: int,
    n_tags: int,
    *,
    seed: int = 0,
    min_images: int = 100,
) -> list[Taste]:
    """LoRAs with enough visible images to fill ten pages, and tag pairs (`_tag_tastes`).

    Liked images are never shown again, so a fan served half a page of their LoRA uses up
    about ten images a round: with fewer than ~100 the curve falls because the supply ran
    out, not because the feed forgot the taste.
    """
    visibility = Visibility()
    rng = np.random.default_rng(seed)
    counts = _visible_images_per_lora(catalog, visibility)
    lora_ok = catalog.lora_mask(visibility)
    eligible = np.flatnonzero(lora_ok & (counts >= min_images))
    chosen = rng.choice(eligible, size=min(n_lora, eligible.size), replace=False)
    # A LoRA can be in several styles (they are tag groups); the person picks the most
    # specific, and styles come largest first, so the last one holding it.
    style_of = {int(r): s for s in styles for r in s.lora_rows.tolist()}
    tags = catalog.snapshot.loras.tags
    df = np.asarray(tags.sum(axis=0)).ravel()
    names = catalog.snapshot.tag_vocabulary.names
    tastes = []
    for row in chosen.tolist():
        own = tags[row].indices
        specific = [int(t) for t in own[np.argsort(df[own], kind="stable")] if df[t] >= 3][:1]
        style = style_of.get(row)
        tastes.append(
            Taste(
                kind="lora",
                label=catalog.lora_names[row],
                lora_row=row,
                tag_codes=(),
                picks={
                    "styles": [style.id] if style is not None else [],
                    "tags": [names[t] for t in specific],
                },
            )
        )
    tastes += _tag_tastes(catalog, styles, n_tags, rng)
    return tastes


def _tag_tastes(
    catalog: RecCatalog, styles: Sequence[Style], n: int, rng: np.random.Generator
) -> list[Taste]:
    """Pairs of tags that go together, the first on 2-8% of the visible images: specific
    enough to be a taste, common enough to turn up by chance in a cold feed and to fill ten
    pages. A person picks the first tag and the style whose LoRAs carry it most often."""
    visibility = Visibility()
    image_ok, _ = catalog.image_mask(visibility)
    tags = catalog.image_tags_csc[np.flatnonzero(image_ok)]
    share = np.diff(tags.tocsc().indptr) / max(int(image_ok.sum()), 1)
    names = catalog.snapshot.tag_vocabulary.names
    eligible = [
        int(t) for t in np.flatnonzero((share >= 0.02) & (share <= 0.08))
        if shown_to(names[int(t)], visibility)
    ]  # fmt: skip
    chosen = rng.choice(eligible, size=min(n, len(eligible)), replace=False)
    binary = tags.tocsc().astype(np.float32)
    lora_tags = catalog.snapshot.loras.tags.tocsc()
    out = []
    for t1 in chosen.tolist():
        together = np.asarray((binary[:, [t1]].T @ binary).todense()).ravel()
        union = share * binary.shape[0] + together[t1] - together
        jaccard = np.divide(together, union, out=np.zeros_like(together), where=union > 0)
        jaccard[t1] = 0.0
        jaccard[share > 0.1] = 0.0
        t2 = int(np.argmax(jaccard))
        carriers = set(lora_tags[:, [t1]].indices.tolist())
        style = max(styles, key=lambda s: len(carriers & set(s.lora_rows.tolist())), default=None)
        out.append(
            Taste(
                kind="tags",
                label=f"{names[t1]} / {names[t2]}",
                lora_row=-1,
                tag_codes=(t1, t2),
                picks={"styles": [style.id] if style else [], "tags": [names[t1]]},
            )
        )
    return out


def matches(catalog: RecCatalog, taste: Taste, image_ids: Sequence[int]) -> NDArray[np.bool_]:
    """The oracle: which of these images the person likes."""
    rows = catalog.snapshot.images.rows_of(np.asarray(image_ids, dtype=np.int64))
    found = rows >= 0
    out = np.zeros(rows.shape[0], bool)
    if taste.kind == "lora":
        out[found] = (
            np.asarray(catalog.links[rows[found]][:, [taste.lora_row]].toarray()).ravel() > 0
        )
    else:
        tags = catalog.snapshot.images.tags[rows[found]][:, list(taste.tag_codes)]
        out[found] = np.asarray(tags.sum(axis=1)).ravel() > 0
    return out


class SimulatedPerson:
    """One account driven over HTTP."""

    def __init__(self, base_url: str, username: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=60.0)
        token = self.http.get("/api/auth/csrf").json()["token"]
        self.http.headers["X-CSRF-Token"] = token
        response = self.http.post(
            "/api/auth/register", json={"username": username, "password": PASSWORD}
        )
        response.raise_for_status()

    def close(self) -> None:
        self.http.close()

    def onboard(self, picks: dict[str, Any]) -> None:
        self.http.post("/api/onboarding", json=picks).raise_for_status()

    def feed(self, limit: int) -> tuple[list[int], float]:
        """The page's image ids and the share of it picked for exploration."""
        response = self.http.get("/api/recommendations/images", params={"limit": limit})
        response.raise_for_status()
        data = response.json()["data"]
        explored = sum(1 for item in data if item["explore"]) / max(len(data), 1)
        return [item["image"]["id"] for item in data], explored

    def search_images(self, query: str) -> list[int]:
        response = self.http.get("/api/search", params={"q": query, "kind": "images", "limit": 50})
        response.raise_for_status()
        return [hit["image"]["id"] for hit in response.json()["images"]["data"]]

    def loras(self, limit: int) -> list[int]:
        response = self.http.get("/api/recommendations/loras", params={"limit": limit})
        response.raise_for_status()
        return [item["lora"]["id"] for item in response.json()["data"]]

    def act(self, image_id: int, kind: str) -> None:
        response = self.http.post(
            "/api/interactions", json={"item_type": "image", "item_id": image_id, "kind": kind}
        )
        response.raise_for_status()


def simulate_person(
    base_url: str,
    catalog: RecCatalog,
    taste: Taste,
    username: str,
    *,
    rounds: int = 10,
    per_round: int = 20,
    dislikes: int = 2,
    onboard: bool = True,
    seed_like: bool = False,
    seed: int = 0,
) -> PersonResult:
    """Run one person for `rounds` rounds; precision@per_round is measured on each page.

    `seed_like`: before the first page the person searches for their taste by name and likes
    the first matching result, so every feed starts from the same single like.
    """
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    result = PersonResult(taste)
    person = SimulatedPerson(base_url, username)
    try:
        if onboard:
            person.onboard(taste.picks)
        if seed_like:
            found = person.search_images(taste.label)
            hit = matches(catalog, taste, found)
            if hit.any():
                person.act(int(np.asarray(found)[hit][0]), "like")
                result.likes += 1
        for _ in range(rounds):
            shown, explored = person.feed(per_round)
            result.explore.append(explored)
            hit = matches(catalog, taste, shown)
            result.precision.append(float(hit.sum()) / per_round)
            for image_id in np.asarray(shown)[hit].tolist():
                person.act(int(image_id), "like")
                result.likes += 1
                if result.likes == 5 and taste.kind == "lora":
                    top = person.loras(10)
                    result.lora_hit_after_5 = int(catalog.lora_ids[taste.lora_row]) in top
            rest = np.asarray(shown)[~hit]
            for image_id in rng.choice(rest, size=min(dislikes, rest.size), replace=False):
                person.act(int(image_id), "dislike")
    finally:
        person.close()
    result.seconds = time.perf_counter() - started
    return result


def seed_creator_people(engine: Engine, catalog: RecCatalog, *, max_images: int = 40) -> int:
    """A realistic interaction log for the collaborative model: every model creator becomes a
    person who liked the images posted under their models and saved the LoRAs those images
    were made with. Returns the number of events written."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Model.creator, Image.id)
            .join(Image, Image.posted_model_id == Model.id)
            .where(Model.creator.is_not(None))
            .order_by(Model.creator, Image.id)
        ).all()
    images: dict[str, list[int]] = {}
    for creator, image_id in rows:
        images.setdefault(creator, []).append(int(image_id))
    people = {c: ids[:max_images] for c, ids in images.items() if len(ids) >= 3}
    rng = np.random.default_rng(0)
    now = datetime.now(UTC)
    user_ids = _insert_people(engine, [f"creator-{i}" for i in range(len(people))])
    events: list[dict[str, Any]] = []
    for user_id, ids in zip(user_ids, people.values(), strict=True):
        rows_ = catalog.snapshot.images.rows_of(np.array(ids, dtype=np.int64))
        used = np.unique(catalog.links[rows_[rows_ >= 0]].tocoo().col)
        for image_id in ids:
            events.append(_event(user_id, "image", image_id, "like", now, rng))
        for lora_row in used.tolist():
            events.append(
                _event(user_id, "lora", int(catalog.lora_ids[lora_row]), "save", now, rng)
            )
    _insert_events(engine, events)
    return len(events)


def generate_people(
    engine: Engine, catalog: RecCatalog, n_people: int, events_each: int, *, seed: int = 0
) -> int:
    """Synthetic active people: each favours a few LoRAs and mostly acts on images made with
    them (likes, saves, clicks, views, a few dislikes). Returns the number of events."""
    rng = np.random.default_rng(seed)
    counts = np.diff(catalog.links_csc.indptr)
    popular = np.flatnonzero(counts >= 5)
    weights = counts[popular] / counts[popular].sum()
    kinds = np.array(["view", "view", "click", "like", "like", "save", "dislike"])
    now = datetime.now(UTC)
    user_ids = _insert_people(engine, [f"active-{seed}-{i}" for i in range(n_people)])
    total = 0
    batch: list[dict[str, Any]] = []
    for user_id in user_ids:
        favourites = rng.choice(popular, size=3, replace=False, p=weights)
        pool = np.unique(catalog.links_csc[:, favourites].tocoo().row)
        n_taste = int(events_each * 0.7)
        chosen = rng.choice(pool, size=n_taste, replace=pool.size < n_taste)
        anywhere = rng.integers(0, catalog.n_images, size=events_each - n_taste)
        for row in np.concatenate([chosen, anywhere]).tolist():
            kind = str(rng.choice(kinds))
            batch.append(_event(user_id, "image", int(catalog.image_ids[row]), kind, now, rng))
        for lora in favourites[:1].tolist():
            batch.append(_event(user_id, "lora", int(catalog.lora_ids[lora]), "save", now, rng))
        if len(batch) >= 50_000:
            total += _insert_events(engine, batch)
            batch = []
    total += _insert_events(engine, batch)
    return total


def _event(
    user_id: int, item_type: str, item_id: int, kind: str, now: datetime, rng: np.random.Generator
) -> dict[str, Any]:
    ago = timedelta(seconds=float(rng.uniform(0, 60 * 86400)))
    return {
        "user_id": user_id,
        "item_type": item_type,
        "item_id": item_id,
        "kind": kind,
        "created_at": now - ago,
    }


def _insert_people(engine: Engine, names: list[str]) -> list[int]:
    now = datetime.now(UTC)
    rows = [
        {
            "username": name,
            "username_key": name.casefold(),
            # Not a valid hash: these accounts exist for their history and cannot sign in.
            "password_hash": "!",
            "created_at": now,
            "password_changed_at": now,
            "max_content_level": 0,
            "show_poi": False,
            "liked_tags": [],
            "blocked_tags": [],
            "base_models": [],
            "onboarded": True,
        }
        for name in names
    ]
    ids: dict[str, int] = {}
    with engine.begin() as connection:
        for start in range(0, len(rows), 5000):
            chunk = rows[start : start + 5000]
            connection.execute(insert(User), chunk)
            keys = [row["username_key"] for row in chunk]
            ids.update(
                connection.execute(
                    select(User.username_key, User.id).where(User.username_key.in_(keys))
                )
                .tuples()
                .all()
            )
    return [ids[name.casefold()] for name in names]


def _insert_events(engine: Engine, events: list[dict[str, Any]]) -> int:
    with engine.begin() as connection:
        for start in range(0, len(events), 20_000):
            connection.execute(insert(Interaction), events[start : start + 20_000])
    return len(events)
