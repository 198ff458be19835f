"""Support chats made and answered through the Support API reach the workspace's agents and
admins live on ``/ws/events/``, and nobody else."""

import pytest

from tests import factories
from tests.realtime.conftest import communicator, connected, db, run, types
from threads.models import WorkspaceMember

pytestmark = pytest.mark.django_db(transaction=True)


def test_api_changes_reach_agents_and_admins_not_plain_members(api, workspace, make_user):
    agent = make_user(workspace__role=WorkspaceMember.Role.AGENT)
    admin = make_user(workspace__role=WorkspaceMember.Role.ADMIN)
    member = make_user()
    customer = factories.ExternalUserFactory(workspace=workspace)

    async def scenario():
        async with connected(agent) as a, connected(admin) as b, connected(member) as m:
            row = (
                await db(api.post)(
                    "/api/v1/chats",
                    {"channelId": None, "ownerId": str(customer.super_identity_id), "title": "Hi"},
                )
            ).json()
            await db(api.post)(
                f"/api/v1/chats/{row['id']}/messages", {"role": "user", "content": "Help!"}
            )
            await db(api.delete)(f"/api/v1/chats/{row['id']}")
            for socket in (a, b):
                frames = await socket.receive_events(3)
                assert types(frames) == ["thread.created", "message.created", "thread.removed"]
                assert {f["thread"] for f in frames} == {row["id"]}
                assert frames[1]["data"]["message"]["text"] == "Help!"
                assert frames[1]["data"]["message"]["author"]["external"] is True
            assert await m.silent()

    run(scenario)


@pytest.mark.parametrize("where", ["token", "header_token"])
def test_an_api_key_opens_no_event_socket(key, where):
    async def scenario():
        comm = communicator(**{where: key})
        accepted, _ = await comm.connect()
        try:
            assert accepted  # accepted, then closed with the reason
            assert await comm.receive_output(5) == {"type": "websocket.close", "code": 4401}
        finally:
            await comm.disconnect()

    run(scenario)
