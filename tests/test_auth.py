"""Credentials: the password grant (``POST /token``), bearer tokens and Support API keys."""

import io
import json
from urllib.parse import urlencode

import pytest
from django.core.management import CommandError, call_command
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory
from rest_framework.views import APIView

from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken
from chatproject.api.common.auth import (
    ApiKeyAuthentication,
    SessionTokenAuthentication,
    UserTokenAuthentication,
)
from tests.factories import PASSWORD, WorkspaceFactory

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


def post_token(client, data: dict, content_type: str = FORM):
    body = urlencode(data) if content_type == FORM else json.dumps(data)
    return client.post("/token", body, content_type=content_type)


# --- POST /token --------------------------------------------------------------------------


def test_password_grant_returns_a_bearer_token_that_authenticates(client, alice):
    response = post_token(client, {"username": "alice", "password": PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type"}
    assert body["token_type"] == "bearer"
    token = accounts.token_authenticate(body["access_token"], kind="user")
    assert token is not None and token.user == alice


def test_password_grant_accepts_multipart_form(client, alice):
    response = client.post("/token", {"username": "alice", "password": PASSWORD})

    assert response.status_code == 200


def test_wrong_password_is_401_with_bearer_challenge_and_issues_nothing(client, alice):
    response = post_token(client, {"username": "alice", "password": "wrong"})

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json() == {"detail": "Incorrect username or password"}
    assert not AccessToken.objects.exists()


def test_unknown_user_is_401(client, db):
    response = post_token(client, {"username": "nobody", "password": PASSWORD})

    assert response.status_code == 401
    assert not AccessToken.objects.exists()


def test_inactive_user_cannot_obtain_a_token(client, make_user):
    make_user(username="gone", is_active=False)

    response = post_token(client, {"username": "gone", "password": PASSWORD})

    assert response.status_code == 401
    assert not AccessToken.objects.exists()


def test_missing_username_is_422_in_fastapi_shape(client, alice):
    response = post_token(client, {"password": PASSWORD})

    assert response.status_code == 422
    detail = response.json()["detail"]
    assert len(detail) == 1
    assert detail[0]["loc"] == ["body", "username"]
    assert detail[0]["type"] == "missing"
    assert isinstance(detail[0]["msg"], str) and detail[0]["msg"]
    assert not AccessToken.objects.exists()


def test_every_missing_field_is_reported(client, db):
    response = post_token(client, {})

    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "username"], "missing"),
        (["body", "password"], "missing"),
    ]


def test_json_body_is_422_because_form_fields_are_missing(client, alice):
    response = post_token(
        client, {"username": "alice", "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [
        (["body", "username"], "missing"),
        (["body", "password"], "missing"),
    ]
    assert not AccessToken.objects.exists()


def test_grant_type_other_than_password_is_422(client, alice):
    response = post_token(
        client, {"username": "alice", "password": PASSWORD, "grant_type": "client_credentials"}
    )

    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "grant_type"]]


def test_grant_type_password_is_accepted(client, alice):
    response = post_token(
        client, {"username": "alice", "password": PASSWORD, "grant_type": "password"}
    )

    assert response.status_code == 200


# --- bearer tokens ---------------------------------------------------------------------------


def test_tokens_are_stored_only_as_a_digest(alice):
    token, raw = accounts.token_issue(user=alice)

    stored = AccessToken.objects.filter(pk=token.pk).values().get()
    assert all(raw not in str(value) for value in stored.values())
    assert stored["token_hash"] == accounts.digest(raw)


def test_revoked_token_no_longer_authenticates(alice):
    token, raw = accounts.token_issue(user=alice)

    accounts.token_revoke(token=token)

    assert accounts.token_authenticate(raw, kind="user") is None


def test_inactive_users_token_no_longer_authenticates(alice):
    _, raw = accounts.token_issue(user=alice)
    alice.is_active = False
    alice.save(update_fields=["is_active"])

    assert accounts.token_authenticate(raw, kind="user") is None


def test_unknown_or_empty_token_does_not_authenticate(db):
    assert accounts.token_authenticate("cht_not-a-token", kind="user") is None
    assert accounts.token_authenticate("", kind="user") is None


def test_last_used_is_set_on_first_use(alice):
    token, raw = accounts.token_issue(user=alice)
    assert token.last_used_at is None

    accounts.token_authenticate(raw, kind="user")

    token.refresh_from_db()
    assert token.last_used_at is not None


def test_last_used_is_not_rewritten_within_the_resolution_window(alice, django_assert_num_queries):
    token, raw = accounts.token_issue(user=alice)
    accounts.token_authenticate(raw, kind="user")
    token.refresh_from_db()
    first_use = token.last_used_at

    with django_assert_num_queries(1):  # the lookup only, no UPDATE
        accounts.token_authenticate(raw, kind="user")

    token.refresh_from_db()
    assert token.last_used_at == first_use


