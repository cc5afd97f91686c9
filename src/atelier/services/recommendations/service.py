"""The recommendation service: one object per app that the API and the CLI call.

It reads a person's latest events on every request (so a like shows on the next page at
once), ranks with the served collaborative model (swapped in by background retraining),
records what it served as impressions, and turns picks into display cards.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from atelier.db.models import Image, Interaction, User
from atelier.errors import InvalidInputError
from atelier.recommend.blend import minmax
from atelier.recommend.events import Kind
from atelier.recommend.graph import images_from_loras
from atelier.recommend.slot import ModelSlot
from atelier.services import accounts
from atelier.services.favorites import ImageCard, LoraCard, image_cards
from atelier.services.interactions import InteractionEvent
from atelier.services.recommendations.catalog import RecCatalog, load_catalog
from atelier.services.recommendations.collaborative import TrainedModel, current_run, train
from atelier.services.recommendations.config import RecommendConfig
from atelier.services.recommendations.evidence import Person, gather_evidence
from atelier.services.recommendations.feed import Ranked, rank_images
from atelier.services.recommendations.history import load_history
from atelier.services.recommendations.onboarding import Offer, Onboarding
from atelier.services.recommendations.profiles import ProfileStore
from atelier.services.recommendations.retrain import Retrainer, Trainer
from atelier.services.recommendations.signals import Namebook, Pick
from atelier.services.recommendations.suggest import rank_loras
from atelier.services.search.service import Hit, SearchService
from atelier.services.search.service import Kind as SearchKind
from atelier.services.visibility import Visibility, normalise_tag

logger = logging.getLogger(__name__)

MAX_PAGES = 20
NAME_CHARS = 48
_CURSOR = re.compile(r"(\d{1,3})\.(\d{1,19})")


@dataclass(frozen=True)
class RecommendedImage:
    card: ImageCard
    pick: Pick


@dataclass(frozen=True)
class RecommendedLora:
    card: LoraCard
    pick: Pick


@dataclass(frozen=True)
class FeedPage:
    """A page of the image feed; `personalised` is False for the anonymous feed."""

    items: list[RecommendedImage]
    next_cursor: str | None
    personalised: bool
    explore_share: float


@dataclass(frozen=True)
class LoraPage:
    items: list[RecommendedLora]
    personalised: bool
    explore_share: float


@dataclass(frozen=True)
class OnboardingView:
    """The onboarding offer with the sample images as cards."""

    offer: Offer
    samples: dict[int, ImageCard]


def encode_cursor(page: int, anchor: int) -> str:
    return base64.urlsafe_b64encode(f"{page}.{anchor}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int]:
    """(page, anchor): the page number and the last interaction id before the first page."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidInputError("invalid cursor") from None
    match = _CURSOR.fullmatch(raw)
    if match is None or not 0 < int(match.group(1)) < MAX_PAGES:
        raise InvalidInputError("invalid cursor")
    return int(match.group(1)), int(match.group(2))


