"""Outages answer 503 with ``Retry-After`` in each surface's format (``chatproject.outage``).

Redis outages are real: the cache or channel layer points at a port nobody listens on.
A database outage cannot be staged inside a test's own transaction, so those cases make
one read raise what a dropped connection raises (django.db.OperationalError); the real
PostgreSQL restart is ``test_faults.py``'s.
"""

import socket

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError
from django.test import Client
from rest_framework.test import APIClient

from chatproject import health, outage
from chatproject.accounts.services import token_issue
from chatproject.realtime import commands
from chats.models import Message
from tests import factories
from tests.realtime.conftest import communicator, run

pytestmark = pytest.mark.django_db


def dead_redis_url() -> str:
    """A Redis URL on a port that was free a moment ago: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def redis_cache_down(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def redis_layer_down(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": dead_redis_url(), "socket_connect_timeout": 1}]},
        }
    }


@pytest.fixture
def database_read_fails(monkeypatch):
    """Every thread list and thread lookup fails as with PostgreSQL gone mid-request."""

    def gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("chats.selectors.threads_with_activity", gone)
    monkeypatch.setattr("threads.selectors.thread_get_for_user", gone)


def assert_retry_later(response):
    assert response.status_code == 503, response.content
    assert response["Retry-After"] == str(outage.retry_after_s())
    assert response["Content-Type"].split(";")[0] in {
        "application/json",
        "application/problem+json",
    }
    return response.json()


# --- /healthz ---------------------------------------------------------------------------


def test_healthz_reports_the_database_and_channel_layer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["state"] == "up"
    assert body["channel_layer"]["state"] == "up"


def test_healthz_is_503_while_the_channel_layer_is_down(client, redis_layer_down):
    body = assert_retry_later(client.get("/healthz"))

    assert body["status"] == "unavailable"
    assert body["channel_layer"] == {"state": "down", "backend": "redis"}
    assert body["database"]["state"] == "up"


def test_healthz_is_503_while_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _BrokenConnection())
    body = assert_retry_later(client.get("/healthz"))

    assert body["database"]["state"] == "down"
    assert body["channel_layer"]["state"] == "up"


class _BrokenConnection:
    vendor = "sqlite"

    def cursor(self):
        raise OperationalError("unable to open database file")


# --- the APIs, in their own formats -----------------------------------------------------


def test_messenger_sign_in_with_redis_down_is_503_in_fastapi_format(redis_cache_down, alice):
    response = Client().post("/token", {"username": "alice", "password": "wrong"})

    assert assert_retry_later(response) == {"detail": outage.MESSAGE}


def test_support_api_key_check_with_redis_down_is_503_in_support_format(redis_cache_down):
    response = APIClient().get("/api/v1/chats", HTTP_AUTHORIZATION="not-a-key")

    body = assert_retry_later(response)
    assert body == {"code": "unavailable", "message": outage.MESSAGE, "parameter": None}


def test_team_api_with_database_down_is_503_in_team_format(alice, database_read_fails):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {factories.user_token(alice)}")

    body = assert_retry_later(api.get("/api/v1/chat/threads"))

    assert body == {"error": {"code": "unavailable", "message": outage.MESSAGE, "field": None}}


def test_session_api_with_database_down_is_503_problem_details(
    session_thread, alice, database_read_fails
):
    api = APIClient()
    token = token_issue(user=alice, thread=session_thread)[1]
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api.get("/v1/chats")

    body = assert_retry_later(response)
    assert response["Content-Type"] == "application/problem+json"
    assert body["status"] == 503 and body["title"] == "Service Unavailable"


# --- pages and their JSON endpoints -----------------------------------------------------


def test_sign_in_form_with_redis_down_is_503_json_not_an_html_500(redis_cache_down, alice):
    response = Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})

    body = assert_retry_later(response)
    assert body["error"]["code"] == "unavailable"


def test_a_page_with_database_down_is_503_json(alice, database_read_fails):
    browser = Client()
    browser.force_login(alice)
    response = browser.get("/")  # the sidebar's thread list fails

    assert assert_retry_later(response)["error"]["code"] == "unavailable"


def test_an_outage_raised_by_middleware_is_503_not_an_html_500(alice, monkeypatch):
    """The session is saved after the view: an outage there reaches handler500."""

    def gone(self, *args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr("django.contrib.sessions.backends.db.SessionStore.save", gone)
    response = Client(raise_request_exception=False).post(
        "/accounts/login/", {"username": "alice", "password": factories.PASSWORD}
    )

    assert assert_retry_later(response)["error"]["code"] == "unavailable"


# --- the live-event socket --------------------------------------------------------------


def test_message_send_during_an_outage_answers_unavailable_and_stores_nothing(
    custom_thread, bob, monkeypatch
):
    def gone(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr("chats.services.message_send", gone)
    reply = commands.run(
        commands.COMMANDS["message.send"],
        {"type": "message.send", "thread": str(custom_thread.id), "text": "hi", "client_id": "c"},
        actor=bob,
        session_thread_id=None,
    )

    assert reply["type"] == "error" and reply["client_id"] == "c"
    assert reply["error"]["code"] == "unavailable"
    assert reply["error"]["retry_after"] == outage.retry_after_s()
    assert not Message.objects.filter(author=bob).exists()


@pytest.mark.django_db(transaction=True)
def test_the_socket_closes_with_1013_while_the_channel_layer_is_down(redis_layer_down, alice):
    async def scenario():
        comm = communicator(token=await database_sync_to_async(factories.user_token)(alice))
        accepted, _ = await comm.connect(timeout=5)
        assert accepted  # accepted so that the client hears the code
        closed = await comm.receive_output(timeout=5)
        await comm.wait(timeout=1)
        return closed

    closed = run(scenario)

    assert closed == {"type": "websocket.close", "code": outage.CLOSE_TRY_AGAIN}
