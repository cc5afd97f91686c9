"""CSRF protection: a signed double-submit token, cookie and header compared in constant time.

The token is `nonce.signature` with an HMAC under the server secret, so a token planted by
someone who can write cookies but does not hold the secret is still refused.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request
from starlette.responses import Response

from atelier.config import Settings
from atelier.errors import PermissionDeniedError

CSRF_COOKIE = "atelier_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_MAX_TOKEN_CHARS = 200


def _signature(nonce: str, secret: str) -> str:
    return hmac.new(secret.encode(), b"csrf:" + nonce.encode(), hashlib.sha256).hexdigest()


def new_token(settings: Settings) -> str:
    """A fresh signed token."""
    assert settings.secret_key is not None  # create_app fills it in before anything runs
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_signature(nonce, settings.secret_key)}"


def is_valid(token: str | None, settings: Settings) -> bool:
    """The token is well-formed and signed with this server's secret."""
    if not token or len(token) > _MAX_TOKEN_CHARS or "." not in token:
        return False
    assert settings.secret_key is not None
    nonce, _, signature = token.partition(".")
    return hmac.compare_digest(signature, _signature(nonce, settings.secret_key))


def set_csrf_cookie(response: Response, token: str, settings: Settings) -> None:
    """Readable by the page's scripts (they copy it into the header), Lax like the session."""
    response.set_cookie(
        CSRF_COOKIE,
        token,
        path="/",
        httponly=False,
        samesite="lax",
        secure=settings.secure_cookies,
    )


def check(request: Request, settings: Settings) -> None:
    """Refuse an unsafe request whose header does not carry the cookie's (valid) token."""
    if request.method in SAFE_METHODS:
        return
    cookie = request.cookies.get(CSRF_COOKIE, "")
    header = request.headers.get(CSRF_HEADER, "")
    if not (
        cookie
        and header
        and hmac.compare_digest(cookie.encode(), header.encode())
        and is_valid(cookie, settings)
    ):
        raise PermissionDeniedError(
            f"missing or invalid CSRF token: send the {CSRF_COOKIE} cookie's value in the "
            f"{CSRF_HEADER} header (GET /api/auth/csrf issues one)"
        )
