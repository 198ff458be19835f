"""How the surfaces appear in the OpenAPI schema: credentials and the viewsets' schema."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import is_list_serializer

from chatproject.api.common.filters import EMPTY_IS_ABSENT

# The router regex of a path id: any one segment (the view parses it; see ``ids``).
ANY_SEGMENT = "[^/]+"


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


class SurfaceAutoSchema(AutoSchema):
    """The OpenAPI view of a surface's viewset says what the decorators say, nothing guessed.

    - An answer is a list when its serializer is declared ``many=True``, not because the
      action happens to be called ``list`` (``GET /v1/chats`` answers one paged object).
    - Descriptions come from ``extend_schema(description=...)`` only: docstrings are
      written for the people changing the code, not for API clients.
    """

    def _is_list_view(self, serializer=None) -> bool:
        if serializer is None:
            serializer = self.get_response_serializers()
        if isinstance(serializer, dict) and serializer:
            by_code = {str(code): s for code, s in serializer.items()}
            serializer = by_code[min(by_code)]
        return is_list_serializer(serializer)

    def get_description(self) -> str:
        return ""

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.pop(EMPTY_IS_ABSENT, False):
                parameter["allowEmptyValue"] = True
        return parameters

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        # drf-spectacular documents a blank-allowed string with a pattern as ``oneOf``
        # (the pattern, or blank); when the pattern also takes "" (optional text), ""
        # matches both and ``oneOf`` would call it invalid. "Either" is ``anyOf``.
        blank = {"type": "string", "maxLength": 0}
        if schema.get("oneOf", [None])[-1] == blank:
            schema["anyOf"] = schema.pop("oneOf")

    def _resolve_path_parameters(self, variables):
        # Path ids match any segment and are parsed in the view (a malformed one is a
        # 404 like an unknown one), so the router's catch-all regex is no contract.
        parameters = super()._resolve_path_parameters(variables)
        for parameter in parameters:
            if parameter["schema"].get("pattern") == f"^{ANY_SEGMENT}$":
                del parameter["schema"]["pattern"]
        return parameters


class DocumentedRules(OpenApiSerializerExtension):
    """A request serializer documents the rules its ``validate`` or the service behind it
    check across fields, so a request valid by the document is one the server takes:

    - ``exactly_one_of``: exactly one of these fields is present (``oneOf`` of ``required``);
    - ``schema_rules``: JSON Schema keywords, written as they are.
    """

    target_class = "rest_framework.serializers.Serializer"
    match_subclasses = True

    @classmethod
    def _matches(cls, target) -> bool:
        return super()._matches(target) and bool(
            getattr(target, "exactly_one_of", ()) or getattr(target, "schema_rules", None)
        )

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        if direction != "request":
            return schema
        rules = []
        if one_of := getattr(self.target, "exactly_one_of", ()):
            rules.append({"oneOf": [{"required": [name]} for name in one_of]})
        if extra := getattr(self.target, "schema_rules", None):
            rules.append(extra)
        if len(rules) == 1:
            schema.update(rules[0])
        else:
            schema["allOf"] = rules
        return schema
