"""One socket's visibility state (``chatproject.realtime.state``), fed envelopes by hand.

No channel layer, no database: a subscription and a stream of envelopes in, and out
what is delivered and which groups the socket joins and leaves.
"""

import itertools

from chatproject.realtime.audience import agents_group, thread_group, user_group
from chatproject.realtime.state import SKIP, SocketState, Step, Subscription

ME, OTHER = "u-me", "u-other"
MINE, ELSEWHERE, SUPPORT = "t-mine", "t-elsewhere", "t-support"
HOME, AWAY = "w-home", "w-away"

_ids = itertools.count(1)


def envelope(type, thread, *, user=None, kind="custom", workspace=HOME, data=None):
    return {
        "type": "chat.event",
        "event": {
            "id": next(_ids),
            "type": type,
            "thread": thread,
            "seq": 1,
            "ts": "2026-01-01T00:00:00Z",
            "data": data or {},
        },
        "user": user,
        "kind": kind,
        "workspace": workspace,
    }


def message(thread, **kwargs):
    return envelope("message.created", thread, data={"message": {"text": "hi"}}, **kwargs)


def member_added(thread, user):
    return envelope("member.added", thread, data={"user": {"id": user, "name": "x"}})


def member_removed(thread, user):
    return envelope("member.removed", thread, data={"user": {"id": user, "name": "x"}})


def thread_created(thread, members, **kwargs):
    data = {"thread": {"id": thread, "members": [{"id": m} for m in members]}}
    return envelope("thread.created", thread, data=data, **kwargs)


def thread_updated(thread, *, is_removed):
    return envelope("thread.updated", thread, data={"thread": {"is_removed": is_removed}})


def state(threads=(MINE,), staff=(), session=None) -> SocketState:
    return SocketState(
        Subscription(
            user_id=ME,
            thread_ids=set(threads),
            staff_workspace_ids=set(staff),
            session_thread_id=session,
        )
    )


def delivered(socket: SocketState, *envelopes) -> list[bool]:
    return [socket.take(e).send for e in envelopes]


def test_connect_joins_own_group_agents_groups_and_thread_groups_in_a_stable_order():
    socket = state(threads=("t-b", "t-a"), staff=(AWAY, HOME))
    assert socket.initial_groups() == [
        user_group(ME),
        agents_group(AWAY),
        agents_group(HOME),
        thread_group("t-a"),
        thread_group("t-b"),
    ]


def test_events_of_a_subscribed_thread_are_delivered_and_of_others_not():
    socket = state()
    assert socket.take(message(MINE)) == Step(send=True)
    assert socket.take(message(ELSEWHERE)) is SKIP


def test_a_per_user_event_reaches_that_user_only():
    socket = state()
    assert delivered(socket, envelope("read.updated", MINE, user=ME)) == [True]
    assert delivered(socket, envelope("read.updated", MINE, user=OTHER)) == [False]
    # Their own event of a thread they are not subscribed to is still theirs.
    assert delivered(socket, envelope("read.updated", ELSEWHERE, user=ME)) == [True]


def test_being_added_joins_the_thread_group_and_hears_it_from_then_on():
    socket = state(threads=())
    assert socket.take(message(ELSEWHERE)) is SKIP
    step = socket.take(member_added(ELSEWHERE, ME))
    assert step == Step(send=True, join=(thread_group(ELSEWHERE),))
    assert delivered(socket, message(ELSEWHERE)) == [True]
    assert ELSEWHERE in socket.sub.thread_ids


def test_being_added_again_joins_nothing_new():
    socket = state()
    assert socket.take(member_added(MINE, ME)) == Step(send=True)


def test_someone_else_added_elsewhere_is_not_heard_and_joins_nothing():
    socket = state()
    assert socket.take(member_added(ELSEWHERE, OTHER)) is SKIP


def test_a_new_thread_with_the_user_among_its_members_is_joined_and_heard():
    socket = state(threads=())
    step = socket.take(thread_created(ELSEWHERE, [OTHER, ME]))
    assert step == Step(send=True, join=(thread_group(ELSEWHERE),))
    assert delivered(socket, message(ELSEWHERE)) == [True]


