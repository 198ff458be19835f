"""The Team API's error format (seed 002 documents none, so this is ours).

Every error is ``{"error": {"code", "message", "field"}}``: ``code`` is a stable word
chosen by the status, ``message`` a sentence for people, ``field`` the request field at
fault (as the client spells it) or ``null``.
"""

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from chatproject.errors import DomainError

CODES = {
    400: "invalid",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "throttled",
}

# The services name fields in domain terms; clients know the seed's names.
FIELD_NAMES = {"text": "content", "reply_to": "replyTo", "title": "name", "project_ref": "group"}


def error(status: int, message: str, *, field: str | None = None, headers=None) -> Response:
    body = {"error": {"code": CODES.get(status, "error"), "message": message, "field": field}}
    return Response(body, status=status, headers=headers)


def _first_error(detail) -> tuple[str | None, str]:
    """The first field at fault (top-level name) and its first message."""
    if isinstance(detail, dict) and detail:
        field, inner = next(iter(detail.items()))
        _, message = _first_error(inner)
        if field in ("non_field_errors", "body"):
            field = None
        return field, message
    if isinstance(detail, list) and detail:
        return _first_error(detail[0])
    return None, str(detail)


def exception_handler(exc, context) -> Response | None:
    """Every error of the surface in its one format; a domain error keeps its status."""
    if isinstance(exc, DomainError):
        field = FIELD_NAMES.get(exc.field, exc.field) if exc.field else None
        return error(exc.status, exc.detail, field=field)
    if isinstance(exc, Http404):
        return error(404, "Not found.")
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_error(exc.detail)
        return error(400, message, field=field)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        auth_header = getattr(exc, "auth_header", None) or 'Bearer realm="api"'
        return error(401, str(exc.detail), headers={"WWW-Authenticate": auth_header})
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        _, message = _first_error(exc.detail)
        return error(exc.status_code, message, headers=headers or None)
    return None
