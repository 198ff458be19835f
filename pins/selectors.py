"""Reads of pins that the surfaces share."""

import uuid

from chatproject.errors import NotFound
from pins.models import Pin


def pin_of_message(*, message, pin_id) -> Pin:
    """The pin ``pin_id`` of this message; ``NotFound`` for any other id."""
    try:
        pin_id = uuid.UUID(str(pin_id))
    except ValueError:
        raise NotFound("Pin not found.") from None
    pin = Pin.objects.filter(pk=pin_id, message=message).first()
    if pin is None:
        raise NotFound("Pin not found.")
    return pin
