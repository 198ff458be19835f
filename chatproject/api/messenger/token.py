"""``POST /token``: the OAuth2 password grant of seed 004 (FastAPI's ``OAuth2PasswordBearer``).

The form is FastAPI's ``OAuth2PasswordRequestForm``: ``username``, ``password``, optional
``grant_type`` (only ``password``), ``scope``, ``client_id``, ``client_secret`` (accepted and
ignored: tokens carry no scopes). Missing fields (also: a JSON body, which has no form
fields) answer 422 in FastAPI's validation shape; wrong credentials answer 401 with
``WWW-Authenticate: Bearer``, as FastAPI's own password-flow recipe does.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from chatproject.accounts import throttle
from chatproject.accounts.services import token_obtain
from chatproject.api.messenger import errors
from chatproject.api.messenger.schema import MessengerAutoSchema
from chatproject.api.messenger.serializers import HTTPValidationError
from chatproject.errors import TooManyAttempts


class TokenForm(serializers.Serializer):
    component_name = "Body_login_for_access_token_token_post"

    grant_type = serializers.RegexField(r"^password$", required=False, allow_null=True)
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"})
    scope = serializers.CharField(required=False, default="")
    client_id = serializers.CharField(required=False, allow_null=True)
    client_secret = serializers.CharField(required=False, allow_null=True)


class Token(serializers.Serializer):
    access_token = serializers.CharField()
    token_type = serializers.CharField()


class TokenViewSet(viewsets.ViewSet):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser]
    schema = MessengerAutoSchema()

    def get_exception_handler(self):
        return errors.exception_handler

    @extend_schema(
        operation_id="login_for_access_token_token_post",
        tags=["auth"],
        summary="Login For Access Token",
        description="OAuth2 password flow: form `username`, `password` (and optionally "
        "`grant_type=password`, `scope`). The token goes in `Authorization: Bearer <token>`.",
        request={"application/x-www-form-urlencoded": TokenForm},
        responses={
            200: OpenApiResponse(Token, description="Successful Response"),
            401: OpenApiResponse(description="Incorrect username or password"),
            422: OpenApiResponse(HTTPValidationError, description="Validation Error"),
            429: OpenApiResponse(description="Too many failed attempts (see Retry-After)"),
        },
        auth=[],
    )
    def create(self, request):
        try:
            data = request.data
        except (exceptions.UnsupportedMediaType, exceptions.ParseError):
            # FastAPI reads form fields only: a JSON (or unreadable) body simply has none,
            # so it answers 422 "missing" for each, not 415.
            data = {}
        problems = [
            errors.error_item(("body", field), "missing", "Field required", None)
            for field in ("username", "password")
            if not data.get(field)
        ]
        grant_type = data.get("grant_type")
        if grant_type not in (None, "", "password"):
            problems.append(
                errors.error_item(
                    ("body", "grant_type"),
                    "string_pattern_mismatch",
                    "String should match pattern '^password$'",
                    grant_type,
                )
            )
        if problems:
            return Response({"detail": problems}, status=422)
        try:
            issued = token_obtain(
                username=data["username"],
                password=data["password"],
                client=throttle.client_of(request),
            )
        except TooManyAttempts as error:
            return Response(
                {"detail": error.detail},
                status=429,
                headers={"Retry-After": str(error.retry_after)},
            )
        if issued is None:
            return Response(
                {"detail": "Incorrect username or password"},
                status=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        _, raw = issued
        return Response({"access_token": raw, "token_type": "bearer"})
