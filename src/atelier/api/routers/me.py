"""The signed-in person: profile, preferences, password, account deletion."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from atelier.api.auth import flows, sessions
from atelier.api.auth.deps import CsrfProtected, CurrentUser
from atelier.api.deps import DbSession, SettingsDep
from atelier.api.schemas.me import AccountDelete, MePublic, PasswordChange, PreferencesUpdate
from atelier.services import accounts

router = APIRouter(prefix="/api/me", tags=["me"], dependencies=[CsrfProtected])


@router.get("", summary="Get the signed-in person's profile and preferences")
def read_me(user: CurrentUser, db: DbSession) -> MePublic:
    return MePublic.of(accounts.profile(db, user))


@router.patch("/preferences", summary="Change preferences (tags, base models, content level)")
def update_preferences(body: PreferencesUpdate, user: CurrentUser, db: DbSession) -> MePublic:
    change = accounts.PreferencesChange(**body.model_dump(exclude_unset=True))
    return MePublic.of(accounts.update_preferences(db, user, change))


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change the password; every other session is signed out",
)
def change_password(
    body: PasswordChange,
    response: Response,
    user: CurrentUser,
    db: DbSession,
    settings: SettingsDep,
) -> None:
    token = flows.change_password(db, settings, user, body.current_password, body.new_password)
    sessions.set_session_cookie(response, token, settings)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete the account and all its data (password required)",
)
def delete_me(
    body: AccountDelete, response: Response, user: CurrentUser, db: DbSession, settings: SettingsDep
) -> None:
    flows.delete_account(db, user, body.password)
    sessions.clear_session_cookie(response, settings)
