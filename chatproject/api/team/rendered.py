"""The Team API's answer for a thread's latest page, rendered once per version of the thread.

``chats.selectors.thread_message_page`` already keeps the rows of each thread's latest page
for one ``Thread.history_seq``; turning those rows into the seed's JSON (ids to strings,
times to epoch milliseconds, file URLs) and rendering it was still most of what a re-read
of an unchanged thread cost. The rendered bytes depend on nothing else than the rows and
the address the files are linked under (scheme, host and script prefix), so they are kept
the same way: per (thread, limit, address), valid for the version they were rendered from.

The view (``ThreadViewSet.messages``) and the re-read shortcut (``shortcut.py``) read a
latest page through the same three steps here, so that they cannot answer differently.
"""

from typing import NamedTuple

from django.conf import settings
from django.urls import get_script_prefix
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from chatproject.api.team import serializers as s
from chatproject.errors import NotFound
from chatproject.versioned import VersionedCache
from chats.selectors import MessageRow
from threads import selectors as thread_selectors
from threads import services as thread_services
from threads.models import Thread
from threads.selectors import ReadMark


class RenderedPage(NamedTuple):
    """A latest page as answered, and the newest message it shows: what reading it marks
    read. The two travel together because the rows a read finds may be newer than the
    bytes kept for its version (a message committed after the thread row was read), and a
    reader's mark must never pass a message their answer did not show."""

    body: bytes
    newest: MessageRow


RENDERED_LATEST_PAGES: VersionedCache[RenderedPage] = VersionedCache(
    max_bytes=settings.CHAT_PAGE_CACHE_BYTES, size=lambda page: len(page.body)
)


def thread_for_reader(*, user, thread_id) -> tuple[Thread, ReadMark | None]:
    """A thread of this surface the reader may see, with their read mark; ``NotFound`` for
    anything else (``TeamSurface.thread``, plus the mark, in one query)."""
    thread, mark = thread_selectors.thread_get_for_reader(user=user, thread_id=thread_id)
    if thread.kind not in s.TEAM_KINDS:
        raise NotFound("Thread not found.")
    return thread, mark


def mark_latest_page_read(
    *, thread: Thread, reader, mark: ReadMark | None, page: RenderedPage
) -> None:
    """Reading the latest page (a GET, not a HEAD) marks it read, up to the newest message
    it shows. The mark came with the thread; unchanged, it costs nothing more."""
    thread_services.thread_mark_read(thread=thread, actor=reader, up_to=page.newest, known=mark)


def page_address(request) -> str:
    """What the rendered bytes depend on besides the rows: the address the files are linked
    under, scheme, host and script prefix (``reverse`` puts the prefix in every file URL,
    and a client can choose it: daphne takes it from a ``Daphne-Root-Path`` header).
    Django's own validation of the host applies (``DisallowedHost``)."""
    return request.build_absolute_uri(get_script_prefix())


class RenderedJSONResponse(Response):
    """A DRF response whose JSON is rendered already. The view finishes it like any other
    (its headers; the renderer context the ASGI handler unlinks); only rendering is skipped.

    ``latest_page`` tells the re-read shortcut that this is a latest page answered whole,
    so that it may learn the headers the middleware gave it (``shortcut.py``)."""

    latest_page = True

    def __init__(self, body: bytes) -> None:
        super().__init__(content_type=JSONRenderer.media_type)
        self.body = body

    @property
    def rendered_content(self) -> bytes:
        self["Content-Type"] = self.content_type
        return self.body


def latest_page(
    *, thread: Thread, limit: int, rows: tuple[MessageRow, ...], request
) -> RenderedPage:
    """The latest ``limit`` messages of ``thread`` as the surface answers them (what a DRF
    ``Response`` of ``chat_message_rows`` renders to): kept for the thread's
    ``history_seq``, else rendered from ``rows`` (read for that version, not empty)."""
    key = (thread.pk, limit, page_address(request))
    page = RENDERED_LATEST_PAGES.get(key, thread.history_seq)
    if page is None:
        body = JSONRenderer().render(s.chat_message_rows(rows, request=request))
        page = RenderedPage(body, rows[-1])
        RENDERED_LATEST_PAGES.put(key, thread.history_seq, page)
    return page


def kept_latest_page(*, thread: Thread, limit: int, address: str) -> RenderedPage | None:
    """The page ``latest_page`` answered for this thread's current version at ``address``
    (``page_address``), if this process still has it."""
    return RENDERED_LATEST_PAGES.get((thread.pk, limit, address), thread.history_seq)
