"""Who may call the Messenger API, answered as FastAPI's ``OAuth2PasswordBearer`` does."""

import pytest

from chatproject.accounts import services as accounts
from tests import factories
from tests.api.messenger.conftest import MessengerClient, assert_detail

CHAT = "00000000-0000-4000-8000-000000000001"  # fixed: test ids must match across workers
ENDPOINTS = [
    ("get", "/chats"),
    ("post", "/chats"),
    ("get", f"/chats/{CHAT}"),
    ("post", f"/chats/{CHAT}/messages"),
    ("post", "/uploads"),
    ("get", f"/uploads/{CHAT}"),
    ("get", f"/uploads/{CHAT}/thumbnail"),
]


def call(client, method, path):
    return getattr(client, method)(path, {} if method == "post" else None)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer   ", "Basic YWxpY2U6c2VjcmV0", "Token abc", "bearer"],
    ids=["absent", "empty", "bearer-only", "bearer-blank", "basic", "other-scheme", "lower"],
)
def test_no_usable_authorization_is_not_authenticated(db, method, path, header):
    client = MessengerClient()
    if header is not None:
        client.credentials(HTTP_AUTHORIZATION=header)

    response = call(client, method, path)

    assert_detail(response, 401, "Not authenticated")
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_unknown_token_cannot_be_validated(db, method, path):
    response = call(MessengerClient("cht_not-a-real-token"), method, path)

    assert_detail(response, 401, "Could not validate credentials")
    assert response["WWW-Authenticate"] == "Bearer"


def test_revoked_token_cannot_be_validated(alice):
    token, raw = accounts.token_issue(user=alice)
    accounts.token_revoke(token=token)

    assert_detail(MessengerClient(raw).get("/chats"), 401, "Could not validate credentials")


def test_session_token_is_refused(session_thread, bob):
    _, raw = accounts.token_issue(user=bob, thread=session_thread)

    assert_detail(MessengerClient(raw).get("/chats"), 401, "Could not validate credentials")


def test_workspace_api_key_is_refused(workspace):
    _, raw = accounts.api_key_create(workspace=workspace, name="support")

    assert_detail(MessengerClient(raw).get("/chats"), 401, "Could not validate credentials")


def test_a_token_from_post_token_works_here(client, alice):
    response = client.post(
        "/token",
        {
            "username": "alice",
            "password": factories.PASSWORD,
            "grant_type": "password",
            "scope": "chats:read chats:write",
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "bearer"

    answer = MessengerClient(response.json()["access_token"]).get("/chats")

    assert answer.status_code == 200


def test_authentication_is_checked_before_validation(db):
    """FastAPI resolves the security dependency first: a bad request without a token is 401."""
    response = MessengerClient().get("/chats/not-a-uuid?limit=0")
    assert_detail(response, 401, "Not authenticated")
