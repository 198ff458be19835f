"""Never lose an event: replay after reconnect, the handoff to live, the resync window,
and doorbells that arrive out of order, twice, or not at all."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chatproject.actors import SYSTEM
from chatproject.realtime import selectors
from chatproject.realtime import tail as tail_module
from chats import services as chat_services
from tests.realtime.conftest import connected, db, run, types
from threads import events
from threads import services as thread_services
from threads.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

REAL_PUBLISH = events.publish


def send(thread, author, text):
    return chat_services.message_send(thread=thread, actor=author, text=text)


def test_reconnect_with_since_replays_exactly_the_missed_events_in_order_then_live(
    custom_thread, alice, bob
):
    async def scenario():
        async with connected(bob) as socket:
            await db(send)(custom_thread, alice, "seen")
            last_seen = (await socket.receive_events(1))[0]["id"]
        for n in range(5):
            await db(send)(custom_thread, alice, f"missed {n}")
        async with connected(bob, since=last_seen) as socket:
            replayed = await socket.receive_events(5)
            assert [f["data"]["message"]["text"] for f in replayed] == [
                f"missed {n}" for n in range(5)
            ]
            assert [f["id"] for f in replayed] == sorted(f["id"] for f in replayed)
            assert await socket.silent()
            await db(send)(custom_thread, alice, "live")
            live = (await socket.receive_events(1))[0]
            assert live["data"]["message"]["text"] == "live"
            assert live["id"] > replayed[-1]["id"]
            assert await socket.silent()

    run(scenario)


def test_replay_holds_only_what_the_user_may_see(custom_thread, session_thread, alice, bob, carol):
    start = selectors.last_event_id()
    message = send(custom_thread, alice, "for bob")
    thread_services.thread_mark_read(thread=custom_thread, actor=alice, up_to=message)  # hers
    private = thread_services.custom_thread_create(
        workspace=custom_thread.workspace, creator=alice, title="Not bob's", members=[carol]
    )
    send(private, alice, "not for bob")
    thread_services.thread_mark_read(thread=custom_thread, actor=bob, up_to=message)

    async def scenario():
        async with connected(bob, since=start) as socket:
            frames = await socket.receive_events(2)
            assert types(frames) == ["message.created", "read.updated"]
            assert frames[1]["data"]["user"] == str(bob.id)
            assert await socket.silent()

    run(scenario)


def test_replay_starts_from_the_moment_the_user_joined(custom_thread, alice, carol):
    start = selectors.last_event_id()
    send(custom_thread, alice, "before carol")
    thread_services.membership_add(thread=custom_thread, user=carol, actor=alice)
    send(custom_thread, alice, "with carol")

    async def scenario():
        async with connected(carol, since=start) as socket:
            frames = await socket.receive_events(2)
            assert types(frames) == ["member.added", "message.created"]
            assert frames[1]["data"]["message"]["text"] == "with carol"
            assert await socket.silent()

    run(scenario)


def test_replay_to_a_removed_member_holds_their_removal_and_nothing_of_the_thread(
    custom_thread, alice, bob
):
    """Replay follows today's visibility: what was said before the removal is no longer
    bob's to see (REST hides it too), but he learns that he was removed."""
    start = selectors.last_event_id()
    send(custom_thread, alice, "said before")
    thread_services.membership_remove(thread=custom_thread, user=bob, actor=alice)
    send(custom_thread, alice, "said after")

    async def scenario():
        async with connected(bob, since=start) as socket:
            frames = await socket.receive_events(1)
            assert types(frames) == ["member.removed"]
            assert frames[0]["data"]["user"]["id"] == str(bob.id)
            assert await socket.silent()
            await db(send)(custom_thread, alice, "still not for bob")
            assert await socket.silent()

    run(scenario)


def test_replay_tells_members_their_thread_was_removed(custom_thread, alice, bob):
    start = selectors.last_event_id()
    send(custom_thread, alice, "last words")
    thread_services.thread_remove(thread=custom_thread, actor=alice)

    async def scenario():
        async with connected(bob, since=start) as socket:
            assert types(await socket.receive_events(1)) == ["thread.removed"]
            assert await socket.silent()

    run(scenario)


def test_reconnect_after_being_added_hears_the_thread_live(custom_thread, alice, carol):
    start = selectors.last_event_id()
    thread_services.membership_add(thread=custom_thread, user=carol, actor=alice)

    async def scenario():
        async with connected(carol, since=start) as socket:
            assert types(await socket.receive_events(1)) == ["member.added"]
            await db(send)(custom_thread, alice, "hi carol")
            assert types(await socket.receive_events(1)) == ["message.created"]

    run(scenario)


def test_more_missed_events_than_the_window_sends_resync_then_live(
    settings, custom_thread, alice, bob
):
    settings.CHAT_EVENTS_REPLAY_MAX_EVENTS = 3
    start = selectors.last_event_id()
    for n in range(4):
        send(custom_thread, alice, f"missed {n}")

    async def scenario():
        async with connected(bob, since=start) as socket:
            assert await socket.receive() == {"type": "resync"}
            assert await socket.silent()
            await db(send)(custom_thread, alice, "live")
            assert types(await socket.receive_events(1)) == ["message.created"]

    run(scenario)


def test_exactly_the_window_is_still_replayed(settings, custom_thread, alice, bob):
    settings.CHAT_EVENTS_REPLAY_MAX_EVENTS = 3
    start = selectors.last_event_id()
    for n in range(3):
        send(custom_thread, alice, f"missed {n}")

    async def scenario():
        async with connected(bob, since=start) as socket:
            assert types(await socket.receive_events(3)) == ["message.created"] * 3
            assert await socket.silent()

    run(scenario)


