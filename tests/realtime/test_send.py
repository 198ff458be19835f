"""Sending over the socket (``message.send``) and the heartbeat."""

import pytest
from django.test import override_settings

from chatproject.accounts import services as accounts
from chats import services as chat_services
from chats.models import Message
from tests.realtime.conftest import connected, run

pytestmark = pytest.mark.django_db(transaction=True)


def message_count(thread) -> int:
    return Message.objects.filter(thread=thread).count()


def test_send_is_acknowledged_with_the_message_and_heard_by_members(custom_thread, alice, bob):
    async def scenario():
        async with connected(bob) as b, connected(alice) as a:
            await b.send(
                {
                    "type": "message.send",
                    "thread": str(custom_thread.id),
                    "text": " hi ",
                    "client_id": "c-1",
                }
            )
            ack = await b.receive()
            assert ack["type"] == "message.ack"
            assert ack["client_id"] == "c-1"
            message = ack["message"]
            assert message["text"] == "hi"
            assert message["author"] == {"id": str(bob.id), "name": "Bob"}
            assert message["thread"] == str(custom_thread.id)
            heard = (await a.receive_events(1))[0]
            assert heard["type"] == "message.created"
            assert heard["data"]["message"] == message  # the same payload as the event
            assert (await b.receive_events(1))[0]["id"] == heard["id"]

    run(scenario)


def test_same_client_id_twice_creates_one_message_and_two_acks(custom_thread, bob):
    before = message_count(custom_thread)

    async def scenario():
        async with connected(bob) as socket:
            frame = {
                "type": "message.send",
                "thread": str(custom_thread.id),
                "text": "once",
                "client_id": "retry-7",
            }
            await socket.send(frame)
            await socket.send(frame)
            frames = await socket.receive_events(3)
            acks = [f for f in frames if f["type"] == "message.ack"]
            created = [f for f in frames if f["type"] == "message.created"]
            assert len(acks) == 2 and len(created) == 1
            assert acks[0]["message"]["id"] == acks[1]["message"]["id"]
            assert created[0]["data"]["message"]["id"] == acks[0]["message"]["id"]
            assert await socket.silent()

    run(scenario)
    assert message_count(custom_thread) == before + 1


def _error_for(user, frame, **credentials):
    result = {}

    async def scenario():
        async with connected(user, **credentials) as socket:
            await socket.send(frame)
            result["frame"] = await socket.receive()
            assert await socket.silent()

    run(scenario)
    return result["frame"]


def test_empty_text_is_invalid_and_changes_nothing(custom_thread, bob):
    before = message_count(custom_thread)
    error = _error_for(
        bob,
        {"type": "message.send", "thread": str(custom_thread.id), "text": "  ", "client_id": "e-1"},
    )
    assert error["type"] == "error"
    assert error["client_id"] == "e-1"
    assert error["error"]["code"] == "invalid"
    assert error["error"]["field"] == "text"
    assert error["error"]["detail"]
    assert message_count(custom_thread) == before


def test_text_over_the_session_limit_is_invalid(settings, session_thread, bob):
    settings.CHAT_SESSION_MESSAGE_MAX_LENGTH = 5
    error = _error_for(
        bob, {"type": "message.send", "thread": str(session_thread.id), "text": "toolong"}
    )
    assert (error["error"]["code"], error["error"]["field"]) == ("invalid", "text")


def test_thread_the_user_is_not_in_is_not_found(custom_thread, carol):
    before = message_count(custom_thread)
    error = _error_for(
        carol, {"type": "message.send", "thread": str(custom_thread.id), "text": "hi"}
    )
    assert error["error"]["code"] == "not_found"
    assert message_count(custom_thread) == before


@pytest.mark.parametrize(
    ("thread", "code"),
    [(None, "invalid"), ("", "invalid"), (42, "invalid"), ("not-a-uuid", "not_found")],
)
def test_missing_or_malformed_thread_is_refused(bob, thread, code):
    error = _error_for(bob, {"type": "message.send", "thread": thread, "text": "hi"})
    assert error["type"] == "error"
    assert error["error"]["code"] == code
    if code == "invalid":
        assert error["error"]["field"] == "thread"


def test_reply_is_sent_and_a_reply_outside_the_thread_is_invalid(custom_thread, bob):
    original = chat_services.message_send(thread=custom_thread, actor=bob, text="question")

    async def scenario():
        async with connected(bob) as socket:
            thread = str(custom_thread.id)
            await socket.send(
                {
                    "type": "message.send",
                    "thread": thread,
                    "text": "answer",
                    "reply_to": str(original.id),
                }
            )
            ack = next(f for f in await socket.receive_events(2) if f["type"] == "message.ack")
            assert ack["message"]["reply_to"] == str(original.id)
            await socket.send(
                {"type": "message.send", "thread": thread, "text": "x", "reply_to": "nope"}
            )
            error = await socket.receive()
            assert (error["error"]["code"], error["error"]["field"]) == ("invalid", "reply_to")

    run(scenario)


def test_session_token_may_send_to_its_own_session_only(session_thread, custom_thread, bob):
    _, raw = accounts.token_issue(user=bob, thread=session_thread)
    error = _error_for(
        None,
        {"type": "message.send", "thread": str(custom_thread.id), "text": "elsewhere"},
        header_token=raw,
    )
    assert error["error"]["code"] == "not_found"

    async def scenario():
        async with connected(header_token=raw) as socket:
            await socket.send(
                {"type": "message.send", "thread": str(session_thread.id), "text": "here"}
            )
            frames = await socket.receive_events(2)
            assert {f["type"] for f in frames} == {"message.ack", "message.created"}

    run(scenario)


def test_unknown_frame_type_is_invalid(bob):
    error = _error_for(bob, {"type": "subscribe", "client_id": "x"})
    assert error["error"] == {"code": "invalid", "detail": "Unknown frame type.", "field": "type"}


def test_frame_that_is_not_a_json_object_is_invalid(bob):
    for frame in ("not json", "[1, 2]"):
        assert _error_for(bob, frame)["error"]["code"] == "invalid"


def test_client_ping_gets_pong(bob):
    async def scenario():
        async with connected(bob) as socket:
            await socket.send({"type": "ping"})
            assert await socket.receive() == {"type": "pong"}

    run(scenario)


@override_settings(CHAT_EVENTS_PING_INTERVAL_S=0.1)
def test_server_pings_idle_sockets(bob):
    async def scenario():
        async with connected(bob) as socket:
            assert await socket.receive() == {"type": "ping"}
            assert await socket.receive() == {"type": "ping"}

    run(scenario)
