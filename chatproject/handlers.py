"""Django's ASGI handler, with the middleware chain and the view run in one thread hop.

Django's own ``ASGIHandler`` loads the middleware in async mode. Every middleware of this
project (Django's and django-csp's) is a ``MiddlewareMixin``, which in async mode runs
``process_request`` and ``process_response`` each through ``sync_to_async``: about fifteen
hand-offs to the request's worker thread and back per request, on top of the view's own.
Each costs a future, a context copy and a thread wake-up; together they were the larger
part of an HTTP request's CPU under daphne (``bench/profile_history.py --asgi``).

Every view and middleware here is synchronous, so this handler loads the chain in sync
mode and runs it whole in ONE worker thread of a small pool of the handler's own
(``request_executor``; not ``thread_sensitive``): Django would give every request a new
thread, and with it a new SQLite connection (0.6 ms) and a thread start; pool threads are
reused and keep their connection (SQLite ``CONN_MAX_AGE``; PostgreSQL connections go back
to the pool). A request never spans two threads, so its connection and thread-locals stay
one. Django's request signals are sent from that worker thread too, around the chain: their
receivers (``close_old_connections``: health, age, back to the pool) then check the
connection the request used, and sending them costs no extra thread hops. Django sends
``request_started`` and closes the response (which sends ``request_finished``) each
through ``sync_to_async`` onto one thread shared by all requests: two more hand-offs per
request, queued behind every other request's. The hop itself is the executor's own, with
only what the worker needs of ``sync_to_async``'s set-up (``_in_worker``). A streaming
response is still closed after it is sent, as Django does. Reading the body and sending the
response stay Django's async code. Only a streaming response is sent while listening for
the client leaving, so that a download stops when its reader goes: a complete response has
nothing left to cancel, and the listener task Django starts and stops around every request
was a measurable part of a served read's CPU (``bench/RESULTS.md``, round 7).

Before the middleware chain, the worker asks the request shortcuts
(``CHAT_REQUEST_SHORTCUTS``): a shortcut answers a request it recognises exactly as the
chain and the view would, with less of their work, or declines. The one there is answers
the re-read of a thread's latest page (``chatproject.api.team.shortcut``), the commonest
request of a chat. The request signals are sent around a shortcut's answer too.

Once a response is complete, the handler also unlinks the objects of its request
(:func:`unlink_request`), and a streaming response's listener reads a disconnect without
raising it: Django and DRF tie a request's objects in reference cycles, and a raised
``RequestAborted`` (daphne reports a disconnect after every response) tied the handler's
own; only the cyclic garbage collector frees those, and every request left ~250 objects
for it.
"""

import asyncio
import contextlib
import contextvars
import functools
import os
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import SyncToAsync, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.db import close_old_connections
from django.http import FileResponse
from django.urls import set_script_prefix
from django.utils.module_loading import import_string


@functools.cache
def request_executor() -> ThreadPoolExecutor:
    """The threads that run requests: ``CHAT_REQUEST_THREADS`` of them, for the process.

    Python runs one thread at a time; more threads only help while some wait outside the
    interpreter (a database round trip, a lock, a file). Past a few, they cost: at 16
    concurrent history reads, six threads took ~25% more CPU per request than two, in
    hand-offs of the interpreter lock between threads that all have work (``bench/RESULTS.md``,
    round 5). The pool is the handler's own, not the event loop's default executor, so
    that code a request runs can still use that one (``sync_to_async``) without waiting
    for a thread of its own pool.
    """
    return ThreadPoolExecutor(
        max_workers=settings.CHAT_REQUEST_THREADS, thread_name_prefix="request"
    )