def test_last_used_is_rewritten_once_the_window_has_passed(
    alice, settings, django_assert_num_queries
):
    settings.TOKEN_LAST_USED_RESOLUTION_S = 0
    token, raw = accounts.token_issue(user=alice)
    accounts.token_authenticate(raw, kind="user")
    token.refresh_from_db()
    first_use = token.last_used_at

    with django_assert_num_queries(2):  # lookup and UPDATE
        accounts.token_authenticate(raw, kind="user")

    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_session_token_is_not_a_user_token_and_vice_versa(alice, session_thread):
    _, session_raw = accounts.token_issue(user=alice, thread=session_thread)
    _, user_raw = accounts.token_issue(user=alice)

    assert accounts.token_authenticate(session_raw, kind="user") is None
    assert accounts.token_authenticate(user_raw, kind="session") is None
    assert accounts.token_authenticate(session_raw, kind="session").thread == session_thread
    assert accounts.token_authenticate(user_raw, kind="user").user == alice


# --- the DRF authentication classes ----------------------------------------------------------


class WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"user": str(getattr(request.user, "pk", None))})


class UserTokenView(WhoAmI):
    authentication_classes = [UserTokenAuthentication]


class SessionTokenView(WhoAmI):
    authentication_classes = [SessionTokenAuthentication]


class ApiKeyView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request):
        return Response({"workspace": request.user.workspace.slug})


def call(view, authorization: str | None = None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    request = APIRequestFactory().get("/whatever", **headers)
    return view.as_view()(request)


def test_bearer_user_token_authenticates_the_user(alice):
    _, raw = accounts.token_issue(user=alice)

    response = call(UserTokenView, f"Bearer {raw}")

    assert response.status_code == 200
    assert response.data == {"user": str(alice.pk)}


def test_session_token_is_refused_where_a_user_token_is_expected(alice, session_thread):
    _, session_raw = accounts.token_issue(user=alice, thread=session_thread)

    assert call(UserTokenView, f"Bearer {session_raw}").status_code == 401


def test_user_token_is_refused_where_a_session_token_is_expected(alice):
    _, user_raw = accounts.token_issue(user=alice)

    assert call(SessionTokenView, f"Bearer {user_raw}").status_code == 401


def test_missing_bearer_token_is_401(db):
    assert call(UserTokenView).status_code == 401


@pytest.fixture
def api_key(workspace):
    return accounts.api_key_create(workspace=workspace, name="test")


def test_api_key_is_accepted_bare_and_as_bearer(api_key):
    _, raw = api_key

    bare = call(ApiKeyView, raw)
    bearer = call(ApiKeyView, f"Bearer {raw}")

    assert (bare.status_code, bare.data) == (200, {"workspace": "default"})
    assert (bearer.status_code, bearer.data) == (200, {"workspace": "default"})


def test_wrong_api_key_is_401(api_key):
    assert call(ApiKeyView, "chk_wrong").status_code == 401
    assert call(ApiKeyView).status_code == 401


def test_revoked_api_key_is_401(api_key):
    key, raw = api_key

    accounts.api_key_revoke(key=key)

    assert call(ApiKeyView, raw).status_code == 401


def test_user_token_is_not_an_api_key(alice):
    _, raw = accounts.token_issue(user=alice)

    assert call(ApiKeyView, f"Bearer {raw}").status_code == 401


def test_api_keys_are_stored_only_as_a_digest(api_key):
    key, raw = api_key

    stored = type(key).objects.filter(pk=key.pk).values().get()
    assert all(raw not in str(value) for value in stored.values())


def test_api_key_belongs_to_its_workspace_only(db):
    other = WorkspaceFactory()
    _, raw = accounts.api_key_create(workspace=other)

    assert call(ApiKeyView, raw).data == {"workspace": other.slug}


# --- create_api_key --------------------------------------------------------------------------


def test_create_api_key_prints_a_key_that_authenticates(workspace):
    out = io.StringIO()

    call_command("create_api_key", "default", stdout=out)

    raw = out.getvalue().strip()
    assert accounts.api_key_authenticate(raw).workspace == workspace


def test_create_api_key_accepts_the_workspace_id(workspace):
    out = io.StringIO()

    call_command("create_api_key", str(workspace.pk), stdout=out)

    assert accounts.api_key_authenticate(out.getvalue().strip()).workspace == workspace


@pytest.mark.parametrize("name", ["no-such-workspace", "5d0c2d1e-4a57-4a3e-9a43-0d6c1b2a9f00"])
def test_create_api_key_for_unknown_workspace_fails(db, name):
    with pytest.raises(CommandError, match="No workspace"):
        call_command("create_api_key", name, stdout=io.StringIO())
