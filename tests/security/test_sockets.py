"""Issue 12, item 4: a socket loses its rights the moment its user does. Logout,
deactivation, a password change and a token's revocation close it with 4401 at once (not at
the next heartbeat); a role change narrows what it hears."""

import pytest
from django.test import Client

from chatproject.accounts import services as accounts
from chatproject.actors import SYSTEM
from tests import factories
from tests.realtime.conftest import communicator, db, run
from threads import services as thread_services
from threads.models import WorkspaceMember

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def far_heartbeat(settings):
    """A heartbeat far away, so a close can only come at once."""
    settings.CHAT_EVENTS_PING_INTERVAL_S = 3600


def closes_at_once(revoke, **credentials):
    """Open a socket, run ``revoke`` (sync, in the database thread), expect 4401 within 5 s."""

    async def scenario():
        comm = communicator(**credentials)
        accepted, _ = await comm.connect(timeout=5)
        assert accepted
        try:
            assert await comm.receive_nothing(0.3)  # open and idle
            await db(revoke)()
            output = await comm.receive_output(5)
            while output["type"] == "websocket.send":
                output = await comm.receive_output(5)
            assert output == {"type": "websocket.close", "code": 4401}
        finally:
            await comm.disconnect()

    run(scenario)


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_logout_closes_the_sockets_of_that_browser_session(bob):
    client = browser(bob)
    cookie = f"sessionid={client.cookies['sessionid'].value}"

    closes_at_once(lambda: client.post("/accounts/logout/"), cookie=cookie)


def test_deactivation_closes_every_socket_of_the_user(bob):
    client = browser(bob)

    def deactivate():
        accounts.user_set_active(user=bob, active=False, actor=SYSTEM)

    closes_at_once(deactivate, cookie=f"sessionid={client.cookies['sessionid'].value}")


def test_a_password_change_closes_token_sockets_and_revokes_the_tokens(bob):
    raw = factories.user_token(bob)

    def change_password():
        bob.set_password("a brand new password")
        bob.save()

    closes_at_once(change_password, token=raw)
    assert accounts.token_authenticate(raw, kind="user") is None


def test_a_revoked_token_closes_its_socket_at_once(bob):
    token, raw = accounts.token_issue(user=bob)

    closes_at_once(lambda: accounts.token_revoke(token=token), token=raw)


def test_a_demoted_agent_stops_hearing_support_chats(workspace, make_user):
    agent = make_user(workspace__role=WorkspaceMember.Role.AGENT)
    raw = factories.user_token(agent)
    owner = factories.ExternalUserFactory()

    async def scenario():
        comm = communicator(token=raw)
        accepted, _ = await comm.connect(timeout=5)
        assert accepted
        try:
            await db(thread_services.support_chat_create)(
                workspace=workspace, owner=owner, title="Before", actor=SYSTEM
            )
            heard = await comm.receive_json_from(5)
            assert heard["type"] == "thread.created"  # an agent hears support chats
            await db(thread_services.workspace_member_set_role)(
                workspace=workspace, user=agent, role=WorkspaceMember.Role.MEMBER, actor=SYSTEM
            )
            await comm.receive_nothing(0.5)  # the notice is handled
            await db(thread_services.support_chat_create)(
                workspace=workspace, owner=owner, title="After", actor=SYSTEM
            )
            assert await comm.receive_nothing(0.5)
        finally:
            await comm.disconnect()

    run(scenario)
