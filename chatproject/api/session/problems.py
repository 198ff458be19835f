"""RFC 7807 problem details, the Session API's error format (seeds 000/001 ``ProblemDetails``)."""

from http import HTTPStatus

from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response

from chatproject.errors import DomainError

PROBLEM_CONTENT_TYPE = "application/problem+json"
# The services name fields in domain terms; the caller should read the field it sent.
WIRE_FIELDS = {"text": "message"}


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


def _field_errors(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        return {
            field: [str(m) for m in (msgs if isinstance(msgs, list) else [msgs])]
            for field, msgs in detail.items()
        }
    return {"body": [str(m) for m in (detail if isinstance(detail, list) else [detail])]}


def exception_handler(exc, context) -> Response | None:
    """Every error of the surface as problem details; a domain error keeps its status."""
    if isinstance(exc, DomainError):
        field = WIRE_FIELDS.get(exc.field, exc.field)
        errors = {field: [exc.detail]} if field and exc.status == 400 else None
        return problem(exc.status, exc.detail, errors=errors)
    if isinstance(exc, Http404):
        return problem(404, "Not found.")
    if isinstance(exc, exceptions.ValidationError):
        errors = _field_errors(exc.detail)
        return problem(400, "One or more validation errors occurred.", errors=errors)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return problem(401, str(exc.detail), headers={"WWW-Authenticate": "Bearer"})
    if isinstance(exc, exceptions.APIException):
        headers = {}
        if getattr(exc, "wait", None):
            headers["Retry-After"] = str(int(exc.wait))
        return problem(exc.status_code, str(exc.detail), headers=headers or None)
    return None
