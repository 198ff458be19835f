"""Who a service acts for: a user, or ``SYSTEM``.

Every service that checks permissions takes the acting user as a required keyword
``actor``. There is no default: a surface that forgot to pass its caller must fail loudly,
not silently run as a trusted caller. Callers that have already scoped the request
themselves (admin actions, management commands and demo data, a support API key whose
workspace the surface has checked) say so explicitly with ``actor=SYSTEM``, which skips the
per-user checks but none of the validation.

``SYSTEM`` is a one-member enum rather than ``None`` or a plain ``object()`` so that the
type checker can tell it apart from a user: after ``if actor is SYSTEM: ...`` mypy knows the
rest of the function deals with a ``User``.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING, Final, TypeAlias

if TYPE_CHECKING:
    from chatproject.accounts.models import User


class SystemActor(enum.Enum):
    """The trusted caller. Only one value exists: ``SYSTEM``."""

    SYSTEM = "system"

    def __repr__(self) -> str:
        return "SYSTEM"

    __str__ = __repr__


SYSTEM: Final = SystemActor.SYSTEM

#: What a service's ``actor`` keyword accepts: the acting user, or ``SYSTEM``.
Actor: TypeAlias = "User | SystemActor"


def is_system(actor: object) -> bool:
    """True for the trusted caller (handy where an ``is`` comparison reads poorly)."""
    return actor is SYSTEM


def recorded_user(actor: Actor, named: User | None, *, field: str) -> User | None:
    """The user a change is recorded under (a message's author, who pinned or removed).

    A user acting records themselves; naming someone else is a programming error, not a
    request to act for them. ``SYSTEM`` names whom to record (or nobody): the admin names
    the moderator who clicked, demo data the user it speaks for.
    """
    if actor is SYSTEM:
        return named
    if named is not None and named.pk != actor.pk:
        raise ValueError(f"A user acting for themselves cannot record another {field}.")
    return actor
