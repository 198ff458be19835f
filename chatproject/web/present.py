"""The JSON the browser pages' scripts render: one shape for a page's first messages
(``json_script``), for "Load earlier", for a REST send and, extended by the script, for
a live ``message.created`` frame (``chats.events.message_payload``)."""

from typing import Any

from django.urls import reverse

from chats.models import Attachment, Message

REPLY_EXCERPT = 140


def author_of(message: Message) -> dict[str, Any] | None:
    if message.author_id and message.author is not None:
        return {"id": str(message.author.pk), "name": message.author.name}
    if message.author_external_id and message.author_external is not None:
        return {
            "id": str(message.author_external.pk),
            "name": str(message.author_external),
            "external": True,
        }
    if message.author_responder_id and message.author_responder is not None:
        return {
            "id": str(message.author_responder.pk),
            "name": message.author_responder.name,
            "responder": True,
        }
    return None


def attachment(item: Attachment) -> dict[str, Any]:
    return {
        "id": str(item.pk),
        "name": item.name,
        "content_type": item.content_type,
        "size": item.size,
        "width": item.width,
        "height": item.height,
        "url": reverse("web-file", args=[item.pk]),
    }


def message(item: Message) -> dict[str, Any]:
    """Everything a message row shows. Text is data: the script sets it as text, never HTML."""
    reply = None
    if item.reply_to_id:
        target = item.reply_to
        reply = {
            "id": str(item.reply_to_id),
            "author": author_of(target) if target is not None else None,
            "text": ("" if target is None or target.is_removed else target.text[:REPLY_EXCERPT]),
            "removed": target is None or target.is_removed,
        }
    reactions: dict[str, dict[str, Any]] = {}
    for reaction in item.reactions.all():
        entry = reactions.setdefault(reaction.name, {"count": 0, "users": []})
        entry["count"] += 1
        entry["users"].append(str(reaction.user_id))
    pin = getattr(item, "pin", None) if _has_pin(item) else None
    return {
        "id": str(item.pk),
        "thread": str(item.thread_id),
        "author": author_of(item),
        "role": item.role,
        "text": item.text,
        "reply_to": str(item.reply_to_id) if item.reply_to_id else None,
        "reply": reply,
        "attachments": [attachment(a) for a in item.attachments.all()],
        "created_at": item.created_at.isoformat().replace("+00:00", "Z"),
        "edited_at": item.edited_at.isoformat().replace("+00:00", "Z") if item.edited_at else None,
        "client_id": item.client_id,
        "reactions": reactions,
        "pinned": pin is not None,
    }


def _has_pin(item: Message) -> bool:
    try:
        return item.pin is not None
    except Message.pin.RelatedObjectDoesNotExist:
        return False


def messages(items) -> list[dict[str, Any]]:
    return [message(m) for m in items]
