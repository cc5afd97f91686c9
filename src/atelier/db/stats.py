"""Catalog statistics: counts per model type, content levels, and LoRA link coverage."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, distinct, func, select

from atelier.db.models import Image, ImageResource, Model, ModelVersion


@dataclass(slots=True)
class CatalogStats:
    """Numbers `atelier stats` prints and imports report."""

    models_by_type: dict[str, int]
    versions: int
    images: int
    images_by_level: dict[int, int]
    links: int
    # Share of images linked to a catalog LoRA by their own metadata (not just posted under it).
    lora_coverage: float
    # The same, counting the LoRA whose showcase the image is.
    lora_coverage_with_posted: float


def lora_coverage(connection: Connection, *, include_posted: bool = False) -> float:
    """Share of images linked to at least one catalog LoRA."""
    images = connection.execute(select(func.count()).select_from(Image)).scalar_one()
    if not images:
        return 0.0
    query = select(func.count(distinct(ImageResource.image_id))).where(
        ImageResource.is_lora.is_(True)
    )
    if not include_posted:
        query = query.where(ImageResource.source != "posted")
    return float(connection.execute(query).scalar_one()) / images


def catalog_stats(connection: Connection) -> CatalogStats:
    """Read every number in a handful of aggregate queries."""
    by_type = dict(
        connection.execute(select(Model.type, func.count()).group_by(Model.type)).tuples().all()
    )
    levels = dict(
        connection.execute(select(Image.content_level, func.count()).group_by(Image.content_level))
        .tuples()
        .all()
    )
    return CatalogStats(
        models_by_type=by_type,
        versions=connection.execute(select(func.count()).select_from(ModelVersion)).scalar_one(),
        images=sum(levels.values()),
        images_by_level=levels,
        links=connection.execute(select(func.count()).select_from(ImageResource)).scalar_one(),
        lora_coverage=lora_coverage(connection),
        lora_coverage_with_posted=lora_coverage(connection, include_posted=True),
    )
