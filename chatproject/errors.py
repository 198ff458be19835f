"""Errors the services raise; each API surface renders them in its own documented format.

They carry what went wrong in domain terms only. A surface decides the status code by
the class, so one rule ("pinning a pinned message is a conflict") reads the same on
every surface.
"""

import uuid
from typing import TypeAlias

#: An id as callers hand it over: a UUID, or its text (malformed text names nothing).
Id: TypeAlias = uuid.UUID | str


class DomainError(Exception):
    """Base class: a request that breaks a rule and therefore changed nothing."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field


class InvalidInput(DomainError):
    status = 400
    title = "Invalid input"


class NotFound(DomainError):
    """Also raised for things that exist but the caller may not see (never 403 for those)."""

    status = 404
    title = "Not found"


class PermissionDenied(DomainError):
    """The caller may see the thing but may not do this to it."""

    status = 403
    title = "Forbidden"


class Conflict(DomainError):
    status = 409
    title = "Conflict"


class TooManyAttempts(DomainError):
    """Too many failed sign-ins from this client or for this username; ``retry_after`` s."""

    status = 429
    title = "Too many requests"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed attempts; try again in {retry_after} seconds.")
        self.retry_after = retry_after


def uuid_or_not_found(value: object, detail: str = "Not found.") -> uuid.UUID:
    """An id from a caller; a malformed one names nothing, so it is a 404 like any unknown id."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise NotFound(detail) from None
