"""Events of the reactions app."""

from typing import Any

from chatproject.errors import Id
from reactions.models import Reaction
from threads.events import record
from threads.models import Event


def reaction_payload(reaction: Reaction) -> dict[str, Any]:
    return {
        "id": reaction.id,
        "message": reaction.message_id,
        "name": reaction.name,
        "user": {"id": reaction.user_id, "name": reaction.user.name},
        "created_at": reaction.created_at,
    }


def reaction_changed(reaction: Reaction, thread_id: Id, type: str) -> Event:
    """``reaction.added`` / ``reaction.removed``."""
    return record(
        thread_id=thread_id,
        type=type,
        payload={"reaction": reaction_payload(reaction)},
        changes_history=True,
    )
