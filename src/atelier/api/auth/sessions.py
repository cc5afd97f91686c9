"""Server-side login sessions: random cookie tokens, stored only as their SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from starlette.responses import Response

from atelier.config import Settings
from atelier.db.models import User, UserSession

SESSION_COOKIE = "atelier_session"
# 32 random bytes: unguessable; the database keeps only the hash, so a leaked table is useless.
_TOKEN_BYTES = 32
_MAX_TOKEN_CHARS = 128


def utcnow() -> datetime:
    """Now, timezone-aware UTC (the only time zone Atelier stores)."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; Atelier writes only UTC, so naive means UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def token_hash(token: str) -> str:
    """The stored key of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(db: Session, user_id: int, days: int) -> str:
    """Create a fresh session (never reusing one: no fixation) and return its cookie token.

    Expired sessions of this person are swept here, so the table does not grow without bound.
    """
    now = utcnow()
    db.execute(
        delete(UserSession).where(UserSession.user_id == user_id, UserSession.expires_at <= now)
    )
    token = secrets.token_urlsafe(_TOKEN_BYTES)
    db.add(
        UserSession(
            token_hash=token_hash(token),
            user_id=user_id,
            created_at=now,
            expires_at=now + timedelta(days=days),
        )
    )
    return token


def user_for_token(db: Session, token: str | None) -> User | None:
    """The person a live session token belongs to, or None (missing, unknown or expired)."""
    if not token or len(token) > _MAX_TOKEN_CHARS:
        return None
    return db.scalar(
        select(User)
        .join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_hash == token_hash(token), UserSession.expires_at > utcnow())
    )


def end_session(db: Session, token: str | None) -> None:
    """Forget one session server-side (logout)."""
    if token and len(token) <= _MAX_TOKEN_CHARS:
        db.execute(delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_all_sessions(db: Session, user_id: int) -> None:
    """Forget every session of a person (password change, account deletion)."""
    db.execute(delete(UserSession).where(UserSession.user_id == user_id))


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """HttpOnly so scripts cannot read it; Lax so cross-site POSTs do not carry it."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_days * 24 * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    """Tell the browser to drop the session cookie."""
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=settings.secure_cookies
    )
