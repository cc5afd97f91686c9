"""full-text search tables (FTS5 on SQLite, tsvector + GIN on PostgreSQL)

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Contentless would save space, but bm25 over stored text keeps snippets possible.
        tokenizer = "tokenize = 'unicode61 remove_diacritics 2'"
        op.execute(f"CREATE VIRTUAL TABLE fts_images USING fts5(body, {tokenizer})")
        op.execute(
            "CREATE VIRTUAL TABLE fts_loras USING fts5("
            f"name, triggers, tags, creator, body, {tokenizer})"
        )
        return
    op.execute("CREATE TABLE fts_images (id BIGINT PRIMARY KEY, document TSVECTOR NOT NULL)")
    op.execute("CREATE TABLE fts_loras (id BIGINT PRIMARY KEY, document TSVECTOR NOT NULL)")
    op.execute("CREATE INDEX ix_fts_images_document ON fts_images USING GIN (document)")
    op.execute("CREATE INDEX ix_fts_loras_document ON fts_loras USING GIN (document)")


def downgrade() -> None:
    op.execute("DROP TABLE fts_loras")
    op.execute("DROP TABLE fts_images")
