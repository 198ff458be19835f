"""Events of the chats app: what subscribers hear when messages change."""

from collections.abc import Iterable
from typing import Any

from chats.models import Attachment, Message
from threads.events import record
from threads.models import Event


def attachment_payload(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "name": attachment.name,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "width": attachment.width,
        "height": attachment.height,
    }


def message_payload(
    message: Message, *, attachments: Iterable[Attachment] | None = None
) -> dict[str, Any]:
    """Enough to render the message without another request.

    ``attachments``: the message's files when the caller knows them (a send without files
    knows there are none), sparing the query.
    """
    if attachments is None:
        attachments = message.attachments.all()
    author = message.author
    external = message.author_external
    responder = message.author_responder
    return {
        "id": message.id,
        "thread": message.thread_id,
        "author": (
            {"id": author.pk, "name": author.name}
            if author
            else {"id": external.pk, "name": str(external), "external": True}
            if external
            else {"id": responder.pk, "name": responder.name, "responder": True}
            if responder
            else None
        ),
        "role": message.role,
        "text": message.text,
        "reply_to": message.reply_to_id,
        "attachments": [attachment_payload(a) for a in attachments],
        "created_at": message.created_at,
        "edited_at": message.edited_at,
        "client_id": message.client_id,
    }


def message_changed(
    message: Message,
    type: str,
    *,
    attachments: Iterable[Attachment] | None = None,
    thread_updates: dict | None = None,
) -> Event:
    """``message.updated`` / ``message.restored`` with the message
    (``attachments`` as in ``message_payload``)."""
    return record(
        thread_id=message.thread_id,
        type=type,
        payload={"message": message_payload(message, attachments=attachments)},
        changes_history=True,
        thread_updates=thread_updates,
    )


def message_created(message: Message, *, attachments: Iterable[Attachment] | None = None) -> Event:
    """``message.created``. The thread's activity time moves to the message's in the
    statement that numbers the event (one UPDATE of the thread row per send, not two)."""
    return record(
        thread_id=message.thread_id,
        type="message.created",
        payload={"message": message_payload(message, attachments=attachments)},
        changes_history=True,
        thread_updates={"last_message_at": message.created_at, "updated_at": message.created_at},
    )


def message_removed(message: Message, *, thread_updates: dict | None = None) -> Event:
    # Only the id: a removed message's content is not for subscribers any more.
    return record(
        thread_id=message.thread_id,
        type="message.removed",
        payload={"message": {"id": message.id, "thread": message.thread_id}},
        changes_history=True,
        thread_updates=thread_updates,
    )
