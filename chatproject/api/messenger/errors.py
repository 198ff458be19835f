"""The Messenger API's error format: FastAPI's, exactly (seed 004 is a FastAPI service).

- Validation: **422** ``{"detail": [{"type", "loc", "msg", "input"}]}``, one item per
  problem, ``loc`` starting with where the value came from (``body``, ``query``, ``path``),
  ``type`` and ``msg`` as pydantic words them.
- No usable ``Authorization``: 401 ``{"detail": "Not authenticated"}``; a token that names
  nobody: 401 ``{"detail": "Could not validate credentials"}``; both with
  ``WWW-Authenticate: Bearer`` (FastAPI's ``OAuth2PasswordBearer`` and its recipe).
- Everything else: ``{"detail": "<sentence>"}`` with the status.

Services name fields in domain terms; ``FIELD_NAMES`` is this surface's one table from
those names to the request fields clients send.
"""

from rest_framework.exceptions import APIException, NotAuthenticated
from rest_framework.response import Response

from chatproject.api.common.errors import NON_FIELD_KEYS, Kind, classify
from chatproject.errors import InvalidInput

NOT_AUTHENTICATED = "Not authenticated"
BAD_CREDENTIALS = "Could not validate credentials"
CHAT_NOT_FOUND = "Chat not found"
USER_NOT_FOUND = "User not found"
IMAGE_NOT_FOUND = "Image not found"

# Domain field name -> the Messenger request field at fault.
FIELD_NAMES = {
    "text": "text",
    "files": "image_id",
    "attachments": "image_id",
    "file": "file",
    "title": "name",
    "name": "name",
    "users": "member_ids",
    "members": "member_ids",
    "to": "member_ids",
    "member_ids": "member_ids",
}

# The statuses FastAPI's own handlers answer with these sentences.
STATUS_DETAILS = {
    404: "Not Found",
    405: "Method Not Allowed",
    413: "Request Entity Too Large",
}


class RequestInvalid(APIException):
    """A request that fails validation: carries the finished FastAPI ``detail`` list."""

    status_code = 422

    def __init__(self, errors: list[dict]):
        super().__init__("Validation Error")
        self.errors = errors


def error_item(loc, type: str, msg: str, input=None) -> dict:
    """One item of a 422 ``detail`` list, keys in FastAPI's order."""
    return {"type": type, "loc": list(loc), "msg": msg, "input": input}


def detail(status: int, message: str, headers: dict | None = None) -> Response:
    return Response({"detail": message}, status=status, headers=headers)


def exception_handler(exc, context) -> Response | None:
    """This surface's renderer over the shared classification (``common.errors``)."""
    if isinstance(exc, RequestInvalid):
        return Response({"detail": exc.errors}, status=422)
    failure = classify(exc, wire_fields=FIELD_NAMES)
    if failure is None:
        return None
    if failure.kind == Kind.AUTH:
        message = NOT_AUTHENTICATED if isinstance(exc, NotAuthenticated) else BAD_CREDENTIALS
        return detail(401, message, {"WWW-Authenticate": "Bearer"})
    if isinstance(exc, InvalidInput) or failure.kind == Kind.VALIDATION:
        # A rule about a value the client sent: FastAPI reports a failed check of a body
        # field as a 422 ``value_error`` at that field.
        request = context.get("request")
        sent = getattr(request, "messenger_body", None)
        items = []
        for field, messages in (failure.errors or {None: [failure.message]}).items():
            field = None if field in NON_FIELD_KEYS else field
            value = sent.get(field) if isinstance(sent, dict) and field else sent
            loc = ("body", field) if field else ("body",)
            items += [error_item(loc, "value_error", f"Value error, {m}", value) for m in messages]
        return Response({"detail": items}, status=422)
    if failure.kind == Kind.NOT_FOUND:
        return detail(404, STATUS_DETAILS[404])
    if failure.kind == Kind.DOMAIN:
        return detail(failure.status, failure.message.rstrip("."))
    message = STATUS_DETAILS.get(failure.status) or failure.message
    return detail(failure.status, message, failure.headers() or None)
