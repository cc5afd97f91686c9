"""The one domain exception tree; each class carries the HTTP status the API renders it with."""

from __future__ import annotations


class AtelierError(Exception):
    """Base of every error Atelier raises on purpose."""

    status_code = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(AtelierError):
    """The item, user or collection does not exist (or is not yours to see)."""

    status_code = 404


class InvalidInputError(AtelierError):
    """The request is well-formed but its values are not acceptable."""

    status_code = 422


class ConflictError(AtelierError):
    """The request collides with existing state (a taken username, a duplicate name)."""

    status_code = 409


class AuthenticationError(AtelierError):
    """No valid session, or wrong credentials."""

    status_code = 401


class PermissionDeniedError(AtelierError):
    """Signed in, but not allowed (CSRF failure, foreign resource)."""

    status_code = 403


class RateLimitedError(AtelierError):
    """Too many attempts; try again later."""

    status_code = 429


class IngestError(AtelierError):
    """An import could not proceed at all (unreadable file, unreachable API)."""

    status_code = 500


class ConfigurationError(AtelierError):
    """Settings are missing or unsafe for the chosen mode."""

    status_code = 500
