"""Outages: the database or Redis is briefly away. One place says what counts as one and
how a caller hears of it.

A dropped PostgreSQL connection, a restart, an exhausted pool, a busy SQLite file or a
Redis that is down are not bugs: the request can simply be tried again in a moment, and
the app recovers by itself (the pool checks connections before handing them out,
channels-redis and the cache reconnect on next use). So every surface answers them with
503 and ``Retry-After`` in its own error format (``chatproject.api.common.errors.classify``
for the APIs, :func:`response` for the pages and their JSON endpoints), never with an
HTML 500, and the live-event socket closes with 1013 "try again later".
"""

import logging
import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError
except ImportError:  # pragma: no cover - redis comes with channels-redis
    RedisConnectionError = RedisTimeoutError = ConnectionError  # type: ignore[misc,assignment]

logger = logging.getLogger(__name__)

# Django wraps every database driver's connection errors in these two; redis-py raises its
# own; a socket refused outside either library is the builtin ConnectionError.
OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    ConnectionError,
)

MESSAGE = "The service is briefly unavailable. Retry in a moment."
# The websocket close code of RFC 6455 for "try again later".
CLOSE_TRY_AGAIN = 1013


def is_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, OUTAGE_ERRORS)


def retry_after_s() -> int:
    return settings.CHAT_RETRY_AFTER_S


def log(exc: BaseException, where: str) -> None:
    """Outages are logged as warnings with their cause, so a misclassified bug still shows."""
    logger.warning("outage in %s: %s: %s", where, type(exc).__name__, exc)


def response() -> JsonResponse:
    """The pages' and ``/web/...`` endpoints' answer (their JSON error format)."""
    return JsonResponse(
        {"error": {"code": "unavailable", "message": MESSAGE, "field": None}},
        status=503,
        headers={"Retry-After": str(retry_after_s())},
    )


class OutageMiddleware:
    """Answers an outage raised by a view (pages, ``/web/...``, admin) with :func:`response`.

    The API views answer theirs in their own format before this sees them; outages raised
    by other middleware (a session saved after the view) reach :func:`server_error`.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_outage(exception):
            log(exception, request.path)
            return response()
        return None


def server_error(request, *args, **kwargs):
    """``handler500``: an outage anywhere in the stack is a 503, anything else a plain 500.

    Django calls it inside the ``except`` that caught the error, so ``sys.exc_info`` has it.
    """
    exc = sys.exc_info()[1]
    if is_outage(exc):
        return response()
    return defaults.server_error(request, *args, **kwargs)
