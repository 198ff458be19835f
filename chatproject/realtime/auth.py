"""Token authentication for websockets, beside the session cookie.

Browsers cannot set headers on a websocket, so a user token may also come as
``?token=``; other clients send ``Authorization: Bearer``. A token, when given, decides
alone: a bad one is not rescued by a session cookie. A *session* token (seed 000) is
accepted too; its thread is put in the scope so the socket hears that session only.
"""

from importlib import import_module
from urllib.parse import parse_qs

from channels.auth import AuthMiddleware
from channels.db import database_sync_to_async
from channels.sessions import CookieMiddleware
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken
from chatproject.api.common.bearer import bearer_token


def _token_from(scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"authorization" and (token := bearer_token(value)):
            return token
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values and values[0] else None


@database_sync_to_async
def _authenticate(raw: str) -> AccessToken | None:
    kind = (
        AccessToken.Kind.SESSION
        if raw.startswith(accounts.SESSION_TOKEN_PREFIX)
        else AccessToken.Kind.USER
    )
    return accounts.token_authenticate(raw, kind=kind)


class TokenAuthMiddleware:
    """Sets ``scope["user"]`` and ``scope["access_token"]`` from a bearer token, if one is sent."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        raw = _token_from(scope)
        if raw is not None:
            token = await _authenticate(raw)
            scope = dict(scope, user=token.user if token else AnonymousUser(), access_token=token)
        return await self.app(scope, receive, send)


class ReadOnlySessionMiddleware:
    """Puts the session of the socket's cookie in ``scope["session"]``, loaded on first use.

    Channels' ``SessionMiddleware`` also wraps ``send`` to save a changed session, and so
    asks the session whether it changed on every frame a socket sends. A socket here only
    reads the session (to find the signed-in user at connect); that check was a fifth of
    the CPU of fanning one message out to 1,000 sockets (``bench/fanout.py``).
    """

    def __init__(self, app):
        self.app = app
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope, receive, send):
        key = scope["cookies"].get(settings.SESSION_COOKIE_NAME)
        return await self.app(dict(scope, session=self.store(key)), receive, send)


def session_auth_stack(app):
    """``channels.auth.AuthMiddlewareStack`` with a session that is never saved."""
    return CookieMiddleware(ReadOnlySessionMiddleware(AuthMiddleware(app)))