def _seed(*parts: int) -> int:
    digest = hashlib.blake2b(".".join(map(str, parts)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little")


def image_names(db: Session, ids: list[int]) -> dict[int, str]:
    """Short quoted prompts naming images in reasons."""
    names = {}
    for image_id, prompt in db.execute(select(Image.id, Image.prompt).where(Image.id.in_(ids))):
        text = " ".join((prompt or "").replace("<", " ").split())
        if not text:
            names[int(image_id)] = f"image {image_id}"
            continue
        short = text if len(text) <= NAME_CHARS else text[: NAME_CHARS - 1].rstrip(" ,") + "\u2026"
        names[int(image_id)] = f"\u201c{short}\u201d"
    return names


class RecommendationService:
    """Feed, LoRA suggestions, personalised "more like this", onboarding and retraining."""

    def __init__(
        self,
        engine: Engine,
        catalog: RecCatalog,
        config: RecommendConfig,
        trainer: Trainer = train,
    ) -> None:
        self.engine = engine
        self.catalog = catalog
        self.config = config
        self.slot: ModelSlot[TrainedModel] = ModelSlot()
        self.retrainer = Retrainer(engine, catalog, config, self.slot, trainer)
        self.profiles = ProfileStore(
            catalog.vectors.dim, config.half_life_days * 86400.0, config.profile_cache
        )
        self.onboarding = Onboarding(catalog, config.onboarding_styles)
        self._anonymous: OrderedDict[tuple[object, ...], list[Ranked]] = OrderedDict()
        self._anonymous_lock = threading.Lock()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        """Serve the saved model if there is one, else train in the background when the log
        has enough events; requests are answered meanwhile (without the collaborative signal)."""
        model_dir = self.config.model_dir
        if model_dir is not None and current_run(model_dir) and self.retrainer.adopt_saved():
            return
        with self.engine.connect() as connection:
            logged = connection.execute(select(func.count()).select_from(Interaction)).scalar()
        if (logged or 0) >= self.config.min_train_events:
            self.retrainer.start()

    def on_event(self, event: InteractionEvent) -> None:
        """Interaction listener: taste events count towards the next retraining."""
        self.retrainer.on_event(event)

    @property
    def model(self) -> TrainedModel | None:
        return self.slot.current

    # -- people ------------------------------------------------------------------------------

    def person(self, db: Session, user: User | None) -> Person:
        """The viewer with their latest events and up-to-date content profile."""
        visibility = Visibility.for_user(user)
        if user is None:
            return Person(visibility)
        history = load_history(db, user.id, self.catalog, self.config.history_limit)
        profile = self.profiles.profile(user.id, history, self.catalog.item_vectors)
        blocked = visibility.blocked_tags
        return Person(
            visibility=visibility,
            liked_tags=tuple(
                t for t in (normalise_tag(x) for x in user.liked_tags or []) if t not in blocked
            ),
            base_models=tuple(user.base_models or []),
            history=history,
            profile=profile,
            user_id=user.id,
        )

    def _book(self, db: Session) -> Namebook:
        return Namebook(self.catalog, lambda ids: image_names(db, ids))

    # -- image feed --------------------------------------------------------------------------

    def image_feed(
        self, db: Session, user: User | None, limit: int, cursor: str | None = None
    ) -> FeedPage:
        """A page of the feed. Anonymous viewers get the popular-and-diverse feed."""
        page, anchor = decode_cursor(cursor) if cursor else (0, 0)
        self.retrainer.tick()
        if user is None:
            ranked = self._anonymous_page(db, limit, page)
            personalised = False
        else:
            person = self.person(db, user)
            if cursor is None:
                anchor = person.history.last_id
            ranked = self._personal_page(db, person, limit, page, anchor)
            personalised = True
        cards = image_cards(db, [p.item_id for p in ranked.picks], Visibility.for_user(user))
        items = [RecommendedImage(cards[p.item_id], p) for p in ranked.picks if p.item_id in cards]
        if user is not None:
            self._record_impressions(db, user.id, "image", [i.pick.item_id for i in items])
        more = len(ranked.picks) == limit and page + 1 < MAX_PAGES
        return FeedPage(
            items,
            encode_cursor(page + 1, anchor) if more else None,
            personalised,
            ranked.explore_share,
        )

    def _personal_page(
        self, db: Session, person: Person, limit: int, page: int, anchor: int
    ) -> Ranked:
        history = person.history
        skip = np.zeros(0, np.int64)
        if page > 0:
            # Items served since this browsing session began are not served again in it.
            shown = history.items[(history.kinds == Kind.VIEW) & (history.ids > anchor)]
            skip = shown[shown < self.catalog.n_images]
        evidence = gather_evidence(self.catalog, person, self.model, self.config)
        seed = _seed(person.user_id or 0, history.last_id, page)
        return rank_images(
            self.catalog, person, evidence, self.config, self._book(db),
            limit=limit, skip=skip, seed=seed,
        )  # fmt: skip

    def _anonymous_page(self, db: Session, limit: int, page: int) -> Ranked:
        """Anonymous pages are the same for everyone: computed once, in order, and cached."""
        person = Person(Visibility())
        key = (person.visibility, limit)
        with self._anonymous_lock:
            pages = self._anonymous.setdefault(key, [])
            self._anonymous.move_to_end(key)
            while len(self._anonymous) > 16:
                self._anonymous.popitem(last=False)
            evidence = gather_evidence(self.catalog, person, None, self.config)
            while len(pages) <= page:
                shown = [p.row for ranked in pages for p in ranked.picks]
                pages.append(
                    rank_images(
                        self.catalog,
                        person,
                        evidence,
                        self.config,
                        self._book(db),
                        limit=limit,
                        skip=np.asarray(shown, np.int64),
                        seed=len(pages),
                    )
                )
                if not pages[-1].picks:
                    break
            return pages[page] if page < len(pages) else Ranked([], 0.0)

    def _record_impressions(
        self, db: Session, user_id: int, item_type: str, ids: list[int]
    ) -> None:
        """Log what was served as `view` events (they retire over-shown items). One
        executemany of a cached statement: a multi-row VALUES is recompiled per request."""
        if not self.config.record_impressions or not ids:
            return
        now = datetime.now(UTC)
        rows = [
            {"user_id": user_id, "item_type": item_type, "item_id": i, "kind": "view",
             "created_at": now}
            for i in ids
        ]  # fmt: skip
        db.execute(insert(Interaction), rows)
        db.commit()

    # -- LoRA suggestions --------------------------------------------------------------------

    def lora_suggestions(self, db: Session, user: User | None, limit: int) -> LoraPage:
        """LoRAs for this person (popular and diverse for anonymous viewers)."""
        self.retrainer.tick()
        person = self.person(db, user)
        model = self.model if user is not None else None
        evidence = gather_evidence(self.catalog, person, model, self.config)
        seed = _seed(person.user_id or 0, person.history.last_id, 1)
        ranked = rank_loras(
            self.catalog, person, evidence, self.config, self._book(db), limit=limit, seed=seed
        )
        # The search service's card cache: suggestions and search pages name the same LoRAs.
        cards = self.catalog.search.lora_cards.cards(
            db, [p.item_id for p in ranked.picks], person.visibility
        )
        items = [RecommendedLora(cards[p.item_id], p) for p in ranked.picks if p.item_id in cards]
        if user is not None:
            self._record_impressions(db, user.id, "lora", [i.pick.item_id for i in items])
        return LoraPage(items, user is not None, ranked.explore_share)

    # -- more like this ----------------------------------------------------------------------

    def similar(
        self,
        db: Session,
        user: User | None,
        kind: SearchKind,
        item_id: int,
        visibility: Visibility,
        limit: int,
    ) -> list[Hit]:
        """Items like this one; for a signed-in person with a taste, reordered towards it.

        Anonymous viewers (and people with no history yet) get the plain similarity order.
        """
        search: SearchService = self.catalog.search
        if user is None:
            return search.similar(kind, item_id, visibility, limit)
        person = self.person(db, user)
        if not len(person.history.taste()):
            return search.similar(kind, item_id, visibility, limit)
        hits = search.similar(kind, item_id, visibility, 2 * limit)
        if len(hits) < 2:
            return hits
        ids = np.array([h.item_id for h in hits], dtype=np.int64)
        evidence = gather_evidence(self.catalog, person, None, self.config)
        personal = self._personal_scores(kind, ids, person, evidence.favour)
        similarity = minmax(np.array([h.score for h in hits], dtype=np.float64))
        total = similarity + 0.5 * minmax(personal)
        order = np.lexsort((np.arange(len(hits)), -total))
        return [hits[i] for i in order[:limit]]

    def _personal_scores(
        self, kind: SearchKind, ids: NDArray[np.int64], person: Person, favour: NDArray[np.float32]
    ) -> NDArray[np.float32]:
        catalog = self.catalog
        if kind == "images":
            rows = catalog.snapshot.images.rows_of(ids)
            vectors = catalog.vectors.images(np.maximum(rows, 0))
            graph = images_from_loras(catalog.links[np.maximum(rows, 0)], favour).scores
        else:
            rows = catalog.snapshot.loras.rows_of(ids)
            vectors = catalog.vectors.loras(np.maximum(rows, 0))
            graph = favour[np.maximum(rows, 0)]
        content = np.zeros(ids.shape[0], np.float32)
        profile = person.profile
        if profile is not None and not profile.is_empty:
            content = profile.score(vectors)
        scores = content + 0.5 * minmax(graph)
        return np.where(rows >= 0, scores, 0.0).astype(np.float32)

    # -- onboarding --------------------------------------------------------------------------

    def onboarding_offer(self, db: Session, user: User | None) -> OnboardingView:
        visibility = Visibility.for_user(user)
        offer = self.onboarding.offer(visibility)
        samples = [s.sample_image_id for s in offer.styles if s.sample_image_id is not None]
        return OnboardingView(offer, image_cards(db, samples, visibility))

    def apply_onboarding(
        self,
        db: Session,
        user: User,
        styles: list[int],
        tags: list[str],
        base_models: list[str],
    ) -> accounts.Profile:
        """Store the picks as liked tags and base models (replacing earlier ones) and mark the
        person onboarded."""
        unknown = self.onboarding.unknown(styles)
        if unknown:
            raise InvalidInputError(f"unknown style {unknown[0]}")
        visibility = Visibility.for_user(user)
        picked = [
            t for t in (normalise_tag(x) for x in tags) if t and t not in visibility.blocked_tags
        ]
        liked = list(dict.fromkeys(picked + self.onboarding.tags_for(styles, visibility)))
        change = accounts.PreferencesChange(liked_tags=liked, base_models=base_models)
        return accounts.update_preferences(db, user, change)


def build_recommendation_service(
    engine: Engine, search: SearchService, config: RecommendConfig, trainer: Trainer = train
) -> RecommendationService:
    """The service over the search service's catalog snapshot."""
    with engine.connect() as connection:
        catalog = load_catalog(connection, search)
    return RecommendationService(engine, catalog, config, trainer)
