"""One classification of what went wrong; each surface only renders it in its own format.

Every surface's DRF exception handler is ``render(classify(exc, wire_fields=...))``:
:func:`classify` decides, once for all surfaces, the status, the message, the field at
fault and the headers of an exception; the surface's renderer shapes the body (problem
details, ``{"error": ...}``, FastAPI's ``detail``...).

Services raise ``chatproject.errors.DomainError``s that name fields in domain terms
(``text``, ``reply_to``); each surface passes its one table of domain -> wire names.
Validation errors come from the surface's own serializers and filters, whose field
names are wire names already.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from rest_framework import exceptions

from chatproject import outage
from chatproject.errors import DomainError

# Keys of a validation error that name no field of the request.
NON_FIELD_KEYS = frozenset({"body", "non_field_errors", "__all__"})


class Kind:
    DOMAIN = "domain"
    NOT_FOUND = "not_found"
    VALIDATION = "validation"
    AUTH = "auth"
    THROTTLED = "throttled"
    API = "api"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class Failure:
    """What a surface needs to answer an error, whatever its format."""

    kind: str
    status: int
    message: str
    # The field at fault as the client spells it (the first one, for validation errors).
    field: str | None = None
    # Every field at fault with its messages, as the client spells them. Messages that
    # name no field are under ``body`` (or ``non_field_errors``, as DRF puts them).
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    # For 401s: the ``WWW-Authenticate`` challenge DRF computed for the view, if any.
    www_authenticate: str | None = None
    # For 429s and 503s: seconds until the caller may retry.
    retry_after: int | None = None

    def headers(self) -> dict[str, str]:
        """``Retry-After`` when throttled (the surface adds its own auth challenge)."""
        return {"Retry-After": str(self.retry_after)} if self.retry_after else {}


def _messages(detail) -> list[str]:
    """Every message in a DRF error detail, depth first, as strings."""
    if isinstance(detail, dict):
        return [m for inner in detail.values() for m in _messages(inner)]
    if isinstance(detail, list | tuple):
        return [m for inner in detail for m in _messages(inner)]
    return [str(detail)]


def field_errors(detail) -> dict[str, list[str]]:
    """A DRF error detail as ``{field: [messages]}`` (top-level names; nested flattened)."""
    if isinstance(detail, dict):
        return {str(name): _messages(inner) for name, inner in detail.items()}
    return {"body": _messages(detail)}


def _first(errors: dict[str, list[str]]) -> tuple[str | None, str]:
    for name, messages in errors.items():
        if messages:
            return (None if name in NON_FIELD_KEYS else name), messages[0]
    return None, "Invalid input."


def classify(exc: Exception, *, wire_fields: Mapping[str, str]) -> Failure | None:
    """The failure ``exc`` stands for; ``None`` for a bug (left to become a 500)."""
    if isinstance(exc, DomainError):
        name = wire_fields.get(exc.field, exc.field) if exc.field else None
        return Failure(
            Kind.DOMAIN,
            exc.status,
            exc.detail,
            field=name,
            errors={name: [exc.detail]} if name else {},
        )
    if isinstance(exc, RequestDataTooBig):
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE (Django's own check, or the JSON parser's):
        # the surface's JSON, not Django's HTML 400 page.
        return Failure(Kind.API, 413, "The request body is too large.")
    if isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        return Failure(Kind.API, 400, "The request has too many fields or files.")
    if isinstance(exc, Http404):
        return Failure(Kind.NOT_FOUND, 404, "Not found.")
    if isinstance(exc, DjangoPermissionDenied):
        return Failure(Kind.API, 403, "You do not have permission to perform this action.")
    if isinstance(exc, exceptions.ValidationError):
        errors = field_errors(exc.detail)
        name, message = _first(errors)
        return Failure(Kind.VALIDATION, 400, message, field=name, errors=errors)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        return Failure(
            Kind.AUTH,
            exc.status_code,
            _first(field_errors(exc.detail))[1],
            www_authenticate=getattr(exc, "auth_header", None),
        )
    if isinstance(exc, exceptions.APIException):
        wait = getattr(exc, "wait", None)
        return Failure(
            Kind.THROTTLED if isinstance(exc, exceptions.Throttled) else Kind.API,
            exc.status_code,
            _first(field_errors(exc.detail))[1],
            retry_after=int(wait) if wait else None,
        )
    if outage.is_outage(exc):
        # The database or Redis is briefly away: retryable, never a 500 (chatproject.outage).
        outage.log(exc, "api")
        return Failure(Kind.UNAVAILABLE, 503, outage.MESSAGE, retry_after=outage.retry_after_s())
    return None


# Stable words for statuses, shared by the surfaces whose errors carry a ``code``.
ERROR_CODES = {
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
    503: "unavailable",
}
