"""Events of the pins app."""

from typing import Any

from pins.models import Pin
from threads.events import record
from threads.models import Event


def pin_payload(pin: Pin) -> dict[str, Any]:
    return {
        "id": pin.id,
        "message": pin.message_id,
        "pinned_by": pin.pinned_by_id,
        "created_at": pin.created_at,
    }


def pin_changed(pin: Pin, type: str) -> Event:
    """``pin.added`` / ``pin.removed``."""
    return record(thread_id=pin.thread_id, type=type, payload={"pin": pin_payload(pin)})
