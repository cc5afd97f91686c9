"""Writes normalised bundles in one transaction per batch, skipping items that did not change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, select

from atelier.db.models import (
    Image,
    Model,
    ModelFile,
    ModelTag,
    ModelVersion,
)
from atelier.db.upsert import upsert_rows
from atelier.ingest.normalise import Bundle

# SQLite allows 32k bound parameters; chunked IN lists stay far below on both backends.
_IN_CHUNK = 900


@dataclass(slots=True)
class WriteCounts:
    """What one batch changed."""

    models: int = 0
    versions: int = 0
    images: int = 0
    unchanged: int = 0

    def add(self, other: WriteCounts) -> None:
        self.models += other.models
        self.versions += other.versions
        self.images += other.images
        self.unchanged += other.unchanged


def _chunks(values: Sequence[int]) -> list[Sequence[int]]:
    return [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]


def _stored_digests(
    connection: Connection, column_table: type[Model] | type[Image], ids: list[int]
) -> dict[int, str]:
    found: dict[int, str] = {}
    for chunk in _chunks(ids):
        rows = connection.execute(
            select(column_table.id, column_table.source_digest).where(column_table.id.in_(chunk))
        )
        found.update({row[0]: row[1] for row in rows})
    return found


def _changed(connection: Connection, bundles: Sequence[Bundle]) -> list[Bundle]:
    model_ids = [b.model["id"] for b in bundles if b.model is not None]
    image_ids = [b.images[0]["id"] for b in bundles if b.model is None and b.images]
    known_models = _stored_digests(connection, Model, model_ids) if model_ids else {}
    known_images = _stored_digests(connection, Image, image_ids) if image_ids else {}
    changed: list[Bundle] = []
    for bundle in bundles:
        if bundle.model is not None:
            if known_models.get(bundle.model["id"]) != bundle.model["source_digest"]:
                changed.append(bundle)
        elif (
            bundle.images
            and known_images.get(bundle.images[0]["id"]) != bundle.images[0]["source_digest"]
        ):
            changed.append(bundle)
    return changed


def write_bundles(connection: Connection, bundles: Sequence[Bundle]) -> WriteCounts:
    """Upsert every row of the changed bundles; the caller owns the transaction."""
    changed = _changed(connection, bundles)
    counts = WriteCounts(unchanged=len(bundles) - len(changed))
    if not changed:
        return counts
    models = [b.model for b in changed if b.model is not None]
    model_ids = [m["id"] for m in models]
    upsert_rows(connection, Model, models, keys=["id"])
    for chunk in _chunks(model_ids):
        connection.execute(delete(ModelTag).where(ModelTag.model_id.in_(chunk)))
    tag_rows = [
        {"model_id": b.model["id"], "tag": tag}
        for b in changed
        if b.model is not None
        for tag in b.tags
    ]
    upsert_rows(connection, ModelTag, tag_rows, keys=["model_id", "tag"], update=False)
    versions = [v for b in changed for v in b.versions]
    upsert_rows(connection, ModelVersion, versions, keys=["id"])
    upsert_rows(connection, ModelFile, [f for b in changed for f in b.files], keys=["id"])
    # An image shown under two models arrives twice; its references are written once.
    images = list({i["id"]: i for b in changed for i in b.images}.values())
    upsert_rows(connection, Image, images, keys=["id"])
    image_ids = [i["id"] for i in images]
    counts.models, counts.versions, counts.images = len(models), len(versions), len(image_ids)
    return counts