@functools.cache
def request_shortcuts() -> tuple:
    """The request shortcuts of ``CHAT_REQUEST_SHORTCUTS``, made once for the process.

    A shortcut answers a request it recognises without the middleware chain and the view
    (``answer``; ``None`` for any other), exactly as they would, and is shown every answer
    of the chain (``learn``). ``chatproject.api.team.shortcut`` is the one there is.
    """
    return tuple(import_string(path)() for path in settings.CHAT_REQUEST_SHORTCUTS)


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.load_middleware(is_async=False)

    async def handle(self, scope, receive, send):
        """Django 5.2's ``ASGIHandler.handle``, but the request signals are sent and a
        non-streaming response is closed in the request's worker thread (see the module
        docstring), and only a streaming response is sent while listening for the client
        leaving."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        try:
            request, error_response = self.create_request(scope, body_file)
            if request is None:
                await signals.request_started.asend(sender=self.__class__, scope=scope)
                await self.send_response(error_response, send)
                await sync_to_async(error_response.close)()
                return
            response = await self.run_get_response(request)
            if response.streaming:
                await self.send_streaming(response, receive, send)
                await sync_to_async(response.close)()
                unlink_request(request, response)
            else:
                # Complete, and closed by the worker. Nothing is left to cancel if the
                # client has gone meanwhile, and a server drops a reply to a client that
                # left (daphne and uvicorn both do): no disconnect listener to start and
                # stop (see the module docstring).
                await self.send_response(response, send)
        finally:
            body_file.close()

    async def send_streaming(self, response, receive, send):
        """Send a streaming response while listening for the client leaving, as Django
        does, so that a download stops when its reader goes."""

        async def send_all():
            with contextlib.suppress(asyncio.CancelledError):  # the client went away
                await self.send_response(response, send)

        # The disconnect listener goes first: it must not raise errors that would keep the
        # sending from being cancelled.
        tasks = [
            asyncio.create_task(self.listen_for_disconnect(receive)),
            asyncio.create_task(send_all()),
        ]
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in tasks:
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            elif not task.cancelled() and isinstance(task.exception(), RequestAborted):
                # The client went away; daphne also says so once a response is complete.
                # Looked at rather than raised: raised here, its traceback would hold this
                # frame, and with it the request and response, in a reference cycle (see
                # ``unlink_request``).
                continue
            else:
                task.result()

    async def run_get_response(self, request):
        loop = asyncio.get_running_loop()
        response = await loop.run_in_executor(
            request_executor(),
            _in_worker,
            loop,
            contextvars.copy_context(),
            self._run_in_worker,
            request,
        )
        # As Django's handler: bigger chunks for files (the server chunks on its own).
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        return response

    def _run_in_worker(self, request):
        """The request's whole sync part in one worker thread, between the request signals
        (their receivers check this thread's database connection)."""
        set_script_prefix(get_script_prefix(request.scope))
        signals.request_started.send(sender=self.__class__, scope=request.scope)
        response = None
        try:
            response = self._respond(request)
            response._handler_class = self.__class__
            return response
        finally:
            if response is None:
                signals.request_finished.send(sender=self.__class__)
            elif not response.streaming:
                # Sends request_finished. A response whose content is built is complete;
                # its resources can go before it is sent.
                response.close()
                unlink_request(request, response)
            # Whatever the signals did: a streaming response is closed later on another
            # thread, and Django's test client disconnects ``close_old_connections`` from
            # the signals while it runs. A pooled connection this thread keeps past the
            # request is one the pool lacks until the thread's next request, or for good
            # if the thread ends.
            close_old_connections()

    def _respond(self, request):
        """A shortcut's answer (``CHAT_REQUEST_SHORTCUTS``), else the middleware chain's;
        the shortcuts learn from the chain's answers what they may answer themselves."""
        shortcuts = request_shortcuts()
        for shortcut in shortcuts:
            response = shortcut.answer(request)
            if response is not None:
                return response
        response = self.get_response(request)
        for shortcut in shortcuts:
            shortcut.learn(request, response)
        return response


def _in_worker(loop, context, run, request):
    """Run ``run(request)`` in ``context`` on a worker thread, as ``sync_to_async`` would.

    What asgiref's ``sync_to_async`` does around a call and a request needs: the thread
    knows the event loop it serves, so ``async_to_sync`` there (publishing an event to the
    channel layer) runs its coroutine on that loop. Not the rest (``asyncio.shield``, moving
    ``asgiref.local`` values between threads), which cost a tenth of a request's CPU; the
    one such value a request sets, the script prefix, is set in the worker itself.
    """
    SyncToAsync.threadlocal.main_event_loop = loop
    SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
    return context.run(run, request)


def unlink_request(request, response) -> None:
    """Break the reference cycles of a finished request, so that reference counting frees
    it the moment the handler lets go, rather than the cyclic garbage collector later.

    Django's request points at objects that point back at it (the message storage, the
    lazy ``user``, the CSP nonce maker), and a DRF response, its view and its DRF request
    all point at one another (the renderer and parser contexts, the view's attributes).
    Left to the collector, a request's ~250 objects wait for a collection that walks every
    young object: 60-80 ms at this process's threshold (``chatproject/asgi.py``), a stall
    of every request in flight, and about a tenth of a request's CPU. Only what was sent
    remains: the response's status, headers and content. (A DRF view's view and DRF request
    are found through its response's renderer context, so a file download, which is not a
    DRF response, still leaves those two to the collector.)
    """
    context = getattr(response, "renderer_context", None)
    if context:
        for linked in (context.get("view"), context.get("request")):
            if linked is not None:
                linked.__dict__.clear()
        response.renderer_context = None
    request.__dict__.clear()


def get_asgi_application() -> OneHopASGIHandler:
    """``django.core.asgi.get_asgi_application`` with this handler."""
    import django

    django.setup(set_prefix=False)
    return OneHopASGIHandler()
