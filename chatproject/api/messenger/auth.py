"""Who calls the Messenger API: a user token from ``POST /token``, as FastAPI's
``OAuth2PasswordBearer`` reads it.

No ``Authorization`` header, another scheme or an empty token: the request is
unauthenticated ("Not authenticated"). A bearer token that names no live user token
(unknown, revoked, a session token, an API key): "Could not validate credentials".
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from chatproject.api.common.auth import UserTokenAuthentication


class OAuth2PasswordBearer(UserTokenAuthentication):
    def authenticate_header(self, request):
        return "Bearer"


class OAuth2PasswordBearerScheme(OpenApiAuthenticationExtension):
    """The scheme as FastAPI publishes ``OAuth2PasswordBearer(tokenUrl="token")``."""

    target_class = OAuth2PasswordBearer
    name = "OAuth2PasswordBearer"

    def get_security_definition(self, auto_schema):
        return {"type": "oauth2", "flows": {"password": {"scopes": {}, "tokenUrl": "token"}}}
