"""Resolves stored resource references into image -> model-version links.

Evidence is ranked: an explicit Civitai version id beats a file hash, a hash beats a name, and a
name shared by several versions (re-uploads) is settled by a hash first, then by popularity.
Resolution reads the whole catalog's file index, so a LoRA imported after its images still links.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Connection, delete, select, tuple_

from atelier.db.models import Image, ImageResource, Model, ModelFile, ModelVersion
from atelier.db.upsert import insert_rows

# Lower is stronger evidence.
SOURCE_RANK = {
    "posted": 0,
    "civitai": 1,
    "hash": 2,
    "addnet": 3,
    "resource": 4,
    "prompt_tag": 5,
    "checkpoint": 6,
}
_CHUNK = 20_000


@dataclass(slots=True)
class CatalogIndex:
    """Lookup tables from what images mention to catalog version ids."""

    version_model: dict[int, int] = field(default_factory=dict)
    version_is_lora: dict[int, bool] = field(default_factory=dict)
    by_hash: dict[str, int] = field(default_factory=dict)
    by_stem: dict[str, list[int]] = field(default_factory=dict)

    def resolve_hash(self, digest: str | None) -> int | None:
        if not digest:
            return None
        return self.by_hash.get(digest.upper())

    def resolve_name(self, name: str | None, digest: str | None) -> int | None:
        if not name:
            return None
        candidates = self.by_stem.get(name.strip().lower())
        if not candidates:
            return None
        hashed = self.resolve_hash(digest)
        if hashed is not None and hashed in candidates:
            return hashed
        # Candidates are ordered by popularity, so an ambiguous re-upload goes to the
        # version people actually downloaded.
        return candidates[0]


def load_catalog_index(connection: Connection) -> CatalogIndex:
    """Reads every version and file once; a few MB even for the full catalog."""
    index = CatalogIndex()
    versions = connection.execute(
        select(
            ModelVersion.id, ModelVersion.model_id, Model.is_lora, ModelVersion.download_count
        ).join(Model, Model.id == ModelVersion.model_id)
    ).all()
    popularity: dict[int, int] = {}
    for version_id, model_id, is_lora, downloads in versions:
        index.version_model[version_id] = model_id
        index.version_is_lora[version_id] = bool(is_lora)
        popularity[version_id] = downloads or 0
    stems: dict[str, set[int]] = defaultdict(set)
    files = connection.execute(
        select(ModelFile.version_id, ModelFile.stem, ModelFile.sha256, ModelFile.autov1,
               ModelFile.autov2, ModelFile.autov3, ModelFile.is_primary)
    ).all()  # fmt: skip
    for version_id, stem, sha256, autov1, autov2, autov3, _primary in files:
        if version_id not in index.version_model:
            continue
        for digest in (sha256, autov1, autov2, autov3):
            if digest:
                # A full SHA256 also answers to its 10- and 12-digit prefixes (AutoV2, AddNet).
                index.by_hash.setdefault(digest.upper(), version_id)
        if sha256:
            index.by_hash.setdefault(sha256[:10].upper(), version_id)
            index.by_hash.setdefault(sha256[:12].upper(), version_id)
        if stem:
            stems[stem].add(version_id)
    index.by_stem = {
        stem: sorted(ids, key=lambda v: (-popularity.get(v, 0), -v)) for stem, ids in stems.items()
    }
    return index


def resolve_ref(
    index: CatalogIndex, name: str | None, digest: str | None, version_id: int | None
) -> int | None:
    """The catalog version a reference names, or None."""
    if version_id is not None:
        return version_id if version_id in index.version_model else None
    return index.resolve_hash(digest) or index.resolve_name(name, digest)


@dataclass(slots=True)
class LinkCounts:
    """What a resolution pass did."""

    images: int = 0
    links: int = 0
    added: int = 0
    removed: int = 0
    updated: int = 0


def _image_chunks(connection: Connection) -> Iterator[tuple[int, int]]:
    """Id ranges of about _CHUNK images each, whatever gaps the ids have."""
    ids = connection.execute(select(Image.id).order_by(Image.id)).scalars().all()
    for start in range(0, len(ids), _CHUNK):
        yield ids[start], ids[min(start + _CHUNK, len(ids)) - 1]


@dataclass(slots=True)
class _Link:
    source: str
    weight: float | None
    posted: bool

    def key(self) -> tuple[str, float | None, bool]:
        return (self.source, self.weight, self.posted)


def _desired_links(
    connection: Connection, index: CatalogIndex, low: int, high: int
) -> dict[tuple[int, int], _Link]:
    desired: dict[tuple[int, int], _Link] = {}
    rows = connection.execute(
        select(Image.id, Image.posted_version_id, Image.resource_refs).where(
            Image.id.between(low, high)
        )
    )
    for image_id, posted_version_id, refs in rows:
        if posted_version_id in index.version_model:
            desired[(image_id, posted_version_id)] = _Link("posted", None, True)
        for source, name, digest, version_id, weight, _type in refs or ():
            resolved = resolve_ref(index, name, digest, version_id)
            if resolved is None:
                continue
            link = desired.get((image_id, resolved))
            if link is None:
                desired[(image_id, resolved)] = _Link(source, weight, False)
                continue
            if SOURCE_RANK[source] < SOURCE_RANK[link.source] or link.source == "posted":
                link.source = source
            if link.weight is None:
                link.weight = weight
    return desired


def resolve_links(connection: Connection) -> LinkCounts:
    """Bring image_resources in line with the stored references; writes only the differences."""
    index = load_catalog_index(connection)
    counts = LinkCounts()
    for low, high in _image_chunks(connection):
        desired = _desired_links(connection, index, low, high)
        existing = {
            (row.image_id, row.version_id): (row.source, row.weight, row.posted)
            for row in connection.execute(
                select(ImageResource.image_id, ImageResource.version_id, ImageResource.source,
                       ImageResource.weight, ImageResource.posted)
                .where(ImageResource.image_id.between(low, high))
            )
        }  # fmt: skip
        stale = [key for key in existing if key not in desired]
        for i in range(0, len(stale), 400):
            connection.execute(
                delete(ImageResource).where(
                    tuple_(ImageResource.image_id, ImageResource.version_id).in_(stale[i : i + 400])
                )
            )
        fresh = [
            {
                "image_id": image_id,
                "version_id": version_id,
                "model_id": index.version_model[version_id],
                "source": link.source,
                "weight": link.weight,
                "is_lora": index.version_is_lora[version_id],
                "posted": link.posted,
            }
            for (image_id, version_id), link in desired.items()
            if existing.get((image_id, version_id)) != link.key()
        ]
        changed_keys = [
            (r["image_id"], r["version_id"])
            for r in fresh
            if (r["image_id"], r["version_id"]) in existing
        ]
        for i in range(0, len(changed_keys), 400):
            connection.execute(
                delete(ImageResource).where(
                    tuple_(ImageResource.image_id, ImageResource.version_id).in_(
                        changed_keys[i : i + 400]
                    )
                )
            )
        insert_rows(connection, ImageResource, fresh)
        counts.links += len(desired)
        counts.images += len({key[0] for key in desired})
        counts.removed += len(stale)
        counts.updated += len(changed_keys)
        counts.added += len(fresh) - len(changed_keys)
    return counts
