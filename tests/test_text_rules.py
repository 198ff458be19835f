"""One text rule for every surface: what REST refuses, the websocket refuses too, in each
surface's own error format (the rule itself lives in ``chats.services``)."""

import json

import pytest
from rest_framework.test import APIClient

from chatproject.accounts.services import token_issue
from chats.models import Message
from tests import factories
from tests.realtime.conftest import connected, run

pytestmark = pytest.mark.django_db(transaction=True)

BAD_TEXT = ["nul \x00 inside", "lone \ud800 surrogate"]


def client(token: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api


def post_json(api: APIClient, path: str, body: dict):
    """JSON with ``\\u`` escapes, as a client would send a lone surrogate (it has no UTF-8)."""
    return api.post(path, json.dumps(body), content_type="application/json")


def over_socket(user, thread, text) -> dict:
    result = {}

    async def scenario():
        async with connected(user) as socket:
            await socket.send({"type": "message.send", "thread": str(thread.id), "text": text})
            result["frame"] = await socket.receive()

    run(scenario)
    return result["frame"]


@pytest.mark.parametrize("text", BAD_TEXT)
def test_socket_and_rest_refuse_the_same_text(custom_thread, session_thread, bob, text):
    team = post_json(
        client(factories.user_token(bob)),
        "/api/v1/chat/messages",
        {"thread": str(custom_thread.id), "content": text},
    )
    assert team.status_code == 400
    assert team.json()["error"]["field"] == "content"

    session = post_json(
        client(token_issue(user=bob, thread=session_thread)[1]), "/v1/chats", {"message": text}
    )
    assert session.status_code == 400
    assert list(session.json()["errors"]) == ["message"]

    frame = over_socket(bob, custom_thread, text)
    assert frame["type"] == "error"
    assert (frame["error"]["code"], frame["error"]["field"]) == ("invalid", "text")
    assert frame["error"]["detail"] == team.json()["error"]["message"]

    assert not Message.objects.exists()
