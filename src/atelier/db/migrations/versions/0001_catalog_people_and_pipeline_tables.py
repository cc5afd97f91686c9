"""catalog, people and pipeline tables

Revision ID: 0001
Revises:
Create Date: 2026-11-26 15:42:59.708635
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embeddings",
        sa.Column("item_type", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("embedder", sa.String(length=64), nullable=False),
        sa.Column("text_digest", sa.String(length=32), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("item_type", "item_id", "embedder", name=op.f("pk_embeddings")),
    )
    op.create_table(
        "ingest_cursors",
        sa.Column("stream", sa.String(length=200), nullable=False),
        sa.Column("cursor", sa.Text(), nullable=True),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("stream", name=op.f("pk_ingest_cursors")),
    )
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=1024), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "summary",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_runs")),
    )
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "models",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("is_lora", sa.Boolean(), nullable=False),
        sa.Column("creator", sa.String(length=255), nullable=True),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("description_text", sa.Text(), nullable=False),
        sa.Column("nsfw", sa.Boolean(), nullable=False),
        sa.Column("poi", sa.Boolean(), nullable=False),
        sa.Column("content_level", sa.Integer(), nullable=False),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.Column("favorite_count", sa.Integer(), nullable=False),
        sa.Column("thumbs_up_count", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Float(), nullable=False),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column(
            "tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "license",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_digest", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_models")),
    )
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_models_creator"), ["creator"], unique=False)
        batch_op.create_index(batch_op.f("ix_models_is_lora"), ["is_lora"], unique=False)
        batch_op.create_index(batch_op.f("ix_models_type"), ["type"], unique=False)

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("username_key", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("max_content_level", sa.Integer(), nullable=False),
        sa.Column("show_poi", sa.Boolean(), nullable=False),
        sa.Column(
            "liked_tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "blocked_tags",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "base_models",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("onboarded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username_key", name=op.f("uq_users_username_key")),
    )
    op.create_table(
        "collections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("is_private", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_collections_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collections")),
        sa.UniqueConstraint("user_id", "name", name="uq_collections_user_name"),
    )
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_collections_user_id"), ["user_id"], unique=False)

    op.create_table(
        "favorites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_favorites_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "item_type", "item_id", name=op.f("pk_favorites")),
    )
    with op.batch_alter_table("favorites", schema=None) as batch_op:
        batch_op.create_index("ix_favorites_user_time", ["user_id", "created_at"], unique=False)

    op.create_table(
        "interactions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_interactions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interactions")),
    )
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index("ix_interactions_item", ["item_type", "item_id"], unique=False)
        batch_op.create_index("ix_interactions_user_time", ["user_id", "created_at"], unique=False)

    op.create_table(
        "model_tags",
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("tag", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_tags_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("model_id", "tag", name=op.f("pk_model_tags")),
    )
    with op.batch_alter_table("model_tags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_tags_tag"), ["tag"], unique=False)

    op.create_table(
        "model_versions",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("base_model", sa.String(length=80), nullable=True),
        sa.Column(
            "trained_words",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("description_html", sa.Text(), nullable=False),
        sa.Column("download_url", sa.String(length=1024), nullable=True),
        sa.Column("download_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["models.id"],
            name=op.f("fk_model_versions_model_id_models"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_versions")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_model_versions_base_model"), ["base_model"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_model_versions_model_id"), ["model_id"], unique=False)

    op.create_table(
        "user_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_user_sessions")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_sessions_expires_at"), ["expires_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "collection_items",
        sa.Column("collection_id", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["collections.id"],
            name=op.f("fk_collection_items_collection_id_collections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "collection_id", "item_type", "item_id", name=op.f("pk_collection_items")
        ),
    )
    op.create_table(
        "images",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("url", sa.String(length=1024), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("blurhash", sa.String(length=128), nullable=True),
        sa.Column("content_level", sa.Integer(), nullable=False),
        sa.Column("prompt", sa.Text(), nullable=True),
        sa.Column("negative_prompt", sa.Text(), nullable=True),
        sa.Column("sampler", sa.String(length=80), nullable=True),
        sa.Column("steps", sa.Integer(), nullable=True),
        sa.Column("cfg_scale", sa.Float(), nullable=True),
        sa.Column("seed", sa.BigInteger(), nullable=True),
        sa.Column("clip_skip", sa.Integer(), nullable=True),
        sa.Column("size", sa.String(length=40), nullable=True),
        sa.Column("checkpoint_name", sa.String(length=512), nullable=True),
        sa.Column("checkpoint_hash", sa.String(length=64), nullable=True),
        sa.Column("base_model", sa.String(length=80), nullable=True),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("username", sa.String(length=255), nullable=True),
        sa.Column("post_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_version_id", sa.BigInteger(), nullable=True),
        sa.Column("posted_model_id", sa.BigInteger(), nullable=True),
        sa.Column(
            "resource_refs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("like_count", sa.Integer(), nullable=False),
        sa.Column("comment_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_digest", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["posted_version_id"],
            ["model_versions.id"],
            name=op.f("fk_images_posted_version_id_model_versions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
    )
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_images_base_model"), ["base_model"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_images_content_level"), ["content_level"], unique=False
        )
        batch_op.create_index(
            "ix_images_level_created", ["content_level", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_images_posted_model_id"), ["posted_model_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_images_posted_version_id"), ["posted_version_id"], unique=False
        )

    op.create_table(
        "model_files",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=512), nullable=False),
        sa.Column("stem", sa.String(length=512), nullable=False),
        sa.Column("size_kb", sa.Float(), nullable=True),
        sa.Column("type", sa.String(length=40), nullable=True),
        sa.Column("format", sa.String(length=40), nullable=True),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("download_url", sa.String(length=1024), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("autov1", sa.String(length=16), nullable=True),
        sa.Column("autov2", sa.String(length=16), nullable=True),
        sa.Column("autov3", sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_model_files_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_model_files")),
    )
    with op.batch_alter_table("model_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_model_files_autov1"), ["autov1"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_files_autov2"), ["autov2"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_files_autov3"), ["autov3"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_files_stem"), ["stem"], unique=False)
        batch_op.create_index(batch_op.f("ix_model_files_version_id"), ["version_id"], unique=False)

    op.create_table(
        "image_resources",
        sa.Column("image_id", sa.BigInteger(), nullable=False),
        sa.Column("version_id", sa.BigInteger(), nullable=False),
        sa.Column("model_id", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=24), nullable=False),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("is_lora", sa.Boolean(), nullable=False),
        sa.Column("posted", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_image_resources_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f("fk_image_resources_version_id_model_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("image_id", "version_id", name=op.f("pk_image_resources")),
    )
    with op.batch_alter_table("image_resources", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_resources_model_id"), ["model_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_image_resources_version_id"), ["version_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("image_resources", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_resources_version_id"))
        batch_op.drop_index(batch_op.f("ix_image_resources_model_id"))

    op.drop_table("image_resources")
    with op.batch_alter_table("model_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_files_version_id"))
        batch_op.drop_index(batch_op.f("ix_model_files_stem"))
        batch_op.drop_index(batch_op.f("ix_model_files_autov3"))
        batch_op.drop_index(batch_op.f("ix_model_files_autov2"))
        batch_op.drop_index(batch_op.f("ix_model_files_autov1"))

    op.drop_table("model_files")
    with op.batch_alter_table("images", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_images_posted_version_id"))
        batch_op.drop_index(batch_op.f("ix_images_posted_model_id"))
        batch_op.drop_index("ix_images_level_created")
        batch_op.drop_index(batch_op.f("ix_images_content_level"))
        batch_op.drop_index(batch_op.f("ix_images_base_model"))

    op.drop_table("images")
    op.drop_table("collection_items")
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_user_sessions_expires_at"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_versions_model_id"))
        batch_op.drop_index(batch_op.f("ix_model_versions_base_model"))

    op.drop_table("model_versions")
    with op.batch_alter_table("model_tags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_model_tags_tag"))

    op.drop_table("model_tags")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index("ix_interactions_user_time")
        batch_op.drop_index("ix_interactions_item")

    op.drop_table("interactions")
    with op.batch_alter_table("favorites", schema=None) as batch_op:
        batch_op.drop_index("ix_favorites_user_time")

    op.drop_table("favorites")
    with op.batch_alter_table("collections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_collections_user_id"))

    op.drop_table("collections")
    op.drop_table("users")
    with op.batch_alter_table("models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_models_type"))
        batch_op.drop_index(batch_op.f("ix_models_is_lora"))
        batch_op.drop_index(batch_op.f("ix_models_creator"))

    op.drop_table("models")
    op.drop_table("login_throttle")
    op.drop_table("ingest_runs")
    op.drop_table("ingest_cursors")
    op.drop_table("embeddings")
