"""Auth routes: the CSRF token, register, log in, log out."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from atelier.api.auth import csrf, flows, sessions
from atelier.api.auth.deps import CsrfProtected
from atelier.api.deps import DbSession, SettingsDep
from atelier.api.schemas.auth import Credentials, CsrfPublic
from atelier.api.schemas.me import MePublic
from atelier.services import accounts

router = APIRouter(prefix="/api/auth", tags=["auth"], dependencies=[CsrfProtected])


@router.get("/csrf", summary="Get a CSRF token (also set as the atelier_csrf cookie)")
def get_csrf(request: Request, response: Response, settings: SettingsDep) -> CsrfPublic:
    token = request.cookies.get(csrf.CSRF_COOKIE)
    if not csrf.is_valid(token, settings):
        token = csrf.new_token(settings)
    assert token is not None
    csrf.set_csrf_cookie(response, token, settings)
    return CsrfPublic(token=token)


@router.post(
    "/register",
    status_code=status.HTTP_201_CREATED,
    summary="Create an account and sign in",
    responses={409: {"description": "username is not available"}},
)
def register(
    body: Credentials, response: Response, db: DbSession, settings: SettingsDep
) -> MePublic:
    user, token = flows.register(db, settings, body.username, body.password)
    sessions.set_session_cookie(response, token, settings)
    return MePublic.of(accounts.profile(db, user))


@router.post(
    "/login",
    summary="Sign in with username and password",
    responses={
        401: {"description": "wrong username or password"},
        429: {"description": "rate limited"},
    },
)
def login(
    body: Credentials, request: Request, response: Response, db: DbSession, settings: SettingsDep
) -> MePublic:
    address = request.client.host if request.client else "unknown"
    user, token = flows.login(db, settings, body.username, body.password, address)
    sessions.set_session_cookie(response, token, settings)
    return MePublic.of(accounts.profile(db, user))


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT, summary="Sign out")
def logout(request: Request, response: Response, db: DbSession, settings: SettingsDep) -> None:
    flows.logout(db, request.cookies.get(sessions.SESSION_COOKIE))
    sessions.clear_session_cookie(response, settings)
