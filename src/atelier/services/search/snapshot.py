"""An in-memory column store of what filters and sorts need, so every filter is an exact
numpy mask over the whole catalog in about a millisecond, on the vector path too."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from scipy import sparse
from sqlalchemy import Connection, select

from atelier.db.models import Image, ImageResource, Model, ModelTag, ModelVersion
from atelier.services.visibility import Visibility, normalise_tag

logger = logging.getLogger(__name__)


def _epoch(value: datetime | None) -> int:
    return int(value.timestamp()) if value is not None else 0


class Vocabulary:
    """Strings <-> dense integer codes (tags, base models, model types)."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.names: list[str] = []

    def code(self, name: str) -> int:
        found = self.codes.get(name)
        if found is None:
            found = self.codes[name] = len(self.names)
            self.names.append(name)
        return found

    def lookup(self, names: Iterable[str]) -> list[int]:
        """Codes of the names that exist; unknown names match nothing."""
        return [self.codes[n] for n in names if n in self.codes]


@dataclass(frozen=True, slots=True)
class Filters:
    """What a request asks for on top of the viewer's own limits."""

    base_models: tuple[str, ...] = ()
    model_types: tuple[str, ...] = ()
    include_tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()


def _has_any(tags: sparse.csr_matrix, codes: Sequence[int]) -> NDArray[np.bool_]:
    if not codes:
        return np.zeros(tags.shape[0], dtype=bool)
    column = np.zeros(tags.shape[1], dtype=np.float32)
    column[list(codes)] = 1.0
    return np.asarray(tags @ column > 0).ravel()


@dataclass
class ItemColumns:
    """Columns for one kind of item (images or LoRAs), row i describing ids[i]."""

    ids: NDArray[np.int64]
    level: NDArray[np.int8]
    poi: NDArray[np.bool_]
    created: NDArray[np.int64]
    popularity: NDArray[np.float32]
    # Rows x base-model codes, rows x tag codes, rows x type codes (boolean CSR).
    base_models: sparse.csr_matrix
    tags: sparse.csr_matrix
    types: sparse.csr_matrix

    def rows_of(self, ids: NDArray[np.int64]) -> NDArray[np.int64]:
        """Row of each id, -1 where the id is not in the snapshot."""
        positions = np.searchsorted(self.ids, ids)
        positions = np.clip(positions, 0, max(len(self.ids) - 1, 0))
        found = self.ids[positions] == ids if len(self.ids) else np.zeros(len(ids), dtype=bool)
        return np.where(found, positions, -1).astype(np.int64)


@dataclass(frozen=True)
class Showcases:
    """Each LoRA's showcase images in display order (version position, then image id):
    image rows `rows[starts[r]:starts[r + 1]]` for LoRA row r."""

    starts: NDArray[np.int64]
    rows: NDArray[np.int64]

    def first_allowed(self, lora_row: int, allowed: NDArray[np.bool_]) -> int | None:
        """The first showcase image row that `allowed` keeps, if any."""
        candidates = self.rows[self.starts[lora_row] : self.starts[lora_row + 1]]
        kept = np.flatnonzero(allowed[candidates])
        return int(candidates[kept[0]]) if kept.size else None


