"""The Support API's error format (seed 003 documents none, so this is ours).

Every error is one flat JSON object::

    {"code": "invalid", "message": "Ensure this value is less than or equal to 100.",
     "parameter": "pageSize"}

``code`` is a stable word chosen by the status, ``message`` a sentence for people, and
``parameter`` the query parameter or body field at fault, spelled as the client sent it
(``null`` when no single one is). The services name fields in domain terms; this
surface's one table below turns them into wire names.
"""

from rest_framework.response import Response

from chatproject.api.common.errors import ERROR_CODES, Failure, Kind, classify

CODES = ERROR_CODES

# Domain field names (services) -> the Support API's wire names.
WIRE_FIELDS = {
    "idempotency_key": "Idempotency-Key",
    "owner": "ownerId",
    "channel": "channelId",
    "responder": "responderId",
    "responder_version": "responderVersionId",
    "ticket": "ticketId",
    "chat": "chatId",
    "title": "title",
    "last_message_at": "lastChatMessageCreatedAt",
    "text": "content",
    "role": "role",
}

# What a client sends when it has no key (a seed-003 key goes in the header as is).
CHALLENGE = 'ApiKey realm="support"'


def error(status: int, message: str, *, parameter: str | None = None, headers=None) -> Response:
    body = {"code": CODES.get(status, "error"), "message": message, "parameter": parameter}
    return Response(body, status=status, headers=headers)


def render(failure: Failure) -> Response:
    headers = failure.headers()
    if failure.kind == Kind.AUTH:
        headers["WWW-Authenticate"] = CHALLENGE
    return error(failure.status, failure.message, parameter=failure.field, headers=headers or None)


def exception_handler(exc, context) -> Response | None:
    """Every error of the surface in its one format; a domain error keeps its status."""
    failure = classify(exc, wire_fields=WIRE_FIELDS)
    return render(failure) if failure is not None else None
