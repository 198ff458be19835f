"""``POST /token``: the OAuth2 password grant of seed 004 (FastAPI's ``OAuth2PasswordBearer``).

Missing fields (also: a JSON body, which has no form fields) answer 422 in FastAPI's
validation shape; wrong credentials answer 401 with ``WWW-Authenticate: Bearer``, as
FastAPI's own password-flow recipe does.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from chatproject.accounts import throttle
from chatproject.accounts.services import token_obtain
from chatproject.errors import TooManyAttempts


def fastapi_validation_error(errors: list[tuple[tuple, str, str]]) -> dict:
    """``{"detail": [{"loc": [...], "msg": ..., "type": ...}]}`` as FastAPI answers 422."""
    return {"detail": [{"loc": list(loc), "msg": msg, "type": typ} for loc, msg, typ in errors]}


class TokenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [FormParser, MultiPartParser]

    @extend_schema(
        tags=["Messenger"],
        summary="Log in (OAuth2 password flow)",
        request=inline_serializer(
            "TokenRequest",
            {
                "username": serializers.CharField(),
                "password": serializers.CharField(),
                "grant_type": serializers.ChoiceField(
                    choices=["password"], required=False, allow_blank=True
                ),
            },
        ),
        responses={
            200: inline_serializer(
                "Token",
                {"access_token": serializers.CharField(), "token_type": serializers.CharField()},
            ),
            401: OpenApiResponse(description="Incorrect username or password"),
            429: OpenApiResponse(description="Too many failed attempts (see Retry-After)"),
            422: OpenApiResponse(description="Validation Error"),
        },
        auth=[],
    )
    def post(self, request):
        try:
            data = request.data
        except (exceptions.UnsupportedMediaType, exceptions.ParseError):
            # FastAPI reads form fields only: a JSON (or unreadable) body simply has none,
            # so it answers 422 "missing" for each, not 415.
            data = {}
        missing = [
            (("body", field), "Field required", "missing")
            for field in ("username", "password")
            if not data.get(field)
        ]
        grant_type = data.get("grant_type")
        if grant_type not in (None, "", "password"):
            missing.append(
                (
                    ("body", "grant_type"),
                    "String should match pattern '^password$'",
                    "string_pattern_mismatch",
                )
            )
        if missing:
            return Response(fastapi_validation_error(missing), status=422)
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