class CatalogSnapshot:
    """Filter and sort columns for every image and LoRA, built from the database."""

    def __init__(
        self,
        images: ItemColumns,
        loras: ItemColumns,
        tags: Vocabulary,
        base_models: Vocabulary,
        types: Vocabulary,
        image_loras: sparse.csr_matrix,
        showcases: Showcases | None = None,
    ) -> None:
        self.images, self.loras = images, loras
        # Image rows x LoRA rows: which LoRAs made (or showcase) each image.
        self.image_loras = image_loras
        self.showcases = showcases
        self.tag_vocabulary, self.base_model_vocabulary, self.type_vocabulary = (
            tags, base_models, types,
        )  # fmt: skip

    def mask(self, kind: str, visibility: Visibility, filters: Filters) -> NDArray[np.bool_]:
        """Rows of `kind` ("images" or "loras") this viewer may see and the filters allow."""
        columns = self.images if kind == "images" else self.loras
        keep = columns.level <= visibility.max_level
        if not visibility.show_poi:
            keep &= ~columns.poi
        blocked = self.tag_vocabulary.lookup(visibility.blocked_tags | set(filters.exclude_tags))
        if blocked:
            keep &= ~_has_any(columns.tags, blocked)
        if filters.include_tags:
            keep &= _has_any(columns.tags, self.tag_vocabulary.lookup(filters.include_tags))
        if filters.base_models:
            keep &= _has_any(
                columns.base_models, self.base_model_vocabulary.lookup(filters.base_models)
            )
        if filters.model_types:
            keep &= _has_any(columns.types, self.type_vocabulary.lookup(filters.model_types))
        return keep

    def first_showcase_images(
        self, lora_ids: Sequence[int], allowed_images: NDArray[np.bool_]
    ) -> dict[int, int]:
        """LoRA id -> id of its first showcase image among the allowed image rows, for the
        LoRAs that have one; a LoRA card's preview without a window query over its images."""
        if self.showcases is None or not lora_ids:
            return {}
        rows = self.loras.rows_of(np.asarray(lora_ids, dtype=np.int64))
        found: dict[int, int] = {}
        for lora_id, row in zip(lora_ids, rows.tolist(), strict=True):
            first = self.showcases.first_allowed(row, allowed_images) if row >= 0 else None
            if first is not None:
                found[int(lora_id)] = int(self.images.ids[first])
        return found

    def facet_values(self) -> dict[str, list[str]]:
        """Known base models and model types, for filter menus."""
        return {
            "base_models": sorted(self.base_model_vocabulary.names),
            "model_types": sorted(self.type_vocabulary.names),
        }


def _csr(rows: Sequence[int], cols: Sequence[int], shape: tuple[int, int]) -> sparse.csr_matrix:
    data = np.ones(len(rows), dtype=np.float32)
    matrix = sparse.csr_matrix((data, (np.asarray(rows), np.asarray(cols))), shape=shape)
    matrix.data[:] = 1.0  # duplicates summed by the constructor count once
    return matrix


