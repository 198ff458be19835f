"""The socket's commands (``chatproject.realtime.commands``), called without a socket.

A frame in, a reply frame out; the database shows what changed. The end-to-end path
over a socket is in ``test_send.py``.
"""

import json

import pytest

from chatproject.accounts import services as accounts
from chatproject.errors import InvalidInput
from chatproject.realtime import commands
from chats import services as chat_services
from chats.models import Message

pytestmark = pytest.mark.django_db


def send(frame, *, actor, session_thread_id=None) -> dict:
    return commands.run(
        commands.COMMANDS["message.send"],
        {"type": "message.send", **frame},
        actor=actor,
        session_thread_id=session_thread_id,
    )


def error_of(reply) -> tuple[str, str | None]:
    assert reply["type"] == "error", reply
    return reply["error"]["code"], reply["error"]["field"]


def test_message_send_posts_through_the_service_and_acks_with_the_payload(custom_thread, bob):
    reply = send({"thread": str(custom_thread.id), "text": "  hello ", "client_id": 7}, actor=bob)
    assert reply["type"] == "message.ack" and reply["client_id"] == 7
    stored = Message.objects.get(thread=custom_thread, author=bob)
    assert stored.text == "hello" and stored.client_id == "7"
    assert reply["message"]["id"] == stored.id
    assert reply["message"]["text"] == "hello"


def test_a_retried_client_id_acks_the_first_message(custom_thread, bob):
    frame = {"thread": str(custom_thread.id), "text": "once", "client_id": "c-1"}
    first, second = send(frame, actor=bob), send(frame, actor=bob)
    assert first["message"]["id"] == second["message"]["id"]
    assert Message.objects.filter(thread=custom_thread, author=bob).count() == 1


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ({"text": "hi"}, ("invalid", "thread")),
        ({"thread": "   ", "text": "hi"}, ("invalid", "thread")),
        ({"thread": ["x"], "text": "hi"}, ("invalid", "thread")),
        ({"thread": "not-a-uuid", "text": "hi"}, ("not_found", None)),
        ({"thread": "{thread}", "text": 5}, ("invalid", "text")),
        ({"thread": "{thread}", "text": "  "}, ("invalid", "text")),
        ({"thread": "{thread}", "text": "nul\x00"}, ("invalid", "text")),
        ({"thread": "{thread}", "text": "lone \ud800"}, ("invalid", "text")),
        ({"thread": "{thread}", "text": "hi", "client_id": {"a": 1}}, ("invalid", "client_id")),
        ({"thread": "{thread}", "text": "hi", "reply_to": "nope"}, ("invalid", "reply_to")),
        ({"thread": "{thread}", "text": "hi", "reply_to": ["x"]}, ("invalid", "reply_to")),
    ],
)
def test_malformed_frames_are_refused_with_their_field_and_change_nothing(
    custom_thread, bob, frame, expected
):
    frame = {k: (str(custom_thread.id) if v == "{thread}" else v) for k, v in frame.items()}
    reply = send({**frame, "client_id": frame.get("client_id", "c-9")}, actor=bob)
    assert error_of(reply) == expected
    assert reply["client_id"] == frame.get("client_id", "c-9")
    assert not Message.objects.filter(thread=custom_thread).exists()


def test_a_thread_the_user_may_not_see_is_not_found(custom_thread, carol):
    reply = send({"thread": str(custom_thread.id), "text": "hi"}, actor=carol)
    assert error_of(reply) == ("not_found", None)
    assert not Message.objects.filter(thread=custom_thread).exists()


def test_a_reply_to_a_message_of_another_thread_is_invalid(
    custom_thread, session_thread, alice, bob
):
    elsewhere = chat_services.message_send(thread=session_thread, actor=alice, text="there")
    reply = send(
        {"thread": str(custom_thread.id), "text": "hi", "reply_to": str(elsewhere.id)}, actor=bob
    )
    assert error_of(reply) == ("invalid", "reply_to")


def test_a_reply_in_the_same_thread_is_sent(custom_thread, alice, bob):
    original = chat_services.message_send(thread=custom_thread, actor=alice, text="question")
    reply = send(
        {"thread": str(custom_thread.id), "text": "answer", "reply_to": str(original.id)},
        actor=bob,
    )
    assert reply["message"]["reply_to"] == original.id


def test_a_session_token_posts_to_its_own_session_only(session_thread, custom_thread, bob):
    token, _ = accounts.token_issue(user=bob, thread=session_thread)
    scope = str(token.thread_id)
    reply = send({"thread": str(custom_thread.id), "text": "x"}, actor=bob, session_thread_id=scope)
    assert error_of(reply) == ("not_found", None)
    reply = send(
        {"thread": str(session_thread.id), "text": "x"}, actor=bob, session_thread_id=scope
    )
    assert reply["type"] == "message.ack"


DEEP_OBJECT = '{"type": "ping", "x": ' + "[" * 100 + "]" * 100 + "}"


@pytest.mark.parametrize(
    "text", ["not json", "[1, 2]", '"a string"', "", None, "[" * 100_000, DEEP_OBJECT]
)
def test_a_frame_that_is_not_a_json_object_is_invalid(text):
    with pytest.raises(InvalidInput):
        commands.parse_frame(text)


def test_text_refused_over_rest_is_refused_over_the_socket(custom_thread, bob):
    """NUL and lone surrogates arrive as JSON escapes; the service refuses them here too."""
    frame = commands.parse_frame(
        json.dumps({"type": "message.send", "thread": str(custom_thread.id), "text": "a\u0000"})
    )
    reply = commands.run(commands.message_send, frame, actor=bob, session_thread_id=None)
    assert error_of(reply) == ("invalid", "text")
    assert not Message.objects.filter(thread=custom_thread).exists()


def test_a_json_object_frame_is_parsed():
    assert commands.parse_frame(json.dumps({"type": "ping"})) == {"type": "ping"}


def test_an_unknown_frame_type_names_the_type_field():
    reply = commands.unknown_frame({"type": "subscribe", "client_id": "x"})
    assert reply == {
        "type": "error",
        "client_id": "x",
        "error": {"code": "invalid", "detail": "Unknown frame type.", "field": "type"},
    }
