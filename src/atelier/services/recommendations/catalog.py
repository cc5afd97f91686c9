"""The catalog as the recommender sees it: rows, the weighted image->LoRA graph, groups, vectors.

Built once per app on top of the search service's snapshot and vector indexes, so row numbers,
visibility masks and embeddings are the ones search uses. Images and LoRAs share one "item
space" for the collaborative model: image row r is item r, LoRA row l is item n_images + l.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from sqlalchemy import Connection, select

from atelier.db.models import Image, ImageResource, Model
from atelier.index.filter import AllowedSet
from atelier.index.protocol import VectorIndex
from atelier.recommend.graph import link_matrix
from atelier.services.search.service import SearchService
from atelier.services.search.snapshot import CatalogSnapshot, Filters
from atelier.services.visibility import Visibility

logger = logging.getLogger(__name__)

# Without a vector index, items are embedded by their tags through a fixed random projection:
# enough for the profile to tell styles apart and for MMR to spread a page.
TAG_PROJECTION_DIM = 64
# Filters keeping at least this share of the images are applied after an unfiltered search.
UNFILTERED_SEARCH_SHARE = 0.3


def _unit(rows: NDArray[np.float32]) -> NDArray[np.float32]:
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    out: NDArray[np.float32] = (rows / norms).astype(np.float32)
    return out


def _codes(values: list[str | None], seen: dict[str, int]) -> NDArray[np.int32]:
    """Codes of names in a vocabulary shared between calls (-1: unknown)."""
    return np.array(
        [-1 if v is None else seen.setdefault(v, len(seen)) for v in values], dtype=np.int32
    )


class VectorSource:
    """Embeddings of images and LoRAs: the search indexes' vectors, or tag projections."""

    def __init__(self, snapshot: CatalogSnapshot, indexes: dict[str, VectorIndex]) -> None:
        self.snapshot = snapshot
        self.image_index = indexes.get("image")
        lora_index = indexes.get("lora")
        self.semantic = self.image_index is not None and lora_index is not None
        if self.semantic and self.image_index is not None and lora_index is not None:
            self.dim = self.image_index.dim
            self.lora_matrix = self._from_index(lora_index, snapshot.loras.ids)
        else:
            self.image_index = None
            rng = np.random.default_rng(0)
            n_tags = snapshot.loras.tags.shape[1]
            self._projection = rng.normal(size=(n_tags, TAG_PROJECTION_DIM)).astype(np.float32)
            self.dim = TAG_PROJECTION_DIM
            self.lora_matrix = self._projected(snapshot.loras.tags)

    def _from_index(self, index: VectorIndex, ids: NDArray[np.int64]) -> NDArray[np.float32]:
        out = np.zeros((ids.shape[0], index.dim), np.float32)
        present = index.contains(ids)
        if present.any():
            out[present] = index.get_vectors(ids[present])
        return out

    def _projected(self, tags: sp.csr_matrix) -> NDArray[np.float32]:
        return _unit(np.asarray(tags @ self._projection, dtype=np.float32))

    def images(self, rows: NDArray[np.int64]) -> NDArray[np.float32]:
        """Unit vectors of image rows; rows without an embedding are zero."""
        if self.image_index is not None:
            return self._from_index(self.image_index, self.snapshot.images.ids[rows])
        return self._projected(self.snapshot.images.tags[rows])

    def loras(self, rows: NDArray[np.int64]) -> NDArray[np.float32]:
        return self.lora_matrix[rows]


