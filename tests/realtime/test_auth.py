"""Who may open ``/ws/events/``: cookie, ``?token=``, bearer header, session token; origin."""

import pytest

from chatproject.accounts import services as accounts
from chats import services as chat_services
from tests import factories
from tests.realtime.conftest import communicator, connected, db, run, session_cookie
from threads import services as thread_services

pytestmark = pytest.mark.django_db(transaction=True)


def _hears_message(thread, author, **credentials):
    async def scenario():
        async with connected(**credentials) as socket:
            await db(chat_services.message_send)(thread=thread, actor=author, text="hello")
            frame = await socket.receive()
            assert frame["type"] == "message.created"
            assert frame["data"]["message"]["text"] == "hello"

    run(scenario)


def test_user_token_in_query_string_subscribes(custom_thread, alice, bob):
    _hears_message(custom_thread, alice, token=factories.user_token(bob))


def test_bearer_header_subscribes(custom_thread, alice, bob):
    _hears_message(custom_thread, alice, header_token=factories.user_token(bob))


def test_browser_session_cookie_subscribes(custom_thread, alice, bob):
    _hears_message(custom_thread, alice, cookie=session_cookie(bob))


def _closed_with(code, **credentials):
    async def scenario():
        comm = communicator(**credentials)
        accepted, _ = await comm.connect()
        try:
            assert accepted  # accepted, then closed: the client can read why
            assert await comm.receive_output(5) == {"type": "websocket.close", "code": code}
        finally:
            await comm.disconnect()

    run(scenario)


def test_without_credentials_the_socket_is_closed_with_4401(db):
    _closed_with(4401)


def test_unknown_token_is_closed_with_4401(db):
    _closed_with(4401, token="cht_not-a-real-token")


def test_bad_token_is_not_rescued_by_a_session_cookie(bob):
    _closed_with(4401, header_token="cht_wrong", cookie=session_cookie(bob))


def test_revoked_token_is_closed_with_4401(bob):
    token, raw = accounts.token_issue(user=bob)
    accounts.token_revoke(token=token)
    _closed_with(4401, token=raw)


def test_invalid_since_is_closed_with_4400(bob):
    _closed_with(4400, token=factories.user_token(bob), since="yesterday")


def test_foreign_origin_is_refused_at_the_handshake(bob):
    async def scenario():
        comm = communicator(token=await db(factories.user_token)(bob), origin=b"http://evil.test")
        # Closed before being accepted: a real server answers the handshake with HTTP 403
        # (the daphne end-to-end test checks that).
        assert await comm.connect() == (False, 1000)
        await comm.disconnect()

    run(scenario)


def test_missing_origin_is_refused_at_the_handshake(bob):
    async def scenario():
        comm = communicator(token=await db(factories.user_token)(bob), origin=None)
        assert await comm.connect() == (False, 1000)
        await comm.disconnect()

    run(scenario)


def test_session_token_hears_its_session_only(session_thread, custom_thread, alice, bob):
    _, raw = accounts.token_issue(user=bob, thread=session_thread)

    async def scenario():
        async with connected(header_token=raw) as socket:
            await db(chat_services.message_send)(thread=custom_thread, actor=alice, text="team")
            await db(chat_services.message_send)(thread=session_thread, actor=alice, text="live")
            frame = await socket.receive()
            assert frame["thread"] == str(session_thread.id)
            assert frame["data"]["message"]["text"] == "live"
            assert await socket.silent()

    run(scenario)


def test_session_token_of_a_removed_session_is_closed_with_4403(session_thread, alice, bob):
    _, raw = accounts.token_issue(user=bob, thread=session_thread)
    thread_services.thread_remove(thread=session_thread, actor=alice)
    _closed_with(4403, header_token=raw)


def test_session_token_of_a_session_left_is_revoked_so_closed_with_4401(session_thread, bob):
    _, raw = accounts.token_issue(user=bob, thread=session_thread)
    thread_services.membership_remove(thread=session_thread, user=bob, actor=bob)
    _closed_with(4401, header_token=raw)


def test_token_revoked_while_connected_is_closed_at_the_next_heartbeat(settings, bob):
    settings.CHAT_EVENTS_PING_INTERVAL_S = 0.1
    token, raw = accounts.token_issue(user=bob)

    async def scenario():
        comm = communicator(token=raw)
        accepted, _ = await comm.connect()
        assert accepted
        try:
            assert await comm.receive_json_from(5) == {"type": "ping"}
            await db(accounts.token_revoke)(token=token)
            output = await comm.receive_output(5)
            while output["type"] == "websocket.send":  # pings until the next check
                output = await comm.receive_output(5)
            assert output == {"type": "websocket.close", "code": 4401}
        finally:
            await comm.disconnect()

    run(scenario)
