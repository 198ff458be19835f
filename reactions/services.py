"""Adding and removing reactions; one row per (message, user, shortcode).

Functions that check permissions take the required keyword ``actor`` (a user, or
``chatproject.actors.SYSTEM`` for trusted callers such as the admin and demo data).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from chatproject.actors import SYSTEM, Actor, recorded_user
from chatproject.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chatproject.text import clean_text
from chats.models import Message
from reactions import events
from reactions.models import ALIASES, THUMBS_DOWN, THUMBS_UP, Reaction
from threads import selectors as thread_selectors
from threads.models import Thread
from threads.services import thread_lock

if TYPE_CHECKING:
    from chatproject.accounts.models import User

SHORTCODE = re.compile(r"^:[a-z0-9_+\-]{1,60}:$")
# Seed 000's beta limit: live sessions allow only thumbs up and down.
SESSION_REACTIONS = frozenset({THUMBS_UP, THUMBS_DOWN})


def canonical_name(name: object) -> str:
    """``:Thumbs_Up:`` and ``:thumbsup:`` are the same reaction; store one spelling."""
    name = clean_text(name, field="reaction").lower()
    return ALIASES.get(name, name)


def allowed_names(thread: Thread) -> frozenset[str] | None:
    """The reactions a thread accepts; ``None`` means any well-formed shortcode."""
    return SESSION_REACTIONS if thread.kind == Thread.Kind.SESSION else None


@transaction.atomic
def reaction_add(
    *, message: Message, actor: Actor, name: object, user: User | None = None
) -> Reaction:
    """React to a visible message as the acting user (``SYSTEM`` names the ``user``).

    Sessions accept thumbs up and down only, other threads any well-formed shortcode;
    the same reaction twice by one user is a ``Conflict``.
    """
    reacting = recorded_user(actor, user, field="user")
    if reacting is None:
        raise ValueError("A reaction needs a user.")
    thread = thread_lock(message.thread_id)
    found = Message.objects.filter(pk=message.pk, is_removed=False).first()
    if found is None or (
        actor is not SYSTEM and not thread_selectors.can_see_thread(thread=thread, user=actor)
    ):
        raise NotFound("Message not found.")
    message = found
    name = canonical_name(name)
    allowed = allowed_names(thread)
    if not SHORTCODE.match(name) or (allowed is not None and name not in allowed):
        accepted = ", ".join(sorted(allowed)) if allowed else "a :shortcode:"
        raise InvalidInput(f"Unsupported reaction; use {accepted}.", field="reaction")
    try:
        with transaction.atomic():
            reaction = Reaction.objects.create(message=message, user=reacting, name=name)
    except IntegrityError:
        raise Conflict("You already reacted with this reaction.") from None
    events.reaction_changed(reaction, thread.pk, "reaction.added")
    return reaction


@transaction.atomic
def reaction_remove(*, reaction: Reaction, actor: Actor) -> None:
    """Remove a reaction: the user who made it, a host/admin of the thread, or ``SYSTEM``."""
    thread_id = (
        Reaction.objects.filter(pk=reaction.pk).values_list("message__thread_id", flat=True).first()
    )
    if thread_id is None:
        raise NotFound("Reaction not found.")
    thread = thread_lock(thread_id)
    found = Reaction.objects.select_related("user", "message").filter(pk=reaction.pk).first()
    if found is None:
        raise NotFound("Reaction not found.")
    reaction = found
    if actor is not SYSTEM:
        if reaction.message.is_removed or not thread_selectors.can_see_thread(
            thread=thread, user=actor
        ):
            raise NotFound("Reaction not found.")
        if reaction.user_id != actor.pk and not thread_selectors.can_moderate_thread(
            thread=thread, user=actor
        ):
            raise PermissionDenied("Only the reaction's author or a host may remove it.")
    events.reaction_changed(reaction, thread.pk, "reaction.removed")
    reaction.delete()


def reaction_remove_by_name(
    *, message: Message, actor: Actor, name: object, user: User | None = None
) -> None:
    """Undo the acting user's own reaction by its shortcode (e.g. the Team API's un-like);
    ``SYSTEM`` names the ``user``. ``NotFound`` if they had not reacted so."""
    reacting = recorded_user(actor, user, field="user")
    reaction = Reaction.objects.filter(
        message=message, user=reacting, name=canonical_name(name)
    ).first()
    if reaction is None:
        raise NotFound("Reaction not found.")
    reaction_remove(reaction=reaction, actor=actor)