@dataclass
class RecCatalog:
    """Row-aligned arrays over the snapshot's images and LoRAs."""

    search: SearchService
    snapshot: CatalogSnapshot
    links: sp.csr_matrix  # image rows x LoRA rows, LoRA strength (1 when unknown)
    links_csc: sp.csc_matrix
    image_creator: NDArray[np.int32]
    image_model: NDArray[np.int32]
    lora_creator: NDArray[np.int32]
    lora_names: list[str]
    image_popular_order: NDArray[np.int64]
    lora_popular_order: NDArray[np.int64]
    vectors: VectorSource

    @cached_property
    def image_tags_csc(self) -> sp.csc_matrix:
        """Image rows x tags by column, so "images with tag t" is one slice."""
        return self.snapshot.images.tags.tocsc()

    @cached_property
    def lora_uses(self) -> NDArray[np.int64]:
        """Images made with each LoRA."""
        uses: NDArray[np.int64] = np.diff(self.links_csc.indptr).astype(np.int64)
        return uses

    @cached_property
    def lora_specificity(self) -> NDArray[np.float32]:
        """How much using each LoRA says about an image's look, in [0, 1]: log(images /
        images using it) over log(images). A helper used everywhere (a detail tweaker) is
        near 0; a character LoRA in a few dozen images is well above half."""
        n = self.n_images + 1
        idf = np.log(n / (self.lora_uses + 1.0)) / max(np.log(n), 1e-12)
        out: NDArray[np.float32] = np.clip(idf, 0.0, 1.0).astype(np.float32)
        return out

    @cached_property
    def image_tag_idf(self) -> NDArray[np.float32]:
        """Rarity of each tag among images: log(images / images carrying it)."""
        df: NDArray[np.float64] = np.diff(self.image_tags_csc.indptr).astype(np.float64)
        idf: NDArray[np.float32] = np.log((self.n_images + 1) / (df + 1)).astype(np.float32)
        return idf

    @cached_property
    def lora_tag_idf(self) -> NDArray[np.float32]:
        """Rarity of each tag among LoRAs."""
        df = np.asarray(self.snapshot.loras.tags.sum(axis=0), dtype=np.float64).ravel()
        idf: NDArray[np.float32] = np.log((self.n_loras + 1) / (df + 1)).astype(np.float32)
        return idf

    def tag_specificity(self, codes: list[int]) -> NDArray[np.float32]:
        """Per image row, the summed rarity of the tag codes it carries (0: none of them)."""
        if not codes:
            return np.zeros(self.n_images, np.float32)
        weights = self.image_tag_idf[codes]
        return np.asarray(self.image_tags_csc[:, codes] @ weights, dtype=np.float32).ravel()

    @property
    def n_images(self) -> int:
        return int(self.snapshot.images.ids.shape[0])

    @property
    def n_loras(self) -> int:
        return int(self.snapshot.loras.ids.shape[0])

    @property
    def n_items(self) -> int:
        return self.n_images + self.n_loras

    @property
    def image_ids(self) -> NDArray[np.int64]:
        return self.snapshot.images.ids

    @property
    def lora_ids(self) -> NDArray[np.int64]:
        return self.snapshot.loras.ids

    def item_ids(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The ids behind the item space: (image ids, LoRA ids)."""
        return self.image_ids, self.lora_ids

    def item_vectors(self, items: NDArray[np.int64]) -> NDArray[np.float32]:
        """Unit vectors of item-space indexes (images and LoRAs mixed)."""
        out = np.zeros((items.shape[0], self.vectors.dim), np.float32)
        is_image = items < self.n_images
        if is_image.any():
            out[is_image] = self.vectors.images(items[is_image])
        if (~is_image).any():
            out[~is_image] = self.vectors.loras(items[~is_image] - self.n_images)
        return out

    def image_mask(self, visibility: Visibility) -> tuple[NDArray[np.bool_], AllowedSet | None]:
        """Image rows the viewer may see, and the same filter resolved for the image index."""
        return self.search.allowed("images", visibility, Filters())

    def lora_mask(self, visibility: Visibility) -> NDArray[np.bool_]:
        return self.search.allowed("loras", visibility, Filters())[0]

    def search_images(
        self,
        queries: NDArray[np.float32],
        k: int,
        allowed: AllowedSet | None,
        ok: NDArray[np.bool_] | None = None,
        effort: float = 1.0,
    ) -> NDArray[np.int64]:
        """Image rows nearest to any of the query vectors (empty without a vector index).

        With `ok` (the rows the caller can use, within `allowed`) and a broad filter, the index
        is searched unfiltered for k / share hits and the rows outside `ok` dropped here: a
        filtered IVF search probes 1 / sqrt(share) times more lists and checks a bitmap per
        code, where a longer unfiltered result list costs only heap entries.
        """
        index = self.vectors.image_index
        if index is None or allowed is None or len(allowed) == 0 or queries.shape[0] == 0:
            return np.zeros(0, np.int64)
        share = np.count_nonzero(ok) / max(ok.size, 1) if ok is not None else 0.0
        if ok is not None and share >= UNFILTERED_SEARCH_SHARE:
            result = index.search(queries, math.ceil(k / share), allowed=None, effort=effort)
        else:
            result = index.search(queries, k, allowed=allowed, effort=effort)
        rows = self.snapshot.images.rows_of(result.ids.ravel())
        rows = rows[rows >= 0]
        return np.unique(rows if ok is None else rows[ok[rows]])

    def tag_rows(self, tags: list[str]) -> list[int]:
        """Vocabulary codes of the tags that exist (unknown tags match nothing)."""
        return self.snapshot.tag_vocabulary.lookup(tags)

    def base_model_codes(self, names: list[str]) -> list[int]:
        return self.snapshot.base_model_vocabulary.lookup(names)


def load_catalog(connection: Connection, search: SearchService) -> RecCatalog:
    """Read link weights and creators (two queries) and derive the rest from the snapshot."""
    snapshot = search.snapshot
    images, loras = snapshot.images, snapshot.loras
    link_rows = connection.execute(
        select(ImageResource.image_id, ImageResource.model_id, ImageResource.weight).where(
            ImageResource.is_lora
        )
    ).all()
    image_rows = images.rows_of(np.array([r[0] for r in link_rows], dtype=np.int64))
    lora_rows = loras.rows_of(np.array([r[1] for r in link_rows], dtype=np.int64))
    weights = np.array([np.nan if r[2] is None else r[2] for r in link_rows], dtype=np.float64)
    keep = (image_rows >= 0) & (lora_rows >= 0)
    links = link_matrix(
        image_rows[keep], lora_rows[keep], weights[keep], (images.ids.shape[0], loras.ids.shape[0])
    )

    creators = dict(connection.execute(select(Model.id, Model.creator)).tuples().all())
    posted = connection.execute(
        select(Image.id, Image.username, Image.posted_model_id).order_by(Image.id)
    ).all()
    by_id = {int(r[0]): (r[1], r[2]) for r in posted}
    # An image's author when known, else the creator of the model it showcases: in the 2023
    # catalog the two are nearly always the same person.
    image_author: list[str | None] = []
    image_model: list[str | None] = []
    for image_id in images.ids.tolist():
        username, model_id = by_id.get(int(image_id), (None, None))
        image_author.append(username or (creators.get(model_id) if model_id else None))
        image_model.append(None if model_id is None else str(model_id))
    # One vocabulary for image authors and LoRA creators: caps compare the two.
    people: dict[str, int] = {}
    models: dict[str, int] = {}
    lora_names = dict(
        connection.execute(select(Model.id, Model.name).where(Model.is_lora)).tuples().all()
    )
    catalog = RecCatalog(
        search=search,
        snapshot=snapshot,
        links=links,
        links_csc=links.tocsc(),
        image_creator=_codes(image_author, people),
        image_model=_codes(image_model, models),
        lora_creator=_codes([creators.get(int(i)) for i in loras.ids.tolist()], people),
        lora_names=[lora_names.get(int(i), f"LoRA {i}") for i in loras.ids.tolist()],
        image_popular_order=np.argsort(-images.popularity, kind="stable").astype(np.int64),
        lora_popular_order=np.argsort(-loras.popularity, kind="stable").astype(np.int64),
        vectors=VectorSource(snapshot, search.indexes),
    )
    logger.info(
        "recommender catalog: %d images, %d LoRAs, %d links, %s vectors",
        catalog.n_images,
        catalog.n_loras,
        links.nnz,
        "semantic" if catalog.vectors.semantic else "tag-projected",
    )
    return catalog
