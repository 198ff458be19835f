"""How each credential appears in the OpenAPI schema (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class UserTokenScheme(OpenApiAuthenticationExtension):
    target_class = "chatproject.api.common.auth.UserTokenAuthentication"
    name = "UserBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A user token from POST /token (OAuth2 password flow).",
        }


class SessionTokenScheme(OpenApiAuthenticationExtension):
    target_class = "chatproject.api.common.auth.SessionTokenAuthentication"
    name = "SessionBearer"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A session token from POST /v1/sessions or /v1/sessions/{id}/join.",
        }


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "chatproject.api.common.auth.ApiKeyAuthentication"
    name = "WorkspaceApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A workspace API key (also accepted as 'Bearer <key>').",
        }
