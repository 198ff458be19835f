"""Adding and removing reactions; one row per (message, user, shortcode)."""

import re

from django.db import IntegrityError, transaction

from chatproject.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chats.models import Message
from reactions import events
from reactions.models import ALIASES, THUMBS_DOWN, THUMBS_UP, Reaction
from threads import selectors as thread_selectors
from threads.models import Thread
from threads.services import thread_lock

SHORTCODE = re.compile(r"^:[a-z0-9_+\-]{1,60}:$")
# Seed 000's beta limit: live sessions allow only thumbs up and down.
SESSION_REACTIONS = frozenset({THUMBS_UP, THUMBS_DOWN})


def canonical_name(name: str | None) -> str:
    """``:Thumbs_Up:`` and ``:thumbsup:`` are the same reaction; store one spelling."""
    name = (name or "").strip().lower()
    return ALIASES.get(name, name)


def allowed_names(thread: Thread) -> frozenset[str] | None:
    """The reactions a thread accepts; ``None`` means any well-formed shortcode."""
    return SESSION_REACTIONS if thread.kind == Thread.Kind.SESSION else None


@transaction.atomic
def reaction_add(*, message: Message, user, name: str) -> Reaction:
    """React to a visible message. The same reaction twice by one user is a ``Conflict``."""
    thread = thread_lock(message.thread_id)
    message = Message.objects.filter(pk=message.pk, is_removed=False).first()
    if message is None or not thread_selectors.can_see_thread(thread=thread, user=user):
        raise NotFound("Message not found.")
    name = canonical_name(name)
    allowed = allowed_names(thread)
    if not SHORTCODE.match(name) or (allowed is not None and name not in allowed):
        accepted = ", ".join(sorted(allowed)) if allowed else "a :shortcode:"
        raise InvalidInput(f"Unsupported reaction; use {accepted}.", field="reaction")
    try:
        with transaction.atomic():
            reaction = Reaction.objects.create(message=message, user=user, name=name)
    except IntegrityError:
        raise Conflict("You already reacted with this reaction.") from None
    events.reaction_changed(reaction, thread.pk, "reaction.added")
    return reaction


@transaction.atomic
def reaction_remove(*, reaction: Reaction, actor, as_moderator: bool = False) -> None:
    """Remove a reaction: the user who made it, or a host/admin of the thread."""
    thread_id = Reaction.objects.filter(pk=reaction.pk).values_list("message__thread_id", flat=True)
    thread_id = thread_id.first()
    if thread_id is None:
        raise NotFound("Reaction not found.")
    thread = thread_lock(thread_id)
    reaction = Reaction.objects.select_related("user", "message").filter(pk=reaction.pk).first()
    if reaction is None:
        raise NotFound("Reaction not found.")
    if not as_moderator:
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


def reaction_remove_by_name(*, message: Message, user, name: str) -> None:
    """Undo the user's own reaction by its shortcode (e.g. the Team API's un-like)."""
    reaction = Reaction.objects.filter(
        message=message, user=user, name=canonical_name(name)
    ).first()
    if reaction is None:
        raise NotFound("Reaction not found.")
    reaction_remove(reaction=reaction, actor=user)