def test_a_new_thread_without_the_user_is_not_heard():
    assert state(threads=()).take(thread_created(ELSEWHERE, [OTHER])) is SKIP


def test_being_removed_is_heard_then_the_group_is_left_and_the_thread_goes_quiet():
    socket = state()
    step = socket.take(member_removed(MINE, ME))
    assert step == Step(send=True, leave=(thread_group(MINE),))
    assert delivered(socket, message(MINE), member_removed(MINE, ME)) == [False, False]
    assert MINE not in socket.sub.thread_ids


def test_someone_else_removed_is_heard_and_the_user_stays():
    socket = state()
    assert socket.take(member_removed(MINE, OTHER)) == Step(send=True)
    assert delivered(socket, message(MINE)) == [True]


def test_removed_then_added_again_rejoins():
    socket = state()
    socket.take(member_removed(MINE, ME))
    assert socket.take(member_added(MINE, ME)).join == (thread_group(MINE),)
    assert delivered(socket, message(MINE)) == [True]


def test_a_removed_thread_announces_itself_then_only_updates_are_heard():
    socket = state()
    assert delivered(socket, envelope("thread.removed", MINE)) == [True]
    assert socket.removed_threads == {MINE}
    assert delivered(
        socket,
        message(MINE),
        envelope("reaction.added", MINE),
        thread_updated(MINE, is_removed=True),
        message(MINE),
    ) == [False, False, True, False]


def test_a_restored_thread_is_heard_again():
    socket = state()
    socket.take(envelope("thread.removed", MINE))
    assert delivered(socket, thread_updated(MINE, is_removed=False), message(MINE)) == [True, True]
    assert socket.removed_threads == set()


def test_the_removal_of_a_thread_the_user_never_heard_is_not_sent():
    socket = state()
    assert delivered(socket, envelope("thread.removed", ELSEWHERE)) == [False]


def test_support_staff_hear_every_support_chat_of_their_workspace_without_joining_it():
    socket = state(threads=(), staff=(HOME,))
    assert socket.take(thread_created(SUPPORT, [], kind="support")) == Step(send=True)
    assert delivered(socket, message(SUPPORT, kind="support")) == [True]
    assert delivered(socket, envelope("thread.removed", SUPPORT, kind="support")) == [True]


def test_support_staff_do_not_hear_other_threads_or_other_workspaces():
    socket = state(threads=(), staff=(HOME,))
    assert delivered(
        socket,
        message(ELSEWHERE),  # a custom thread of their workspace
        message(SUPPORT, kind="support", workspace=AWAY),
    ) == [False, False]


def test_plain_members_of_a_workspace_do_not_hear_its_support_chats():
    socket = state(threads=())
    assert delivered(socket, message(SUPPORT, kind="support")) == [False]


def test_a_session_token_socket_hears_its_session_only():
    socket = state(threads=(MINE,), session=MINE)
    assert delivered(socket, message(MINE), envelope("read.updated", MINE, user=ME)) == [True, True]
    assert socket.take(envelope("read.updated", ELSEWHERE, user=ME)) is SKIP
    # Being added elsewhere does not widen a session token's socket.
    assert socket.take(member_added(ELSEWHERE, ME)) is SKIP
    assert ELSEWHERE not in socket.sub.thread_ids


def test_replayed_events_checked_by_the_database_are_sent_and_still_followed():
    socket = state(threads=())
    assert socket.take(message(ELSEWHERE), checked=True) == Step(send=True)
    step = socket.take(member_added(ELSEWHERE, ME), checked=True)
    assert step.join == (thread_group(ELSEWHERE),)
    step = socket.take(member_removed(ELSEWHERE, ME), checked=True)
    assert step == Step(send=True, leave=(thread_group(ELSEWHERE),))


def test_a_change_of_support_role_swaps_agents_groups_and_what_is_heard():
    socket = state(threads=(), staff=(HOME,))
    step = socket.restaff({AWAY})
    assert step == Step(join=(agents_group(AWAY),), leave=(agents_group(HOME),))
    assert delivered(
        socket, message(SUPPORT, kind="support"), message(SUPPORT, kind="support", workspace=AWAY)
    ) == [False, True]
