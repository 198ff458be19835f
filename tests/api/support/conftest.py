import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from chatproject.accounts import services as accounts
from chatproject.actors import SYSTEM
from chats import services as chat_services
from tests import factories
from threads import services as thread_services


class SupportClient(APIClient):
    """An API client speaking for one workspace with one of its API keys (or for nobody).

    ``Authorization: <key>`` exactly as seed 003 shows it (no scheme)."""

    def __init__(self, key: str | None = None):
        super().__init__()
        self.default_format = "json"
        if key:
            self.credentials(HTTP_AUTHORIZATION=key)


def make_key(workspace) -> str:
    return accounts.api_key_create(workspace=workspace, name="tests")[1]


@pytest.fixture
def key(workspace) -> str:
    return make_key(workspace)


@pytest.fixture
def api(key) -> SupportClient:
    return SupportClient(key)


@pytest.fixture
def other_workspace(db):
    return factories.WorkspaceFactory()


@pytest.fixture
def other_api(other_workspace) -> SupportClient:
    return SupportClient(make_key(other_workspace))


@pytest.fixture
def customer(workspace):
    return factories.ExternalUserFactory(workspace=workspace, name="Erin Evans")


@pytest.fixture
def channel(workspace):
    return factories.ChannelFactory(workspace=workspace, name="Website", type="widget")


@pytest.fixture
def make_chat(workspace):
    def make(owner=None, **fields):
        owner = owner or factories.ExternalUserFactory(workspace=workspace)
        return thread_services.support_chat_create(
            workspace=workspace, owner=owner, actor=SYSTEM, **fields
        )

    return make


@pytest.fixture
def chat(make_chat, customer, channel):
    return make_chat(customer, channel=channel, title="Where is my order?")


def say(chat, role: str, text: str):
    return chat_services.support_message_send(chat=chat, role=role, text=text, actor=SYSTEM)


def count_queries(client, url: str, params=None) -> tuple[int, object]:
    client.get(url, params)  # warm-up: the key's last_used_at write happens once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response
