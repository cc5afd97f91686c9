"""Login rate limiting: failed attempts counted per account and per client address."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from fastapi import HTTPException
from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from atelier.api.auth.sessions import as_utc, utcnow
from atelier.db.models import LoginThrottle


@dataclass(frozen=True, slots=True)
class Limit:
    """At most `failures` failed logins per `window`; then refused until the window ends."""

    failures: int
    window: timedelta


ACCOUNT_LIMIT = Limit(5, timedelta(minutes=15))
# Higher than per account: several people may share one address (an office, a campus).
ADDRESS_LIMIT = Limit(20, timedelta(minutes=15))


def account_key(username_key: str) -> str:
    return f"user:{username_key}"[:160]


def address_key(address: str) -> str:
    return f"addr:{address}"[:160]


def ensure_allowed(db: Session, keys: list[str], now: datetime | None = None) -> None:
    """Raise 429 with Retry-After when any key is locked; called before checking a password."""
    now = now or utcnow()
    locked = db.scalars(
        select(LoginThrottle.locked_until).where(
            LoginThrottle.key.in_(keys), LoginThrottle.locked_until.is_not(None)
        )
    ).all()
    until = max((as_utc(t) for t in locked if t is not None and as_utc(t) > now), default=None)
    if until is not None:
        retry_after = max(1, math.ceil((until - now).total_seconds()))
        raise HTTPException(
            429, "too many failed logins; try again later", {"Retry-After": str(retry_after)}
        )


def record_failure(db: Session, key: str, limit: Limit, now: datetime | None = None) -> None:
    """Count one failure atomically (concurrent attempts cannot undercount) and lock the key
    for the rest of its window once it reaches the limit."""
    now = now or utcnow()
    stale = LoginThrottle.window_started_at <= now - limit.window
    dialect = db.get_bind().dialect.name
    insert = (
        postgresql.insert(LoginThrottle)
        if dialect == "postgresql"
        else sqlite.insert(LoginThrottle)
    )
    stmt = (
        insert.values(key=key, failures=1, window_started_at=now, locked_until=None)
        .on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": case((stale, 1), else_=LoginThrottle.failures + 1),
                "window_started_at": case((stale, now), else_=LoginThrottle.window_started_at),
            },
        )
        .returning(LoginThrottle.failures, LoginThrottle.window_started_at)
    )
    failures, started = db.execute(stmt).one()
    if failures >= limit.failures:
        db.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key == key)
            .values(locked_until=as_utc(started) + limit.window)
        )


def reset(db: Session, key: str) -> None:
    """Forget an account's failures after a successful login."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.key == key))
