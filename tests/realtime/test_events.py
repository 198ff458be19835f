"""Every kind of change reaches exactly the people who may see it, as it happens."""

import re
from contextlib import AsyncExitStack

import pytest

from chatproject.actors import SYSTEM
from chats import services as chat_services
from pins import services as pin_services
from reactions import services as reaction_services
from tests import factories
from tests.realtime.conftest import connected, db, run, types
from threads import services as thread_services
from threads.models import WorkspaceMember

pytestmark = pytest.mark.django_db(transaction=True)


def test_frame_carries_id_type_thread_seq_ts_and_renderable_data(custom_thread, alice, bob):
    async def scenario():
        async with connected(bob) as socket:
            message = await db(chat_services.message_send)(
                thread=custom_thread, actor=alice, text="one"
            )
            await db(chat_services.message_send)(thread=custom_thread, actor=alice, text="two")
            first, second = await socket.receive_events(2)
        assert set(first) == {"id", "type", "thread", "seq", "ts", "data"}
        assert isinstance(first["id"], int) and second["id"] > first["id"]
        assert first["thread"] == str(custom_thread.id)
        assert second["seq"] == first["seq"] + 1
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", first["ts"])
        assert first["data"]["message"]["id"] == str(message.id)
        assert first["data"]["message"]["author"] == {"id": str(alice.id), "name": "Alice"}

    run(scenario)


def test_each_change_reaches_members_and_read_state_only_the_reader(
    custom_thread, alice, bob, carol
):
    async def scenario():
        async with AsyncExitStack() as stack:
            a = await stack.enter_async_context(connected(alice))
            b = await stack.enter_async_context(connected(bob))
            c = await stack.enter_async_context(connected(carol))

            message = await db(chat_services.message_send)(
                thread=custom_thread, actor=bob, text="draft"
            )
            await db(chat_services.message_edit)(message=message, actor=bob, text="final")
            reaction = await db(reaction_services.reaction_add)(
                message=message, actor=alice, name=":thumbsup:"
            )
            await db(reaction_services.reaction_remove)(reaction=reaction, actor=alice)
            pin = await db(pin_services.pin_add)(message=message, actor=alice)
            await db(pin_services.pin_remove)(pin=pin, actor=alice)
            await db(thread_services.thread_update)(
                thread=custom_thread, actor=alice, title="Renamed"
            )
            await db(thread_services.thread_mark_read)(
                thread=custom_thread, actor=bob, up_to=message
            )
            await db(chat_services.message_remove)(message=message, actor=bob)

            shared = [
                "message.created",
                "message.updated",
                "reaction.added",
                "reaction.removed",
                "pin.added",
                "pin.removed",
                "thread.updated",
                "message.removed",
            ]
            alice_frames = await a.receive_events(len(shared))
            bob_frames = await b.receive_events(len(shared) + 1)
            assert types(alice_frames) == shared
            assert types(bob_frames) == [*shared[:7], "read.updated", shared[7]]
            assert bob_frames[7]["data"]["user"] == str(bob.id)
            assert [f["id"] for f in bob_frames] == sorted(f["id"] for f in bob_frames)
            assert alice_frames[2]["data"]["reaction"]["name"] == ":thumbsup:"
            assert alice_frames[6]["data"]["thread"]["title"] == "Renamed"
            assert await a.silent() and await b.silent()
            assert await c.silent()  # not a member: hears nothing at all

    run(scenario)


def test_new_thread_reaches_its_initial_members_who_then_hear_it(workspace, alice, bob, carol):
    async def scenario():
        async with connected(bob) as b, connected(carol) as c:
            thread = await db(thread_services.custom_thread_create)(
                workspace=workspace, creator=alice, title="New", members=[bob]
            )
            created = (await b.receive_events(1))[0]
            assert created["type"] == "thread.created"
            assert created["thread"] == str(thread.id)
            assert {m["id"] for m in created["data"]["thread"]["members"]} == {
                str(alice.id),
                str(bob.id),
            }
            await db(chat_services.message_send)(thread=thread, actor=alice, text="welcome")
            assert types(await b.receive_events(1)) == ["message.created"]
            assert await c.silent()

    run(scenario)


def test_member_added_later_starts_hearing_the_thread(custom_thread, alice, carol):
    async def scenario():
        async with connected(carol) as socket:
            await db(chat_services.message_send)(thread=custom_thread, actor=alice, text="before")
            assert await socket.silent()
            await db(thread_services.membership_add)(thread=custom_thread, user=carol, actor=alice)
            await db(chat_services.message_send)(thread=custom_thread, actor=alice, text="after")
            added, message = await socket.receive_events(2)
            assert added["type"] == "member.added"
            assert added["data"]["user"]["id"] == str(carol.id)
            assert message["data"]["message"]["text"] == "after"

    run(scenario)


def test_removed_member_hears_their_removal_then_nothing(custom_thread, alice, bob):
    async def scenario():
        async with connected(bob) as b, connected(alice) as a:
            await db(thread_services.membership_remove)(thread=custom_thread, user=bob, actor=alice)
            await db(chat_services.message_send)(thread=custom_thread, actor=alice, text="secret")
            removed = (await b.receive_events(1))[0]
            assert removed["type"] == "member.removed"
            assert removed["data"]["user"]["id"] == str(bob.id)
            assert await b.silent()
            assert types(await a.receive_events(2)) == ["member.removed", "message.created"]

    run(scenario)


def test_removed_thread_announces_itself_then_goes_quiet(custom_thread, alice, bob):
    async def scenario():
        async with connected(bob) as socket:
            await db(thread_services.thread_remove)(thread=custom_thread, actor=alice)
            assert types(await socket.receive_events(1)) == ["thread.removed"]
            assert await socket.silent()

    run(scenario)


def test_support_chats_reach_workspace_agents_not_plain_members(workspace, make_user):
    agent = make_user(workspace__role=WorkspaceMember.Role.AGENT)
    member = make_user()
    owner = factories.ExternalUserFactory()

    async def scenario():
        async with connected(agent) as a, connected(member) as m:
            chat = await db(thread_services.support_chat_create)(
                workspace=workspace, owner=owner, title="Help", actor=SYSTEM
            )
            await db(chat_services.message_send)(thread=chat, actor=agent, text="How can I help?")
            created, sent = await a.receive_events(2)
            assert (created["type"], created["thread"]) == ("thread.created", str(chat.id))
            assert sent["data"]["message"]["text"] == "How can I help?"
            assert await m.silent()

    run(scenario)


def test_agents_of_another_workspace_hear_nothing(workspace, make_user):
    elsewhere = factories.WorkspaceFactory()
    outsider = make_user(workspace=elsewhere, workspace__role=WorkspaceMember.Role.AGENT)
    owner = factories.ExternalUserFactory()

    async def scenario():
        async with connected(outsider) as socket:
            await db(thread_services.support_chat_create)(
                workspace=workspace, owner=owner, actor=SYSTEM
            )
            assert await socket.silent()

    run(scenario)