def test_missed_events_older_than_the_window_send_resync(settings, custom_thread, alice, bob):
    settings.CHAT_EVENTS_REPLAY_MAX_AGE_S = 3600
    start = selectors.last_event_id()
    send(custom_thread, alice, "long ago")
    # Age the logged event: nothing in the product writes the past.
    Event.objects.filter(id__gt=start).update(created_at=timezone.now() - timedelta(hours=2))

    async def scenario():
        async with connected(bob, since=start) as socket:
            assert await socket.receive() == {"type": "resync"}
            assert await socket.silent()

    run(scenario)


def test_since_beyond_the_log_sends_resync(custom_thread, bob):
    async def scenario():
        beyond = await db(selectors.last_event_id)() + 1000
        async with connected(bob, since=beyond) as socket:
            assert await socket.receive() == {"type": "resync"}

    run(scenario)


def test_event_committed_while_connecting_is_sent_once(monkeypatch, custom_thread, alice, bob):
    """Committed after the socket joined its groups but before it read the log: both the
    replay and the doorbell carry it; the client gets it once."""
    start = selectors.last_event_id()
    calls = []
    real_last_event_id = selectors.last_event_id

    def last_event_id_after_a_send():
        calls.append(1)
        if len(calls) == 2:  # connect reads the log's end twice; the 2nd is after group_add
            send(custom_thread, alice, "racing")
        return real_last_event_id()

    monkeypatch.setattr(selectors, "last_event_id", last_event_id_after_a_send)

    async def scenario():
        async with connected(bob, since=start) as socket:
            frames = await socket.receive_events(1)
            assert frames[0]["data"]["message"]["text"] == "racing"
            assert await socket.silent()

    run(scenario)


def test_event_committed_during_replay_follows_it_once(monkeypatch, custom_thread, alice, bob):
    start = selectors.last_event_id()
    send(custom_thread, alice, "missed")
    real_events_visible = selectors.events_visible
    sent = []

    def events_visible_with_a_send_racing(**kwargs):
        result = real_events_visible(**kwargs)
        if not sent:
            sent.append(send(custom_thread, alice, "during replay"))
        return result

    monkeypatch.setattr(selectors, "events_visible", events_visible_with_a_send_racing)

    async def scenario():
        async with connected(bob, since=start) as socket:
            frames = await socket.receive_events(2)
            assert [f["data"]["message"]["text"] for f in frames] == ["missed", "during replay"]
            assert await socket.silent()

    run(scenario)


@pytest.fixture
def held_doorbells(monkeypatch):
    """Events recorded while this is active are committed but not published until the
    test rings their doorbells itself (as another worker would, late or never)."""
    held = []
    monkeypatch.setattr(events, "publish", held.append)
    return held


def test_doorbells_out_of_order_still_deliver_in_id_order_once(
    monkeypatch, custom_thread, alice, bob, held_doorbells
):
    async def scenario():
        async with connected(bob) as socket:
            for n in range(3):
                await db(send)(custom_thread, alice, f"m{n}")
            first, second, third = list(held_doorbells)
            monkeypatch.undo()
            for event in (third, first, second):  # rung by different workers, in any order
                await db(events.publish)(event)
            frames = await socket.receive_events(3)
            assert [f["id"] for f in frames] == [first.id, second.id, third.id]
            assert await socket.silent()

    run(scenario)


def test_lost_doorbell_is_healed_by_the_next_one(
    monkeypatch, custom_thread, alice, bob, held_doorbells
):
    async def scenario():
        async with connected(bob) as socket:
            await db(send)(custom_thread, alice, "doorbell lost")
            monkeypatch.undo()
            await db(send)(custom_thread, alice, "doorbell rung")
            frames = await socket.receive_events(2)
            assert [f["data"]["message"]["text"] for f in frames] == [
                "doorbell lost",
                "doorbell rung",
            ]

    run(scenario)


def test_lost_last_doorbell_is_healed_by_the_heartbeat(
    settings, custom_thread, alice, bob, held_doorbells
):
    settings.CHAT_EVENTS_PING_INTERVAL_S = 0.2

    async def scenario():
        async with connected(bob) as socket:
            await db(send)(custom_thread, alice, "nobody rang")
            frames = [await socket.receive()]
            while frames[-1]["type"] == "ping":
                frames.append(await socket.receive())
            assert frames[-1]["data"]["message"]["text"] == "nobody rang"
            assert frames[-2] == {"type": "ping"}  # brought by a heartbeat, not a doorbell

    run(scenario)


def test_socket_behind_the_process_tail_reads_the_log_itself(
    monkeypatch, custom_thread, alice, bob, held_doorbells
):
    """The tail holds the last TAIL_SIZE events; a socket whose cursor fell below it (a
    burst larger than that) is served from the database, still complete and in order."""
    monkeypatch.setattr(tail_module, "TAIL_SIZE", 2)

    async def scenario():
        async with connected(bob) as socket:
            for n in range(5):
                await db(send)(custom_thread, alice, f"m{n}")
            await db(REAL_PUBLISH)(held_doorbells[-1])  # only the last doorbell rings
            frames = await socket.receive_events(5)
            assert [f["data"]["message"]["text"] for f in frames] == [f"m{n}" for n in range(5)]
            assert await socket.silent()

    run(scenario)


def test_restored_thread_is_heard_again(custom_thread, alice, bob):
    async def scenario():
        async with connected(bob) as socket:
            await db(thread_services.thread_remove)(thread=custom_thread, actor=alice)
            await db(thread_services.thread_restore)(actor=SYSTEM, thread=custom_thread)
            await db(send)(custom_thread, alice, "we're back")
            frames = await socket.receive_events(3)
            assert types(frames) == ["thread.removed", "thread.updated", "message.created"]

    run(scenario)
