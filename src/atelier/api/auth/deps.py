"""Dependency aliases for handlers: the signed-in person (or None), and the CSRF check."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyCookie

from atelier.api.auth import csrf, sessions
from atelier.api.deps import DbSession, SettingsDep
from atelier.db.models import User
from atelier.errors import AuthenticationError

# Declared as a security scheme so the OpenAPI document marks every route that needs a session
# (the front end's generated client and the route-driven security tests read it from there).
session_cookie = APIKeyCookie(
    name=sessions.SESSION_COOKIE,
    scheme_name="session",
    description="Set by POST /api/auth/login or /api/auth/register; HttpOnly.",
    auto_error=False,
)


def get_optional_user(request: Request, db: DbSession) -> User | None:
    """The person whose live session cookie came with the request, else None."""
    return sessions.user_for_token(db, request.cookies.get(sessions.SESSION_COOKIE))


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(token: Annotated[str | None, Security(session_cookie)], db: DbSession) -> User:
    """The signed-in person; 401 without a valid session."""
    user = sessions.user_for_token(db, token)
    if user is None:
        raise AuthenticationError("sign in required")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_csrf(request: Request, settings: SettingsDep) -> None:
    """Router-level dependency: every unsafe method must carry the CSRF token (403 otherwise).

    Async because it only compares strings: no need for a worker-thread hop per request."""
    csrf.check(request, settings)


# Put on every router that has unsafe methods: `APIRouter(dependencies=[CsrfProtected])`.
CsrfProtected = Depends(require_csrf)
