"""Django's ASGI handler, with the middleware chain and the view run in one thread hop.

Django's own ``ASGIHandler`` loads the middleware in async mode. Every middleware of this
project (Django's and django-csp's) is a ``MiddlewareMixin``, which in async mode runs
``process_request`` and ``process_response`` each through ``sync_to_async``: about fifteen
hand-offs to the request's worker thread and back per request, on top of the view's own.
Each costs a future, a context copy and a thread wake-up; together they were the larger
part of an HTTP request's CPU under daphne (``bench/profile_history.py --asgi``).

Every view and middleware here is synchronous, so this handler loads the chain in sync
mode and runs it whole in ONE worker thread of the event loop's pool (not
``thread_sensitive``): Django would give every request a new thread, and with it a new
SQLite connection (0.6 ms) and a thread start; pool threads are reused and keep their
connection (SQLite ``CONN_MAX_AGE``; PostgreSQL connections go back to the pool). A
request never spans two threads, so its connection and thread-locals stay one. Django's
request signals run on another thread here, so the connection checks they make
(``close_old_connections``: health, age, back to the pool) are made around the chain in
the worker thread itself. Reading the body, sending the response and noticing a client
disconnect stay Django's async code.
"""

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.db import close_old_connections
from django.http import FileResponse


class OneHopASGIHandler(ASGIHandler):
    def __init__(self):
        super().__init__()
        self.load_middleware(is_async=False)

    async def run_get_response(self, request):
        response = await sync_to_async(self._run_in_worker, thread_sensitive=False)(request)
        response._handler_class = self.__class__
        # As Django's handler: bigger chunks for files (the server chunks on its own).
        if isinstance(response, FileResponse):
            response.block_size = self.chunk_size
        return response

    def _run_in_worker(self, request):
        """The request's whole sync part, in one worker thread, between the connection
        checks Django's request signals make (they are sent from another thread here)."""
        close_old_connections()
        try:
            return self.get_response(request)
        finally:
            close_old_connections()


def get_asgi_application() -> OneHopASGIHandler:
    """``django.core.asgi.get_asgi_application`` with this handler."""
    import django

    django.setup(set_prefix=False)
    return OneHopASGIHandler()
