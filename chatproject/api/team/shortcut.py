"""The re-read of a thread's latest page, answered without the middleware chain and DRF.

Every client re-reads the latest page of the thread it shows (opening it, coming back to
it, after a reconnect): the most common request of a chat, and one whose answer is usually
rendered already (``rendered.py``). Through the whole stack, the middleware chain, DRF's
dispatch (authentication classes, permissions, negotiation, finalizing) and the response
machinery cost about twice what the answer itself does (two indexed reads). History reads
are where issue 13 measures the server against Synapse (``bench/RESULTS.md``, round 9).

The ASGI handler (``chatproject.handlers``) asks this shortcut first, in the request's
worker thread, between Django's request signals. It answers only a request that the
whole stack would answer with exactly these bytes and headers; for any other it declines
(``None``) and the request goes the whole way, so every error, redirect and refusal stays
the stack's. It answers when:

- the request is a GET of the Team API's ``/api/v1/chat/threads/<id>/messages`` (Django's
  URL resolver decides) with no query parameter but ``limit``, a bearer token, no cookie,
  and an ``Accept`` that the view's one renderer (JSON) satisfies as is;
- the token is a live user token (``token_authenticate``, the service the surface's
  authentication class calls), and the thread is one that user reads on this surface
  (``rendered.thread_for_reader``, the view's own lookup);
- this process has the page for the thread's current version (only the view puts it
  there), and the headers the whole stack gave the last such answer at the same address
  (``learn``): nothing here knows a header.

It then does what the view does, with the same functions: marks the page read and answers
the bytes. Anything unexpected on the way (a database or Redis outage) declines too: the
whole stack then meets it and answers it as it answers any error (a 503).
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import Resolver404, resolve

from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken
from chatproject.api.common.bearer import bearer_token
from chatproject.api.common.ids import path_id
from chatproject.api.team import rendered
from chatproject.api.team.filters import MessageHistoryQuery

ROUTE = "team-thread-messages"
# ``Accept`` headers for which DRF's negotiation picks the JSON renderer with its own media
# type (``None``: no header); any other is negotiated by the stack, which may refuse it with
# a 406 (an empty header, for one).
PLAIN_ACCEPT = frozenset({None, "*/*", "application/json"})
QUERY = frozenset({"limit"})
# Addresses (scheme, host, script prefix) whose headers are kept. A deployment has a few;
# ``ALLOWED_HOSTS = ["*"]`` lets a client make up more, which only empties the table.
MAX_ADDRESSES = 64


def plain_reread(request: HttpRequest) -> bool:
    """Whether the request is one the shortcut may answer, as far as the request alone
    says; the same test decides which whole-stack answers it learns from."""
    meta = request.META
    return (
        request.method == "GET"
        and not meta.get("HTTP_COOKIE")
        and meta.get("HTTP_ACCEPT") in PLAIN_ACCEPT
        and not settings.DISALLOWED_USER_AGENTS
        and request.GET.keys() <= QUERY
        and bearer_token(meta.get("HTTP_AUTHORIZATION")) is not None
    )


class LatestPageShortcut:
    def __init__(self) -> None:
        self._headers: dict[str, tuple[tuple[str, str | None], ...]] = {}
        self._lock = threading.Lock()

    def answer(self, request: HttpRequest) -> HttpResponse | None:
        """The whole stack's answer to ``request``, or ``None`` where the stack must give
        it (see the module docstring)."""
        if not self._headers or request.method != "GET":
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.url_name != ROUTE:
            return None
        try:
            # Reading the query may raise (too many fields): the stack's 400, then.
            if not plain_reread(request):
                return None
            address = rendered.page_address(request)
            headers = self._headers.get(address)
            if headers is None:
                return None
            raw = bearer_token(request.META["HTTP_AUTHORIZATION"])
            token = accounts.token_authenticate(raw, kind=AccessToken.Kind.USER)
            if token is None:
                return None
            reader = token.user
            thread, mark = rendered.thread_for_reader(
                user=reader, thread_id=path_id(match.kwargs["thread_id"])
            )
            limit = MessageHistoryQuery.parse(request.GET)["limit"]
            page = rendered.kept_latest_page(thread=thread, limit=limit, address=address)
            if page is None:
                return None
            rendered.mark_latest_page_read(thread=thread, reader=reader, mark=mark, page=page)
        except Exception:  # the stack answers it, errors included
            # A mark that moved before an error stays moved; the stack finds it so.
            return None
        length = str(len(page.body))
        return HttpResponse(page.body, headers={k: length if v is None else v for k, v in headers})

    def learn(self, request: HttpRequest, response: HttpResponseBase) -> None:
        """Keep the headers of a whole-stack answer that the shortcut could have given."""
        if not (
            getattr(response, "latest_page", False)
            and response.status_code == 200
            and not response.cookies
            and plain_reread(request)
        ):
            return
        address = rendered.page_address(request)
        # In the stack's order; the length (None here) is the answer's own.
        headers = tuple(
            (k, None if k.lower() == "content-length" else v) for k, v in response.items()
        )
        with self._lock:
            if len(self._headers) >= MAX_ADDRESSES and address not in self._headers:
                self._headers.clear()
            self._headers[address] = headers
