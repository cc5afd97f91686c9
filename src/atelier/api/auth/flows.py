"""The account flows behind the auth and me routes: register, log in, change password, delete."""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy.orm import Session

from atelier.api.auth import passwords, sessions, throttle
from atelier.config import Settings
from atelier.db.models import User
from atelier.errors import AuthenticationError, InvalidInputError, PermissionDeniedError
from atelier.services import accounts

logger = logging.getLogger(__name__)

# The same words for an unknown username and a wrong password, so neither can be told apart.
BAD_CREDENTIALS = "wrong username or password"


def register(db: Session, settings: Settings, username: str, password: str) -> tuple[User, str]:
    """Create the account and sign it in; returns the person and the new session token."""
    name, key = accounts.normalise_username(username)
    passwords.check_strength(password, key)
    user = accounts.create_user(db, name, key, passwords.hash_password(password))
    token = sessions.start_session(db, user.id, settings.session_days)
    db.commit()
    logger.info("account %s registered", user.id)
    return user, token


def _key_for(username: str) -> str:
    # A name that is not even valid still gets a throttle key, so it is limited the same way.
    try:
        return accounts.normalise_username(username)[1]
    except InvalidInputError:
        # Hashed: the raw text may hold anything, and keys must stay short and storable.
        return "invalid:" + hashlib.sha256(username.encode("utf-8", "replace")).hexdigest()[:32]


def login(
    db: Session, settings: Settings, username: str, password: str, address: str
) -> tuple[User, str]:
    """Check the credentials under the rate limits and start a fresh session."""
    key = _key_for(username)
    account, client = throttle.account_key(key), throttle.address_key(address)
    throttle.ensure_allowed(db, [account, client])
    user = accounts.find_by_key(db, key)
    if user is None:
        passwords.burn_verification(password)
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password)
    if user is None or not ok:
        throttle.record_failure(db, account, throttle.ACCOUNT_LIMIT)
        throttle.record_failure(db, client, throttle.ADDRESS_LIMIT)
        db.commit()
        raise AuthenticationError(BAD_CREDENTIALS)
    if passwords.needs_rehash(user.password_hash):
        accounts.set_password_hash(db, user, passwords.hash_password(password))
    throttle.reset(db, account)
    token = sessions.start_session(db, user.id, settings.session_days)
    db.commit()
    return user, token


def logout(db: Session, token: str | None) -> None:
    """End the session the cookie names (nothing to do without one)."""
    sessions.end_session(db, token)
    db.commit()


def _confirm(db: Session, user: User, password: str) -> None:
    # Rate limited like logins: a stolen session must not become a password-guessing oracle.
    account = throttle.account_key(user.username_key)
    throttle.ensure_allowed(db, [account])
    if not passwords.verify_password(user.password_hash, password):
        throttle.record_failure(db, account, throttle.ACCOUNT_LIMIT)
        db.commit()
        raise PermissionDeniedError("current password is wrong")


def change_password(db: Session, settings: Settings, user: User, current: str, new: str) -> str:
    """Replace the password, end every session (other devices too) and start a new one."""
    _confirm(db, user, current)
    passwords.check_strength(new, user.username_key)
    accounts.set_password_hash(db, user, passwords.hash_password(new))
    sessions.end_all_sessions(db, user.id)
    token = sessions.start_session(db, user.id, settings.session_days)
    db.commit()
    logger.info("account %s changed its password", user.id)
    return token


def delete_account(db: Session, user: User, password: str) -> None:
    """Delete the account and all its data, after confirming the password."""
    _confirm(db, user, password)
    user_id = user.id
    accounts.delete_user(db, user)
    logger.info("account %s deleted", user_id)
