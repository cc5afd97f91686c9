"""Idempotent bulk upserts that read the same on SQLite and PostgreSQL.

Bulk imports write hundreds of thousands of rows, so values are converted once here and handed
straight to the driver's executemany: SQLAlchemy's per-row parameter processing cost more than
the database's own work.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, DateTime

from atelier.db.base import Base

Converter = Callable[[Any], Any]


def _json(value: Any) -> Any:
    return None if value is None else orjson.dumps(value).decode()


def _sqlite_datetime(value: Any) -> Any:
    # SQLAlchemy's own SQLite storage format, so ORM reads parse these rows unchanged.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _identity(value: Any) -> Any:
    return value


def _converters(
    table: Any, columns: Sequence[str], dialect: str
) -> tuple[list[Converter], list[str]]:
    converters: list[Converter] = []
    placeholders: list[str] = []
    marker = "?" if dialect == "sqlite" else "%s"
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, JSON):
            converters.append(_json)
            placeholders.append(f"{marker}::jsonb" if dialect == "postgresql" else marker)
        elif isinstance(column_type, DateTime) and dialect == "sqlite":
            converters.append(_sqlite_datetime)
            placeholders.append(marker)
        else:
            converters.append(_identity)
            placeholders.append(marker)
    return converters, placeholders


def upsert_rows(
    connection: Connection,
    table: type[Base],
    rows: Sequence[dict[str, Any]],
    *,
    keys: Sequence[str],
    update: bool = True,
) -> None:
    """Insert rows, replacing every non-key column of rows whose key exists (or keeping the
    old row when `update` is false). Rows repeating a key keep the last one, because
    PostgreSQL refuses to touch one row twice in a statement. Every row has the same keys."""
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        raise NotImplementedError(f"upserts are not written for the {dialect} backend")
    unique = list({tuple(row[k] for k in keys): row for row in rows}.values())
    sql_table: Any = table.__table__
    columns = list(unique[0])
    quote = connection.dialect.identifier_preparer.quote
    converters, placeholders = _converters(sql_table, columns, dialect)
    targets = [c for c in columns if c not in keys]
    if update and targets:
        action = "DO UPDATE SET " + ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in targets)
    else:
        action = "DO NOTHING"
    sql = (
        f"INSERT INTO {quote(sql_table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(placeholders)}) "
        f"ON CONFLICT ({', '.join(quote(k) for k in keys)}) {action}"
    )
    values = [
        tuple(convert(row[c]) for convert, c in zip(converters, columns, strict=True))
        for row in unique
    ]
    connection.exec_driver_sql(sql, values)


def insert_rows(connection: Connection, table: type[Base], rows: Sequence[dict[str, Any]]) -> None:
    """Plain bulk insert through the same fast path (rows must not collide)."""
    if not rows:
        return
    sql_table: Any = table.__table__
    dialect = connection.dialect.name
    quote = connection.dialect.identifier_preparer.quote
    columns = list(rows[0])
    converters, placeholders = _converters(sql_table, columns, dialect)
    sql = (
        f"INSERT INTO {quote(sql_table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(placeholders)})"
    )
    values = [
        tuple(convert(row[c]) for convert, c in zip(converters, columns, strict=True))
        for row in rows
    ]
    connection.exec_driver_sql(sql, values)
