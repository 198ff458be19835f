"""What a client may ask over ``/ws/events/``: the socket's small command surface.

Like every API surface it only parses, calls one service and renders: ``message.send``
calls ``chats.services.message_send``, the very call the REST sends make, so the same
text is refused or stored on every surface. Replies are frames: ``message.ack`` with the
message (as ``chats.events.message_payload`` gives it, the same payload as the
``message.created`` event), or ``error`` with a code, a detail and the domain field.

Functions here are synchronous and touch the database; the consumer runs them in a
worker thread (``database_sync_to_async``).
"""

from collections.abc import Callable
from typing import Any

from chatproject import outage
from chatproject.api.common.bodies import loads
from chatproject.api.common.ids import path_id
from chatproject.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from chats import services as chat_services
from chats.events import message_payload
from threads import selectors as thread_selectors

# The error frame's ``code`` for each domain error (the socket's one mapping table).
ERROR_CODES = {
    InvalidInput: "invalid",
    NotFound: "not_found",
    PermissionDenied: "forbidden",
    Conflict: "conflict",
}


def parse_frame(text: str | None) -> dict[str, Any]:
    """A client frame: a JSON object (nested no deeper than REST bodies), or ``InvalidInput``."""
    try:
        content = loads(text or "")
    except ValueError:
        content = None
    if not isinstance(content, dict):
        raise InvalidInput("A frame is a JSON object.", field=None)
    return content


def error_frame(client_id, error: DomainError) -> dict[str, Any]:
    return {
        "type": "error",
        "client_id": client_id,
        "error": {
            "code": ERROR_CODES.get(type(error), "invalid"),
            "detail": error.detail,
            "field": error.field,
        },
    }


def unknown_frame(content: dict[str, Any]) -> dict[str, Any]:
    return error_frame(content.get("client_id"), InvalidInput("Unknown frame type.", field="type"))


def message_send(content: dict[str, Any], *, actor, session_thread_id: str | None) -> dict:
    """``message.send``: post ``text`` to ``thread`` (optionally ``reply_to``, ``client_id``,
    and ``files``: ids of the sender's uploads, as REST sends them; a Messenger image is one).

    Only the frame is read here; every rule of the message (text normalisation and
    limits, the reply, the files) is ``chats.services.message_send``'s, as for REST. A session
    token's socket may post to its own session only; any other thread the user may see
    is open. Answers ``message.ack``; a retried ``client_id`` acks the first message again
    (the service's guarantee).
    """
    thread_id = content.get("thread")
    client_id = content.get("client_id")
    if not isinstance(thread_id, str) or not thread_id.strip():
        raise InvalidInput("A thread id is required.", field="thread")
    if client_id is not None and not isinstance(client_id, str | int):
        raise InvalidInput("A client id is a string.", field="client_id")
    files = content.get("files")
    if files is None:
        files = []
    if not isinstance(files, list):
        raise InvalidInput("A list of file ids.", field="files")
    # The thread names what is acted on, like a path segment: a malformed id names nothing.
    thread_uuid = path_id(thread_id.strip(), "Thread not found.")
    if session_thread_id is not None and str(thread_uuid) != session_thread_id:
        raise NotFound("Thread not found.")
    thread = thread_selectors.thread_get_for_user(user=actor, thread_id=thread_uuid)
    message = chat_services.message_send(
        thread=thread,
        actor=actor,
        text=content.get("text"),
        reply_to_id=content.get("reply_to"),
        attachment_ids=files,
        client_id=None if client_id is None else str(client_id),
    )
    return {"type": "message.ack", "client_id": client_id, "message": message_payload(message)}


Command = Callable[..., dict]

# Frame type -> command. ``ping``/``pong`` are the socket's own keep-alive, not commands.
COMMANDS: dict[str, Command] = {"message.send": message_send}


def unavailable_frame(client_id) -> dict[str, Any]:
    """An outage (``chatproject.outage``): nothing was stored; send again with the same id."""
    return {
        "type": "error",
        "client_id": client_id,
        "error": {
            "code": "unavailable",
            "detail": outage.MESSAGE,
            "field": None,
            "retry_after": outage.retry_after_s(),
        },
    }


def run(command: Command, content: dict[str, Any], *, actor, session_thread_id) -> dict:
    """Run one command; a refusal becomes an ``error`` frame carrying the ``client_id``,
    and so does an outage (code ``unavailable``), so the socket stays open for the retry."""
    try:
        return command(content, actor=actor, session_thread_id=session_thread_id)
    except DomainError as error:
        return error_frame(content.get("client_id"), error)
    except outage.OUTAGE_ERRORS as exc:
        outage.log(exc, "message.send")
        return unavailable_frame(content.get("client_id"))
