"""Authentication for the API surfaces. Each surface picks the credential it documents.

A credential of the wrong kind is simply not recognised: a session token means nothing
to the Team API, a user token nothing to ``/v1/chats``.
"""

from dataclasses import dataclass

from rest_framework import authentication, exceptions

from chatproject.accounts import services as accounts
from chatproject.accounts import throttle
from chatproject.accounts.models import AccessToken
from chatproject.api.common.bearer import bearer_token
from chatproject.errors import TooManyAttempts


def _bearer(request) -> str | None:
    return bearer_token(authentication.get_authorization_header(request))


class _BearerTokenAuthentication(authentication.BaseAuthentication):
    kind: str

    def authenticate(self, request):
        raw = _bearer(request)
        if raw is None:
            return None
        token = accounts.token_authenticate(raw, kind=self.kind)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class UserTokenAuthentication(_BearerTokenAuthentication):
    """``Authorization: Bearer <user token>`` from ``POST /token``."""

    kind = AccessToken.Kind.USER


class SessionTokenAuthentication(_BearerTokenAuthentication):
    """``Authorization: Bearer <session token>``; ``request.auth.thread`` is the session."""

    kind = AccessToken.Kind.SESSION


@dataclass(frozen=True)
class WorkspaceClient:
    """The caller of the Support API: a workspace, known by one of its API keys."""

    api_key: object
    workspace: object

    is_authenticated = True
    is_anonymous = False
    pk = None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: <key>`` (seed 003), ``Authorization: Bearer <key>``, or
    ``Authorization: ApiKey <key>`` (the scheme the surface's 401 challenge names)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").strip()
        if not header:
            return None
        scheme, _, rest = header.partition(" ")
        api_key = rest.strip() if scheme.lower() == "apikey" else ""
        raw = bearer_token(header) or api_key or header
        try:
            key = accounts.api_key_authenticate(raw, client=throttle.client_of(request))
        except TooManyAttempts as error:
            raise exceptions.Throttled(wait=error.retry_after) from None
        if key is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return WorkspaceClient(api_key=key, workspace=key.workspace), key

    def authenticate_header(self, request):
        return "ApiKey"
