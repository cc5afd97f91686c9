"""Cold start: a representative set of styles drawn from the catalog, and storing the picks.

Styles are the LoRAs carrying one of the catalog's telling tags, kept apart by their LoRAs'
embeddings, each named by the tags that set it apart (frequent inside, rare outside) and shown
with a popular image the viewer may see (built once, 23 ms at 10k LoRAs). Picks become the
person's liked tags and base models, which the feed's tag signal and content search use from
the very first page.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from atelier.services.recommendations.catalog import RecCatalog
from atelier.services.visibility import Visibility

logger = logging.getLogger(__name__)

STYLE_TAGS = 5
RANKED_TAGS = 15
# A style's tag: on at least this many LoRAs (and this share of them), and on at most this
# share, above which a tag (anime: 49% of LoRAs, character: 42%) names no style.
MIN_STYLE_LORAS = 3
MIN_TAG_SHARE = 0.003
MAX_TAG_SHARE = 0.15
# Two tags are one style when most of the smaller one's LoRAs carry the other, or when their
# LoRAs' mean embeddings all but coincide (tag pairs such as "art style" and "illustration"
# read 0.99 on the full catalog; distinct styles such as "pokemon" and "hololive" lower).
MAX_STYLE_OVERLAP = 0.4
MAX_CENTRE_COSINE = 0.97
# Terms never offered as picks to someone at the safe content level: a style may be named
# by them in the catalog even when its LoRAs are rated PG.
EXPLICIT_TERMS = frozenset(
    {"nsfw", "porn", "hentai", "sex", "sexy", "nude", "nudity", "naked", "lewd", "erotic",
     "breasts", "pussy", "penis", "blowjob", "sexual activity", "cum", "ahegao", "bdsm"}
)  # fmt: skip
# Tags picked with a style: enough to steer the feed, few enough to stay specific.
TAGS_PER_PICK = 3
OFFERED_TAGS = 40
OFFERED_BASE_MODELS = 12


def shown_to(tag: str, visibility: Visibility) -> bool:
    """Whether a tag may be offered to this viewer as a pick."""
    if tag in visibility.blocked_tags:
        return False
    return visibility.max_level > 0 or not (set(tag.split()) | {tag}) & EXPLICIT_TERMS


@dataclass(frozen=True)
class Style:
    """One style: its id, its tags (the defining one first, then the most distinctive among
    its LoRAs) and its LoRA rows, most popular first."""

    id: int
    ranked_tags: tuple[str, ...]
    lora_rows: NDArray[np.int64]

    def tags(self, visibility: Visibility) -> tuple[str, ...]:
        """The tags that name the style for this viewer."""
        return tuple(t for t in self.ranked_tags if shown_to(t, visibility))[:STYLE_TAGS]

    def title(self, visibility: Visibility) -> str:
        """Up to three of its tags, leaving out variants of one already named ("genshin" after
        "genshin impact", "fate grand order" after "fate"); the picks keep them all."""
        named: list[str] = []
        for tag in self.tags(visibility):
            words = set(tag.replace("/", " ").split())
            if not any(words & set(t.replace("/", " ").split()) for t in named):
                named.append(tag)
        return " · ".join(named[:3]) if named else f"style {self.id + 1}"


@dataclass(frozen=True)
class StyleOffer:
    """A style as one viewer sees it: named for them, with a sample image and example LoRAs
    they may see."""

    style: Style
    title: str
    tags: tuple[str, ...]
    sample_image_id: int | None
    lora_ids: list[int]


@dataclass(frozen=True)
class Offer:
    """What onboarding offers: styles, popular tags and base models."""

    styles: list[StyleOffer]
    tags: list[str]
    base_models: list[str]


def build_styles(catalog: RecCatalog, n_styles: int) -> list[Style]:
    """Styles from the catalog's tags, kept apart by its embeddings.

    Each style is the LoRAs carrying one tag, named by that tag and the tags most distinctive
    among its LoRAs. Tags are taken most used first, skipping those too common to say
    anything (anime, character, woman), explicit ones, and any whose LoRAs mostly belong to
    a style already taken or whose LoRAs' mean embedding is all but that style's (art style,
    illustration and artstyle are one style). k-means over the LoRA embeddings, used before,
    gave clusters named "character · anime · girl" five times over (docs/benchmarks.md).
    """
    carriers = (catalog.snapshot.loras.tags > 0).astype(np.float32).tocsc()
    names = catalog.snapshot.tag_vocabulary.names
    n = carriers.shape[0]
    df = np.diff(carriers.indptr)
    idf = np.log((n + 1) / (df + 1))
    enough = max(MIN_STYLE_LORAS, int(MIN_TAG_SHARE * n))
    candidates = np.flatnonzero((df >= enough) & (df <= MAX_TAG_SHARE * n))
    safe = Visibility()
    vectors = catalog.vectors.lora_matrix
    taken: list[tuple[int, NDArray[np.int32], NDArray[np.float32]]] = []
    for tag in candidates[np.argsort(-df[candidates], kind="stable")].tolist():
        if len(taken) == n_styles:
            break
        if not shown_to(names[tag], safe):
            continue
        rows = carriers.indices[carriers.indptr[tag] : carriers.indptr[tag + 1]]
        centre = vectors[rows].sum(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        if not any(_same_style(rows, centre, other, c) for _, other, c in taken):
            taken.append((tag, rows, centre))
    by_row = carriers.tocsr()
    popularity = catalog.snapshot.loras.popularity
    styles: list[Style] = []
    for tag, rows, _centre in taken:
        share = np.asarray(by_row[rows].sum(axis=0)).ravel() / rows.size
        # A tag names the style with its defining one when many of its LoRAs carry it and
        # few others do.
        score = share * idf * (share >= 0.15)
        score[tag] = np.inf
        best = [int(t) for t in np.argsort(-score, kind="stable")[:RANKED_TAGS] if score[t] > 0]
        ordered = rows[np.argsort(-popularity[rows], kind="stable")].astype(np.int64)
        styles.append(Style(len(styles), tuple(names[t] for t in best), ordered))
    return styles


def _same_style(
    rows: NDArray[np.int32],
    centre: NDArray[np.float32],
    other_rows: NDArray[np.int32],
    other_centre: NDArray[np.float32],
) -> bool:
    overlap = np.intersect1d(rows, other_rows).size / min(rows.size, other_rows.size)
    return overlap > MAX_STYLE_OVERLAP or float(centre @ other_centre) > MAX_CENTRE_COSINE


class Onboarding:
    """Styles built once (lazily, under a lock), offered per viewer."""

    def __init__(self, catalog: RecCatalog, n_styles: int) -> None:
        self.catalog = catalog
        self.n_styles = n_styles
        self._styles: list[Style] | None = None
        self._lock = threading.Lock()

    @property
    def styles(self) -> list[Style]:
        if self._styles is None:
            with self._lock:
                if self._styles is None:
                    self._styles = build_styles(self.catalog, self.n_styles)
                    logger.info("onboarding: %d styles", len(self._styles))
        return self._styles

    def offer(self, visibility: Visibility) -> Offer:
        catalog = self.catalog
        lora_ok = catalog.lora_mask(visibility)
        image_ok, _ = catalog.image_mask(visibility)
        offers = []
        for style in self.styles:
            visible = style.lora_rows[lora_ok[style.lora_rows]]
            if visible.size == 0:
                continue
            sample = self._sample_image(visible[:10], image_ok)
            offers.append(
                StyleOffer(
                    style,
                    style.title(visibility),
                    style.tags(visibility),
                    sample,
                    [int(catalog.lora_ids[r]) for r in visible[:4]],
                )
            )
        tags = catalog.snapshot.loras.tags
        counts = np.asarray(tags[np.flatnonzero(lora_ok)].sum(axis=0)).ravel()
        names = catalog.snapshot.tag_vocabulary.names
        popular_tags = [
            names[int(t)]
            for t in np.argsort(-counts, kind="stable")[: OFFERED_TAGS * 3]
            if counts[t] > 0 and shown_to(names[int(t)], visibility)
        ][:OFFERED_TAGS]
        bases = catalog.snapshot.images.base_models
        base_counts = np.asarray(bases[np.flatnonzero(image_ok)].sum(axis=0)).ravel()
        base_names = catalog.snapshot.base_model_vocabulary.names
        popular_bases = [
            base_names[int(b)]
            for b in np.argsort(-base_counts, kind="stable")[:OFFERED_BASE_MODELS]
            if base_counts[b] > 0
        ]
        return Offer(offers, popular_tags, popular_bases)

    def _sample_image(
        self, lora_rows: NDArray[np.int64], image_ok: NDArray[np.bool_]
    ) -> int | None:
        """The most popular visible image made with the style's most popular LoRAs."""
        catalog = self.catalog
        for row in lora_rows.tolist():
            column = catalog.links_csc[:, [row]].tocoo().row
            visible = column[image_ok[column]]
            if visible.size:
                popularity = catalog.snapshot.images.popularity[visible]
                return int(catalog.image_ids[visible[int(np.argmax(popularity))]])
        return None

    def tags_for(self, style_ids: list[int], visibility: Visibility) -> list[str]:
        """The tags a pick of these styles stands for: the ones the viewer was shown."""
        by_id = {style.id: style for style in self.styles}
        out: dict[str, None] = {}
        for style_id in style_ids:
            style = by_id.get(style_id)
            if style is not None:
                out.update(dict.fromkeys(style.tags(visibility)[:TAGS_PER_PICK]))
        return list(out)

    def unknown(self, style_ids: list[int]) -> list[int]:
        """Style ids that do not exist."""
        ids = {style.id for style in self.styles}
        return [s for s in style_ids if s not in ids]
