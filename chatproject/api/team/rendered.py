"""The Team API's answer for a thread's latest page, rendered once per version of the thread.

``chats.selectors.thread_message_page`` already keeps the rows of each thread's latest page
for one ``Thread.history_seq``; turning those rows into the seed's JSON (ids to strings,
times to epoch milliseconds, file URLs) and rendering it was still most of what a re-read
of an unchanged thread cost. The rendered bytes depend on nothing else than the rows and
the address the files are linked under (scheme and host), so they are kept the same way:
per (thread, limit, address), valid for the version they were rendered from.
"""

from django.conf import settings
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from chatproject.api.team import serializers as s
from chatproject.versioned import VersionedCache
from chats.selectors import MessageRow
from threads.models import Thread

RENDERED_LATEST_PAGES: VersionedCache[bytes] = VersionedCache(
    max_bytes=settings.CHAT_PAGE_CACHE_BYTES, size=len
)


class RenderedJSONResponse(Response):
    """A DRF response whose JSON is rendered already. The view finishes it like any other
    (its headers; the renderer context the ASGI handler unlinks); only rendering is skipped."""

    def __init__(self, body: bytes) -> None:
        super().__init__(content_type=JSONRenderer.media_type)
        self.body = body

    @property
    def rendered_content(self) -> bytes:
        self["Content-Type"] = self.content_type
        return self.body


def latest_page_response(
    *, thread: Thread, limit: int, rows: tuple[MessageRow, ...], request
) -> Response:
    """The latest ``limit`` messages of ``thread`` as the surface answers them (what a DRF
    ``Response`` of ``chat_message_rows`` renders to), from ``rows`` read for the thread's
    ``history_seq``."""
    key = (thread.pk, limit, request.build_absolute_uri("/"))
    body = RENDERED_LATEST_PAGES.get(key, thread.history_seq)
    if body is None:
        body = JSONRenderer().render(s.chat_message_rows(rows, request=request))
        RENDERED_LATEST_PAGES.put(key, thread.history_seq, body)
    return RenderedJSONResponse(body)
