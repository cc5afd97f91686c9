"""Password hashing (argon2id, library defaults) and the policy a new password must meet."""

from __future__ import annotations

import functools
import re
import unicodedata
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from atelier.errors import InvalidInputError

MIN_LENGTH = 10
# Bounded so nobody can make the server hash megabytes; long passphrases still fit easily.
MAX_LENGTH = 256
_MIN_DISTINCT = 4
# Trailing digits and symbols are the usual way people "strengthen" a common word.
_DECORATION = re.compile(r"[\d\W_]+$")

_hasher = PasswordHasher()


def _prepared(password: str) -> str:
    # The same characters typed on different keyboards must hash alike.
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(_prepared(password))


def verify_password(password_hash: str, password: str) -> bool:
    """True when the password matches; never raises for a wrong password or a bad hash."""
    try:
        return _hasher.verify(password_hash, _prepared(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """The hash was made with weaker parameters than today's; rehash on the next login."""
    return _hasher.check_needs_rehash(password_hash)


@functools.cache
def _dummy_hash() -> str:
    return _hasher.hash("atelier-timing-equaliser")


def burn_verification(password: str) -> None:
    """Spend the time of a real verification, so an unknown username answers as slowly."""
    verify_password(_dummy_hash(), password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower-cased."""
    text = resources.files("atelier").joinpath("data/common-passwords.txt").read_text("utf-8")
    return frozenset(
        line.strip().lower() for line in text.splitlines() if line.strip() and line[0] != "#"
    )


def check_strength(password: str, username_key: str) -> None:
    """Refuse short, common, repetitive or username-based passwords (422, with the reason)."""
    prepared = _prepared(password)
    if len(prepared) < MIN_LENGTH:
        raise InvalidInputError(f"password must be at least {MIN_LENGTH} characters")
    if len(prepared) > MAX_LENGTH:
        raise InvalidInputError(f"password must be at most {MAX_LENGTH} characters")
    lowered = prepared.casefold()
    common = common_passwords()
    if lowered in common or _DECORATION.sub("", lowered) in common:
        raise InvalidInputError("password is too common; choose a less guessable one")
    if len(set(lowered)) < _MIN_DISTINCT:
        raise InvalidInputError("password is too repetitive")
    if username_key and username_key in lowered:
        raise InvalidInputError("password must not contain the username")
