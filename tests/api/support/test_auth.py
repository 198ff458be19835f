"""Support API credentials: a workspace API key, and nothing else; and the API key nowhere else."""

import pytest

from chatproject.accounts import services as accounts
from tests import factories
from tests.api.support.conftest import SupportClient

SUPPORT_PATHS = [
    "/api/v1/chats",
    "/api/v1/chats/details",
    "/api/v1/channels",
    "/api/v1/external-users",
    "/api/v1/members",
    "/api/v1/responders",
    "/api/v1/tickets",
]


def assert_unauthorized(response):
    assert response.status_code == 401, response.content
    assert response.json()["code"] == "unauthorized"
    assert response.json()["parameter"] is None
    assert response["WWW-Authenticate"]


@pytest.mark.parametrize("path", SUPPORT_PATHS)
def test_a_key_as_the_seed_shows_it_and_as_a_bearer_token_both_work(key, path):
    assert SupportClient(key).get(path).status_code == 200
    bearer = SupportClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert bearer.get(path).status_code == 200


def test_the_scheme_the_challenge_names_is_accepted_too(db, key):
    refused = SupportClient().get("/api/v1/chats")
    scheme = refused["WWW-Authenticate"].split()[0]
    client = SupportClient()

    for header in (f"{scheme} {key}", f"{scheme.lower()}   {key}"):
        client.credentials(HTTP_AUTHORIZATION=header)
        assert client.get("/api/v1/chats").status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} chk_not-a-key")
    assert_unauthorized(client.get("/api/v1/chats"))


@pytest.mark.parametrize("path", SUPPORT_PATHS)
def test_missing_and_unknown_keys_are_401(db, path):
    assert_unauthorized(SupportClient().get(path))
    assert_unauthorized(SupportClient("chk_not-a-key").get(path))


def test_a_revoked_key_is_401_at_once(workspace, key, api):
    assert api.get("/api/v1/chats").status_code == 200
    accounts.api_key_revoke(key=accounts.api_key_authenticate(key))
    assert_unauthorized(api.get("/api/v1/chats"))
    assert_unauthorized(api.post("/api/v1/chats", {}))


def test_a_user_token_is_not_an_api_key(alice):
    token = factories.user_token(alice)
    client = SupportClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert_unauthorized(client.get("/api/v1/chats"))
    assert_unauthorized(SupportClient(token).get("/api/v1/chats"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/chat/threads",  # Team API
        "/api/v1/users",  # Team API
        "/v1/chats",  # Session API
    ],
)
def test_an_api_key_means_nothing_to_the_other_surfaces(key, path):
    client = SupportClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get(path).status_code == 401
    assert SupportClient(key).get(path).status_code == 401
