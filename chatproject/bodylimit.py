"""Refuse request bodies over ``CHAT_MAX_REQUEST_BYTES`` before they are buffered.

An ASGI middleware around the whole HTTP app, in front of Django and of authentication: a
request that announces a larger ``Content-Length`` is answered 413 without reading a byte
of its body, and a body that streams without a length (chunked) is cut off as soon as the
bytes received pass the limit. Either way the server holds at most one chunk of it.

This only helps if the ASGI server itself streams the body to the app. uvicorn does;
daphne (Twisted) reads and parses the whole request, multipart included, before the app
is called, so production serves with uvicorn (``scripts/serve``, README "Security";
``bench/body_memory.py`` measures both). Under daphne (``runserver``) the limit still
holds, only later.

The 413 is JSON in the shape of the surface the path belongs to (problem details under
``/v1/``, the Team API's ``{"error": ...}``, ``{"detail": ...}`` elsewhere).
"""

import json

from django.conf import settings


class BodyTooLarge(Exception):
    """Raised from ``receive`` once the streamed body passes the limit."""


def max_request_bytes() -> int:
    return int(settings.CHAT_MAX_REQUEST_BYTES)


TEAM_PREFIXES = ("/api/v1/chat/", "/api/v1/users", "/api/v1/files")


def too_large_body(path: str, limit: int) -> tuple[bytes, bytes]:
    """``(content type, body)`` of the 413 answer for ``path``, in its surface's format."""
    detail = f"The request body is larger than {limit} bytes."
    if path.startswith("/v1/"):
        body = {
            "type": "about:blank",
            "title": "Content Too Large",
            "status": 413,
            "detail": detail,
        }
        return b"application/problem+json", json.dumps(body).encode()
    if path.startswith(TEAM_PREFIXES):
        body = {"error": {"code": "too_large", "message": detail, "field": None}}
    else:
        body = {"detail": detail}
    return b"application/json", json.dumps(body).encode()


class RequestBodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = max_request_bytes()
        length = _content_length(scope)
        if length is not None and (length < 0 or length > limit):
            return await _refuse(scope, send, limit)

        received = 0
        started = False

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await _refuse(scope, send, limit)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return -1  # malformed: refused like an oversized one
    return None


async def _refuse(scope, send, limit: int) -> None:
    content_type, body = too_large_body(scope.get("path", ""), limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                # The unread rest of the body makes the connection unusable for another request.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
