"""Websocket routes under ``/ws/``.

``asgi.py`` wraps these in the origin check (``ALLOWED_HOSTS``) and the session-cookie
auth stack; the token middleware here lets API clients use a bearer token instead.
"""

from django.urls import path

from chatproject.realtime.auth import TokenAuthMiddleware
from chatproject.realtime.consumers import EventsConsumer

websocket_urlpatterns = [
    path("ws/events/", TokenAuthMiddleware(EventsConsumer.as_asgi())),
]
