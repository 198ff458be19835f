"""Pinning: hosts and admins only (seed 000: "only the Host"), one pin per message.

Both functions take the required keyword ``actor``: a user, whose right to pin is
checked, or ``chatproject.actors.SYSTEM`` (the admin, demo data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction

from chatproject.actors import SYSTEM, Actor, recorded_user
from chatproject.errors import Conflict, NotFound, PermissionDenied
from chats.models import Message
from pins import events
from pins.models import Pin
from threads import selectors as thread_selectors
from threads.models import Thread
from threads.services import thread_lock

if TYPE_CHECKING:
    from chatproject.accounts.models import User


def _check_moderator(thread: Thread, actor: Actor, *, not_found: str) -> None:
    if actor is SYSTEM:
        return
    if not thread_selectors.can_see_thread(thread=thread, user=actor):
        raise NotFound(not_found)
    if not thread_selectors.can_moderate_thread(thread=thread, user=actor):
        raise PermissionDenied("Only the host may pin or unpin messages.")


@transaction.atomic
def pin_add(*, message: Message, actor: Actor, pinned_by: User | None = None) -> Pin:
    """Pin a visible message (hosts and admins of its thread; ``SYSTEM`` names who pinned).

    Pinning a pinned message is a ``Conflict``.
    """
    thread = thread_lock(message.thread_id)
    found = Message.objects.filter(pk=message.pk, is_removed=False).first()
    if found is None:
        raise NotFound("Message not found.")
    _check_moderator(thread, actor, not_found="Message not found.")
    pinned_by = recorded_user(actor, pinned_by, field="pinned_by")
    try:
        with transaction.atomic():
            pin = Pin.objects.create(message=found, thread=thread, pinned_by=pinned_by)
    except IntegrityError:
        raise Conflict("The message is already pinned.") from None
    events.pin_changed(pin, "pin.added")
    return pin


@transaction.atomic
def pin_remove(*, pin: Pin, actor: Actor) -> None:
    """Unpin (hosts and admins of the thread, or ``SYSTEM``); an unknown pin is ``NotFound``."""
    thread = thread_lock(pin.thread_id)
    found = Pin.objects.filter(pk=pin.pk).first()
    if found is None:
        raise NotFound("Pin not found.")
    _check_moderator(thread, actor, not_found="Pin not found.")
    events.pin_changed(found, "pin.removed")
    found.delete()
