"""Helpers shared by the service tests: uploads, event reading, channel-layer listening."""

import io

from asgiref.sync import async_to_sync
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chats import services as chat_services
from chats.models import Attachment, Message
from pins.models import Pin
from reactions.models import Reaction
from threads.models import Event, ExternalUser, Membership, Thread


def png_bytes(size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(user, content: bytes | None = None, name="pic.png", content_type="image/png", **fields):
    """An attachment made the way a surface makes one: through ``attachment_create``."""
    data = png_bytes() if content is None else content
    file = SimpleUploadedFile(name, data, content_type)
    return chat_services.attachment_create(uploaded_by=user, file=file, **fields)


def last_event(thread) -> Event:
    return Event.objects.filter(thread=thread).latest("seq")


def last_seq(thread_id) -> int:
    return (
        Event.objects.filter(thread_id=thread_id)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
        or 0
    )


def events_after(thread_id, seq: int) -> list[Event]:
    return list(Event.objects.filter(thread_id=thread_id, seq__gt=seq).order_by("seq"))


def event_types(thread) -> list[str]:
    return list(Event.objects.filter(thread=thread).order_by("seq").values_list("type", flat=True))


def db_state() -> dict:
    """Every row a service may write, so "changed nothing" can be asserted as a whole."""
    models = [Thread, Membership, Message, Attachment, Reaction, Pin, Event, ExternalUser]
    return {m.__name__: list(m.objects.order_by("pk").values()) for m in models}


SENTINEL = "test.sentinel"


class Listener:
    """A channel subscribed to one channel-layer group, like a websocket consumer is.

    ``received()`` never waits on an empty queue: it posts its own marker and reads up
    to it, so "nothing was published" is an exact answer rather than a timeout.
    """

    def __init__(self, layer, group: str):
        self.layer = layer
        self.group = group
        self.channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(group, self.channel)

    def received(self) -> list[dict]:
        async_to_sync(self.layer.send)(self.channel, {"type": SENTINEL})
        messages = []
        while (message := async_to_sync(self.layer.receive)(self.channel))["type"] != SENTINEL:
            messages.append(message)
        return messages

    def events(self) -> list[dict]:
        """The delivered event frames, checking each came as a ``chat.event`` message."""
        messages = self.received()
        assert all(m["type"] == "chat.event" for m in messages), messages
        return [m["event"] for m in messages]

    def close(self) -> None:
        async_to_sync(self.layer.group_discard)(self.group, self.channel)
