"""The Team API's error format (seed 002 documents none, so this is ours).

Every error is ``{"error": {"code", "message", "field"}}``: ``code`` is a stable word
chosen by the status, ``message`` a sentence for people, ``field`` the request field at
fault (as the client spells it) or ``null``. Renders
:func:`chatproject.api.common.errors.classify`; decides nothing itself.
"""

from rest_framework.response import Response

from chatproject.api.common.errors import ERROR_CODES, Failure, Kind, classify

CODES = ERROR_CODES

# The services name fields in domain terms; clients know the seed's names.
WIRE_FIELDS = {
    "text": "content",
    "reply_to": "replyTo",
    "title": "name",
    "project_ref": "group",
    "idempotency_key": "Idempotency-Key",
}


def error(status: int, message: str, *, field: str | None = None, headers=None) -> Response:
    body = {"error": {"code": CODES.get(status, "error"), "message": message, "field": field}}
    return Response(body, status=status, headers=headers)


def render(failure: Failure) -> Response:
    headers = failure.headers()
    if failure.kind == Kind.AUTH:
        headers["WWW-Authenticate"] = failure.www_authenticate or 'Bearer realm="api"'
    field = failure.field if failure.kind in (Kind.DOMAIN, Kind.VALIDATION) else None
    return error(failure.status, failure.message, field=field, headers=headers or None)


def exception_handler(exc, context) -> Response | None:
    """Every error of the surface in its one format; a domain error keeps its status."""
    failure = classify(exc, wire_fields=WIRE_FIELDS)
    return render(failure) if failure is not None else None
