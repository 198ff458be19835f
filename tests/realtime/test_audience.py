"""Who hears an event: the socket's in-memory mirror and the log filter agree.

``chatproject.realtime.audience`` states the rule once; a live socket applies it with
``SocketState`` (no queries), replay with ``event_visibility_q``. Here one history of
changes is run through both for several users: whoever kept seeing what they saw hears
the same events either way. The one intended difference is shrinking visibility: live, a
user heard a thread until they left it; a replay made after they left holds only the
farewell, never the history of a thread they can no longer see.
"""

import pytest

from chatproject.actors import SYSTEM
from chatproject.realtime import selectors
from chatproject.realtime.audience import audience_groups, thread_group, user_group
from chatproject.realtime.state import SocketState
from chats import services as chat_services
from tests import factories
from threads import services as thread_services
from threads.models import WorkspaceMember

pytestmark = pytest.mark.django_db


def live(state: SocketState, envelopes) -> list[int]:
    return [e["event"]["id"] for e in envelopes if state.take(e).send]


def replay(user, start: int) -> list[int]:
    envelopes = selectors.events_visible(user=user, after=start, limit=10_000)
    return [e["event"]["id"] for e in envelopes]


def test_live_mirror_and_replay_filter_deliver_the_same_events(
    workspace, custom_thread, make_user, alice, bob, carol
):
    agent = make_user(workspace__role=WorkspaceMember.Role.AGENT)
    bystander = make_user()
    doomed = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="Doomed", members=[bystander]
    )
    users = {"alice": alice, "bob": bob, "carol": carol, "agent": agent, "bystander": bystander}
    start = selectors.last_event_id()
    states = {name: SocketState(selectors.subscription_for(user=u)) for name, u in users.items()}

    one = chat_services.message_send(thread=custom_thread, actor=alice, text="one")
    thread_services.thread_mark_read(thread=custom_thread, actor=bob, up_to=one)
    thread_services.membership_add(thread=custom_thread, user=carol, actor=alice)
    chat_services.message_send(thread=custom_thread, actor=carol, text="two")
    chat = thread_services.support_chat_create(
        workspace=workspace, owner=factories.ExternalUserFactory(), title="Help", actor=SYSTEM
    )
    chat_services.message_send(thread=chat, actor=agent, text="How can I help?")
    thread_services.thread_remove(thread=doomed, actor=alice)
    thread_services.thread_restore(thread=doomed, actor=SYSTEM)
    chat_services.message_send(thread=doomed, actor=bystander, text="back")
    thread_services.membership_remove(thread=custom_thread, user=bob, actor=alice)
    chat_services.message_send(thread=custom_thread, actor=alice, text="after bob")

    log = selectors.events_between(after=start, upto=selectors.last_event_id())
    heard = {name: live(state, log) for name, state in states.items()}
    replayed = {name: replay(user, start) for name, user in users.items()}

    for name in ("alice", "carol", "agent", "bystander"):
        assert heard[name] == replayed[name], name
    assert heard["carol"] and heard["agent"] and heard["bystander"]
    assert {e["event"]["thread"] for e in log if e["event"]["id"] in heard["agent"]} == {
        str(chat.id)
    }

    # Bob heard the thread until he left; a replay after leaving holds his own read mark
    # and his removal only.
    by_id = {e["event"]["id"]: e["event"] for e in log}
    assert [by_id[i]["type"] for i in replayed["bob"]] == ["read.updated", "member.removed"]
    assert set(replayed["bob"]) < set(heard["bob"])
    assert by_id[heard["bob"][-1]]["type"] == "member.removed"


def test_every_event_is_routed_to_a_group_its_hearers_are_in(custom_thread, alice, bob, carol):
    """Live delivery needs the doorbell to reach the socket: each event goes to a group
    the socket of everyone who may hear it has joined (or joins by that very event)."""
    start = selectors.last_event_id()
    one = chat_services.message_send(thread=custom_thread, actor=alice, text="one")
    thread_services.thread_mark_read(thread=custom_thread, actor=bob, up_to=one)
    thread_services.membership_add(thread=custom_thread, user=carol, actor=alice)
    log = selectors.events_between(after=start, upto=selectors.last_event_id())

    message, read, added = log
    assert thread_group(custom_thread.id) in audience_groups(message)
    assert audience_groups(read) == [user_group(bob.id)]
    assert set(audience_groups(added)) == {thread_group(custom_thread.id), user_group(carol.id)}
