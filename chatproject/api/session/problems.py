"""RFC 7807 problem details, the Session API's error format (seeds 000/001 ``ProblemDetails``).

Renders :func:`chatproject.api.common.errors.classify`; decides nothing itself.
"""

from http import HTTPStatus

from rest_framework.response import Response

from chatproject.api.common.errors import Failure, Kind, classify

PROBLEM_CONTENT_TYPE = "application/problem+json"
# The services name fields in domain terms; the caller should read the field it sent.
WIRE_FIELDS = {"text": "message", "idempotency_key": "Idempotency-Key"}


def problem(status: int, detail: str, *, errors: dict | None = None, headers=None) -> Response:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    return Response(body, status=status, content_type=PROBLEM_CONTENT_TYPE, headers=headers)


def render(failure: Failure) -> Response:
    headers = failure.headers()
    if failure.kind == Kind.AUTH:
        headers["WWW-Authenticate"] = "Bearer"
    detail = failure.message
    if failure.kind == Kind.VALIDATION:
        detail = "One or more validation errors occurred."
    # Field errors belong to bad input only (a 404 does not say which field named nothing).
    errors = failure.errors if failure.status == 400 else None
    return problem(failure.status, detail, errors=errors, headers=headers or None)


def exception_handler(exc, context) -> Response | None:
    """Every error of the surface as problem details; a domain error keeps its status."""
    failure = classify(exc, wire_fields=WIRE_FIELDS)
    return render(failure) if failure is not None else None
