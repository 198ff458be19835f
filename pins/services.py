"""Pinning: hosts and admins only (seed 000: "only the Host"), one pin per message."""

from django.db import IntegrityError, transaction

from chatproject.errors import Conflict, NotFound, PermissionDenied
from chats.models import Message
from pins import events
from pins.models import Pin
from threads import selectors as thread_selectors
from threads.services import thread_lock


def _check_moderator(thread, actor, *, not_found: str) -> None:
    if not thread_selectors.can_see_thread(thread=thread, user=actor):
        raise NotFound(not_found)
    if not thread_selectors.can_moderate_thread(thread=thread, user=actor):
        raise PermissionDenied("Only the host may pin or unpin messages.")


@transaction.atomic
def pin_add(*, message: Message, actor, as_moderator: bool = False) -> Pin:
    """Pin a visible message; pinning a pinned message is a ``Conflict``."""
    thread = thread_lock(message.thread_id)
    message = Message.objects.filter(pk=message.pk, is_removed=False).first()
    if message is None:
        raise NotFound("Message not found.")
    if not as_moderator:
        _check_moderator(thread, actor, not_found="Message not found.")
    try:
        with transaction.atomic():
            pin = Pin.objects.create(message=message, thread=thread, pinned_by=actor)
    except IntegrityError:
        raise Conflict("The message is already pinned.") from None
    events.pin_changed(pin, "pin.added")
    return pin


@transaction.atomic
def pin_remove(*, pin: Pin, actor, as_moderator: bool = False) -> None:
    thread = thread_lock(pin.thread_id)
    pin = Pin.objects.filter(pk=pin.pk).first()
    if pin is None:
        raise NotFound("Pin not found.")
    if not as_moderator:
        _check_moderator(thread, actor, not_found="Pin not found.")
    events.pin_changed(pin, "pin.removed")
    pin.delete()