def load_snapshot(connection: Connection) -> CatalogSnapshot:
    """Read the columns in a handful of queries (about a second for the full catalog)."""
    tags, bases, types = Vocabulary(), Vocabulary(), Vocabulary()
    models = connection.execute(
        select(Model.id, Model.type, Model.is_lora, Model.content_level, Model.poi,
               Model.download_count, Model.thumbs_up_count, Model.favorite_count,
               Model.created_at).order_by(Model.id)
    ).all()  # fmt: skip
    n_models = len(models)
    model_ids = np.array([m.id for m in models], dtype=np.int64)
    model_row = {int(m.id): i for i, m in enumerate(models)}
    images = connection.execute(
        select(
            Image.id, Image.content_level, Image.base_model, Image.created_at, Image.like_count
        ).order_by(Image.id)
    ).all()
    n_images = len(images)
    image_ids = np.array([r.id for r in images], dtype=np.int64)

    tag_pairs = [
        (model_row[m], tags.code(normalise_tag(t)))
        for m, t in connection.execute(select(ModelTag.model_id, ModelTag.tag))
        if m in model_row
    ]
    base_pairs = [
        (model_row[m], bases.code(b))
        for m, b in connection.execute(select(ModelVersion.model_id, ModelVersion.base_model))
        if b and m in model_row
    ]
    image_base_pairs = [(i, bases.code(r.base_model)) for i, r in enumerate(images) if r.base_model]
    type_pairs = [(i, types.code(m.type)) for i, m in enumerate(models)]
    n_tags, n_bases, n_types = (max(len(v.names), 1) for v in (tags, bases, types))

    model_tags = _csr(*_unzip(tag_pairs), (n_models, n_tags))
    model_bases = _csr(*_unzip(base_pairs), (n_models, n_bases))
    model_types = _csr(*_unzip(type_pairs), (n_models, n_types))
    model_popularity = np.array(
        [np.log1p(m.download_count + 20 * (m.thumbs_up_count + m.favorite_count)) for m in models],
        dtype=np.float32,
    )
    lora_rows = np.array([i for i, m in enumerate(models) if m.is_lora], dtype=np.int64)
    loras = ItemColumns(
        ids=model_ids[lora_rows],
        level=np.array([m.content_level for m in models], dtype=np.int8)[lora_rows],
        poi=np.array([m.poi for m in models], dtype=bool)[lora_rows],
        created=np.array([_epoch(m.created_at) for m in models], dtype=np.int64)[lora_rows],
        popularity=model_popularity[lora_rows],
        base_models=model_bases[lora_rows],
        tags=model_tags[lora_rows],
        types=model_types[lora_rows],
    )

    link_pairs = [
        (image, model_row[model])
        for image, model in connection.execute(
            select(ImageResource.image_id, ImageResource.model_id)
        )
        if model in model_row
    ]
    link_images = np.searchsorted(image_ids, np.array([p[0] for p in link_pairs], dtype=np.int64))
    image_models = _csr(link_images.tolist(), [p[1] for p in link_pairs], (n_images, n_models))
    # An image carries the tags, types and real-person flag of every model that made it.
    image_tags = _binary(image_models @ model_tags)
    image_types = _binary(image_models @ model_types)
    image_poi = np.asarray(image_models @ np.array([m.poi for m in models], dtype=np.float32) > 0)
    # 2023 images have no counters: their prior is the popularity of the models behind them.
    borrowed = image_models.multiply(model_popularity[np.newaxis, :]).tocsr().max(axis=1)
    likes = np.array([r.like_count for r in images], dtype=np.float32)
    image_columns = ItemColumns(
        ids=image_ids,
        level=np.array([r.content_level for r in images], dtype=np.int8),
        poi=image_poi.ravel(),
        created=np.array([_epoch(r.created_at) for r in images], dtype=np.int64),
        popularity=(np.log1p(likes) + 0.5 * np.asarray(borrowed.todense()).ravel()).astype(
            np.float32
        ),
        base_models=_csr(*_unzip(image_base_pairs), (n_images, n_bases)),
        tags=image_tags,
        types=image_types,
    )
    logger.info("catalog snapshot: %d images, %d LoRAs, %d tags", n_images, len(lora_rows), n_tags)
    image_loras = image_models[:, lora_rows].tocsr()
    showcases = _load_showcases(connection, loras.ids, image_ids)
    return CatalogSnapshot(image_columns, loras, tags, bases, types, image_loras, showcases)


def _load_showcases(
    connection: Connection, lora_ids: NDArray[np.int64], image_ids: NDArray[np.int64]
) -> Showcases:
    """Images posted under each LoRA's versions, in the order a LoRA card picks its preview."""
    pairs = connection.execute(
        select(ModelVersion.model_id, Image.id)
        .join(ModelVersion, ModelVersion.id == Image.posted_version_id)
        .order_by(ModelVersion.model_id, ModelVersion.position, Image.id)
    ).all()
    models = np.array([p[0] for p in pairs], dtype=np.int64)
    images = np.array([p[1] for p in pairs], dtype=np.int64)
    lora_positions = np.searchsorted(lora_ids, models)
    is_lora = (lora_positions < len(lora_ids)) & (
        lora_ids[np.minimum(lora_positions, max(len(lora_ids) - 1, 0))] == models
        if len(lora_ids)
        else np.zeros(len(models), dtype=bool)
    )
    # Rows arrive grouped by model id, and LoRA rows are in model-id order, so the kept pairs
    # are already grouped by LoRA row in display order.
    lora_rows = lora_positions[is_lora]
    starts = np.searchsorted(lora_rows, np.arange(len(lora_ids) + 1)).astype(np.int64)
    return Showcases(starts, np.searchsorted(image_ids, images[is_lora]).astype(np.int64))


def _unzip(pairs: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    return [p[0] for p in pairs], [p[1] for p in pairs]


def _binary(matrix: sparse.spmatrix) -> sparse.csr_matrix:
    result = sparse.csr_matrix(matrix)
    result.data[:] = 1.0
    return result
