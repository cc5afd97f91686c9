"""Tables of the data pipeline itself: ingest cursors and runs, stored embeddings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from atelier.db.base import Base


class IngestCursor(Base):
    """Where a live import stopped: committed in the same transaction as the page it follows."""

    __tablename__ = "ingest_cursors"

    stream: Mapped[str] = mapped_column(String(200), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(Text)
    items: Mapped[int] = mapped_column(Integer, default=0)
    finished: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IngestRun(Base):
    """One import run and what it reported, for `atelier stats` and debugging."""

    __tablename__ = "ingest_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(1024))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Embedding(Base):
    """A stored embedding of an item's text; `text_digest` tells when it must be redone."""

    __tablename__ = "embeddings"

    item_type: Mapped[str] = mapped_column(String(8), primary_key=True)
    item_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    embedder: Mapped[str] = mapped_column(String(64), primary_key=True)
    text_digest: Mapped[str] = mapped_column(String(32))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
