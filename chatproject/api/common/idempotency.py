"""``Idempotency-Key`` on REST message sends: one reading of the header for every surface.

A surface hands its send (a closure calling the message service and rendering the
answer) to :func:`send_once`; ``chats.services.message_send_once`` decides whether it
runs or the first answer is replayed. Without the header the send simply runs.
"""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from chatproject.api.common.auth import WorkspaceClient
from chats import services as chat_services
from chats.models import Message

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

#: The header as the OpenAPI document of every send operation shows it.
PARAMETER = OpenApiParameter(
    HEADER,
    # What ``chats.services`` accepts, so a generated client (or a fuzzer) sends only valid keys.
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"^[!-~]([ -~]*[!-~])?$"},
    location=OpenApiParameter.HEADER,
    required=False,
    description="Makes a retried send safe: the same key from the same caller within 24 h "
    "answers with the first answer (header `Idempotent-Replayed: true`) and sends nothing; "
    "the same key with another request is a 409. 1 to 255 printable ASCII characters.",
)


def fingerprint(request, *, scope: str) -> str:
    """What makes two requests "the same": the surface's scope, the path, the parsed body."""
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=True)
    raw = "\n".join([scope, request.method, request.path, body])
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def caller(request) -> str:
    """Whose keys these are: the user, or for a Support API key its workspace (a retry
    after rotating the key is still the same workspace's request)."""
    if isinstance(request.user, WorkspaceClient):
        return f"workspace:{request.user.workspace.pk}"
    return f"user:{request.user.pk}"


def send_once(
    request, *, scope: str, send: Callable[[], tuple[Message, Any]], status: int = 200
) -> Response:
    """The answer of ``send``, or with a known key the first answer (``Idempotent-Replayed``).

    ``scope`` names what besides the user and the body makes a request distinct (the
    surface, and for the Session API the token's session).
    """
    key = request.headers.get(HEADER)
    if key is None:
        return Response(send()[1], status=status)
    answer, replayed = chat_services.message_send_once(
        caller=caller(request),
        key=key,
        fingerprint=fingerprint(request, scope=scope),
        send=send,
    )
    headers = {REPLAYED_HEADER: "true"} if replayed else None
    return Response(answer, status=status, headers=headers)
