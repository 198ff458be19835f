"""Reads of pins that the surfaces share."""

from chatproject.errors import NotFound, uuid_or_not_found
from chats.models import Message
from pins.models import Pin


def pin_of_message(*, message: Message, pin_id: object) -> Pin:
    """The pin ``pin_id`` of this message; ``NotFound`` for any other id."""
    pin_id = uuid_or_not_found(pin_id, "Pin not found.")
    pin = Pin.objects.filter(pk=pin_id, message=message).first()
    if pin is None:
        raise NotFound("Pin not found.")
    return pin
