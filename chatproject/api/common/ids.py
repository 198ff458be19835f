"""Malformed ids, one rule per place they come from.

An id in the *path* names the resource: a malformed one names nothing, so it is a 404
exactly like an unknown id (and says nothing about what exists). An id in a *body* or
*query* is input: a malformed one is a 400 that names the field, so the client can fix it.
"""

import uuid
from collections.abc import Iterable

from chatproject.errors import InvalidInput, uuid_or_not_found


def path_id(value, detail: str = "Not found.") -> uuid.UUID:
    """A path segment as a UUID; anything else raises ``NotFound`` (404) with ``detail``."""
    return uuid_or_not_found(value, detail)


def body_id(value, *, field: str) -> uuid.UUID:
    """A body or query value as a UUID; anything else raises ``InvalidInput`` on ``field``.

    Only strings are ids (an integer is not, even though ``uuid.UUID`` could be fed one).
    ``field`` is the name the client sent: query and body names are wire names already.
    """
    if isinstance(value, str):
        try:
            return uuid.UUID(value.strip())
        except ValueError:
            pass
    raise InvalidInput("Must be a valid UUID.", field=field)


def body_ids(values: Iterable, *, field: str) -> list[uuid.UUID]:
    """Every value as a UUID (see :func:`body_id`); one malformed value fails them all."""
    return [body_id(value, field=field) for value in values]
