"""Catalog tables: models, versions, files, tags, images and the image -> version links."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db.base import Base, JsonType

# "LoRA" in the product: every type that is applied as a low-rank adapter.
LORA_TYPES = ("LORA", "LoCon", "DoRA")


class Model(Base):
    """A Civitai model (LoRA, checkpoint, embedding, ...), keyed by its Civitai id."""

    __tablename__ = "models"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(512))
    type: Mapped[str] = mapped_column(String(40), index=True)
    is_lora: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    creator: Mapped[str | None] = mapped_column(String(255), index=True)
    description_html: Mapped[str] = mapped_column(Text, default="")
    description_text: Mapped[str] = mapped_column(Text, default="")
    nsfw: Mapped[bool] = mapped_column(Boolean, default=False)
    poi: Mapped[bool] = mapped_column(Boolean, default=False)
    content_level: Mapped[int] = mapped_column(Integer, default=0)
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    favorite_count: Mapped[int] = mapped_column(Integer, default=0)
    thumbs_up_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[float] = mapped_column(Float, default=0.0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    tags: Mapped[list[str]] = mapped_column(default=list)
    license: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Digest of the source item: an unchanged item is skipped on re-import.
    source_digest: Mapped[str] = mapped_column(String(32), default="")


class ModelTag(Base):
    """One tag of one model; the normalised form of `Model.tags` for filtering and joins."""

    __tablename__ = "model_tags"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("models.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(120), primary_key=True, index=True)


class ModelVersion(Base):
    """One published version of a model: base model, trigger words, download link."""

    __tablename__ = "model_versions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    model_id: Mapped[int] = mapped_column(ForeignKey("models.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(512), default="")
    base_model: Mapped[str | None] = mapped_column(String(80), index=True)
    trained_words: Mapped[list[str]] = mapped_column(default=list)
    description_html: Mapped[str] = mapped_column(Text, default="")
    download_url: Mapped[str | None] = mapped_column(String(1024))
    download_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    position: Mapped[int] = mapped_column(Integer, default=0)


class ModelFile(Base):
    """A downloadable file of a version, with the hashes images use to name it."""

    __tablename__ = "model_files"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(512), default="")
    # File name without extension, lower-cased: what `<lora:NAME>` and resources name.
    stem: Mapped[str] = mapped_column(String(512), default="", index=True)
    size_kb: Mapped[float | None] = mapped_column(Float)
    type: Mapped[str | None] = mapped_column(String(40))
    format: Mapped[str | None] = mapped_column(String(40))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    download_url: Mapped[str | None] = mapped_column(String(1024))
    sha256: Mapped[str | None] = mapped_column(String(64))
    autov1: Mapped[str | None] = mapped_column(String(16), index=True)
    autov2: Mapped[str | None] = mapped_column(String(16), index=True)
    autov3: Mapped[str | None] = mapped_column(String(16), index=True)


class Image(Base):
    """A generated image with its prompt, settings and content level (0 None .. 3 X)."""

    __tablename__ = "images"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(String(1024))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    blurhash: Mapped[str | None] = mapped_column(String(128))
    content_level: Mapped[int] = mapped_column(Integer, default=0, index=True)
    prompt: Mapped[str | None] = mapped_column(Text)
    negative_prompt: Mapped[str | None] = mapped_column(Text)
    sampler: Mapped[str | None] = mapped_column(String(80))
    steps: Mapped[int | None] = mapped_column(Integer)
    cfg_scale: Mapped[float | None] = mapped_column(Float)
    seed: Mapped[int | None] = mapped_column(BigInteger)
    clip_skip: Mapped[int | None] = mapped_column(Integer)
    size: Mapped[str | None] = mapped_column(String(40))
    checkpoint_name: Mapped[str | None] = mapped_column(String(512))
    checkpoint_hash: Mapped[str | None] = mapped_column(String(64))
    base_model: Mapped[str | None] = mapped_column(String(80), index=True)
    # The rest of the generation metadata, as Civitai gave it.
    meta: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    username: Mapped[str | None] = mapped_column(String(255))
    post_id: Mapped[int | None] = mapped_column(BigInteger)
    # The version whose showcase this image belongs to, when it came from a model item.
    posted_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("model_versions.id", ondelete="SET NULL"), index=True
    )
    posted_model_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    # Raw references to resources from the metadata, [source, name, hash, version id, weight,
    # type] each, kept unresolved so that a LoRA imported later still links to this image.
    resource_refs: Mapped[list[Any] | None] = mapped_column(JsonType, nullable=True)
    like_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    source_digest: Mapped[str] = mapped_column(String(32), default="")


class ImageResource(Base):
    """A resolved link: this image was made with this model version, found by `source`."""

    __tablename__ = "image_resources"

    image_id: Mapped[int] = mapped_column(
        ForeignKey("images.id", ondelete="CASCADE"), primary_key=True
    )
    version_id: Mapped[int] = mapped_column(
        ForeignKey("model_versions.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    model_id: Mapped[int] = mapped_column(BigInteger, index=True)
    # The strongest evidence found in the image's own metadata; "posted" when there is none.
    source: Mapped[str] = mapped_column(String(24))
    weight: Mapped[float | None] = mapped_column(Float)
    is_lora: Mapped[bool] = mapped_column(Boolean, default=False)
    # The image is in this version's showcase (it may also be named in the metadata).
    posted: Mapped[bool] = mapped_column(Boolean, default=False)


Index("ix_images_level_created", Image.content_level, Image.created_at)
