"""Faults under load, with real processes (issue 14, part 3; README "Reliability").

Two uvicorn servers share a private PostgreSQL cluster and a private Redis, both started
by this test on free ports (the system's are never touched). REST and websocket senders
and a few subscribers run against both servers while the test restarts PostgreSQL,
SIGKILLs Redis and starts it again, SIGKILLs one server and starts it again, and cuts the
subscribers' sockets. Clients retry as documented (same key / ``client_id``, reconnect
with ``?since=``). Afterwards:

- every acknowledged message is stored exactly once, and nothing is stored twice;
- each subscriber received exactly the stored events it may see, in order, once each;
- while something was down, clients got 503 JSON with ``Retry-After``, never a 500 or a
  page, and ``/healthz`` said 503 naming what was down; the servers recovered by
  themselves.

Marker ``faults``: ``scripts/test`` runs it in a pass of its own, after the others and
never beside them. It needs PostgreSQL's server binaries and ``redis-server``; it runs
where the suite runs on PostgreSQL and Redis (CI's ``.ci/run``), or with ``CHAT_FAULTS=1``.
"""

import asyncio
import json
import os
import time

import pytest

from tests.reliability import load
from tests.reliability.processes import (
    PrivatePostgres,
    PrivateRedis,
    Server,
    health,
    manage,
    seed,
    server_env,
    tail,
)

pytestmark = [
    pytest.mark.faults,
    pytest.mark.skipif(
        not (
            os.environ.get("CHAT_FAULTS") == "1"
            or (
                os.environ.get("DATABASE_URL", "").startswith("postgres")
                and os.environ.get("REDIS_URL")
            )
        ),
        reason="runs where the suite runs on PostgreSQL and Redis (CI), or with CHAT_FAULTS=1",
    ),
]

REST_SENDERS = 3
WS_SENDERS = 3
SEND_PAUSE_S = 0.1
# Senders stop starting new messages this long after the last fault; then each finishes
# the message in hand (retrying) for at most GIVE_UP_AFTER_S.
SETTLE_S = 3
GIVE_UP_AFTER_S = 30
CATCH_UP_S = 30
OUTAGE_S = 5
DATABASE = "chat_faults"

USERS = [
    *(f"rest{i}" for i in range(REST_SENDERS)),
    *(f"ws{i}" for i in range(WS_SENDERS)),
    "sub_both",
    "sub_one",
    "sub_two",
    "sub_both_b",
]
SENDERS = USERS[: REST_SENDERS + WS_SENDERS]
# Each subscriber sees one or both threads: what it may see differs.
THREADS = {
    "one": [*SENDERS, "sub_both", "sub_one", "sub_both_b"],
    "two": [*SENDERS, "sub_both", "sub_two", "sub_both_b"],
}


@pytest.fixture
def world(tmp_path):
    pg = PrivatePostgres()
    redis = PrivateRedis(tmp_path)
    servers: list[Server] = []
    try:
        pg.init()
        pg.psql(f"CREATE DATABASE {DATABASE}")
        redis.start()
        env = server_env(
            DATABASE_URL=pg.url(DATABASE),
            REDIS_URL=redis.url,
            # While PostgreSQL is away a request waits this long for a connection, then 503.
            DATABASE_POOL_TIMEOUT_S="3",
            MEDIA_ROOT=str(tmp_path / "media"),
        )
        manage(env, "migrate", "--noinput", "-v0")
        data = seed(env, USERS, THREADS)
        servers = [Server("a", tmp_path, env), Server("b", tmp_path, env)]
        for server in servers:
            server.start()
        yield {"pg": pg, "redis": redis, "servers": servers, "data": data, "dir": tmp_path}
    finally:
        for server in servers:
            server.stop()
        redis.kill()
        pg.destroy()  # the whole private cluster, its database included


async def wait_healthy(servers, timeout: float = 60) -> float:
    """Seconds until every server's ``/healthz`` is 200."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        codes = await asyncio.gather(*(asyncio.to_thread(health, s.url, 3) for s in servers))
        if all(code == 200 for code, _ in codes):
            return time.monotonic() - started
        await asyncio.sleep(0.1)
    raise AssertionError(f"servers did not recover within {timeout} s")


async def watch_health(servers, seconds: float) -> list[tuple[int, dict]]:
    """``/healthz`` answers of every server during an outage."""
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen += await asyncio.gather(*(asyncio.to_thread(health, s.url, 3) for s in servers))
        await asyncio.sleep(0.5)
    return seen


async def fault_schedule(world, subscribers, report) -> None:
    pg, redis, servers = world["pg"], world["redis"], world["servers"]
    recovery = report["recovery_s"]
    await asyncio.sleep(4)

    # 1. PostgreSQL restarts (a fast shutdown drops every connection).
    await asyncio.to_thread(pg.stop)
    report["health_while_db_down"] = await watch_health(servers, OUTAGE_S)
    await asyncio.to_thread(pg.start)
    recovery["postgresql restart"] = await wait_healthy(servers)
    await asyncio.sleep(3)

    # 2. Redis is killed (nothing saved: groups and queues are gone) and started again.
    await asyncio.to_thread(redis.kill)
    report["health_while_redis_down"] = await watch_health(servers, OUTAGE_S)
    await asyncio.to_thread(redis.start)
    recovery["redis kill"] = await wait_healthy(servers)
    await asyncio.sleep(3)

    # 3. One server is killed mid-request; clients move to the other; it starts again.
    victim = servers[0]
    victim.kill()
    await asyncio.sleep(2)
    started = time.monotonic()
    await asyncio.to_thread(victim.start)
    recovery["server SIGKILL (start to healthy)"] = time.monotonic() - started
    await asyncio.sleep(3)

    # 4. Subscribers' sockets are cut (no close frame).
    before = {s.name: s.reconnects for s in subscribers}
    for subscriber in subscribers:
        subscriber.cut()
    started = time.monotonic()
    while time.monotonic() - started < 30 and not all(
        s.reconnects > before[s.name] and s.socket is not None for s in subscribers
    ):
        await asyncio.sleep(0.05)
    recovery["subscriber sockets cut (to reconnected)"] = time.monotonic() - started
    await asyncio.sleep(SETTLE_S)


def expected_events(pg, since: int, user_id: str, thread_ids: list[str]) -> list[int]:
    threads = ",".join(f"'{t}'" for t in thread_ids)
    out = pg.psql(
        f"SELECT id FROM threads_event WHERE id > {since} AND "
        f"((user_id IS NULL AND thread_id IN ({threads})) OR user_id = '{user_id}') ORDER BY id",
        DATABASE,
    )
    return [int(line) for line in out.split()]


def stored_messages(pg, thread_ids: list[str]) -> list[tuple[str, str]]:
    threads = ",".join(f"'{t}'" for t in thread_ids)
    out = pg.psql(
        f"SELECT id, text FROM chats_message WHERE thread_id IN ({threads}) ORDER BY created_at",
        DATABASE,
    )
    return [tuple(line.split("|", 1)) for line in out.splitlines() if line]


async def drive(world, report) -> tuple[load.Tally, list[load.Subscriber]]:
    load.use_threads(32)
    data, servers = world["data"], world["servers"]
    users, threads = data["users"], list(data["threads"].values())
    tally = load.Tally()
    stop, give_up, stop_subscribers = asyncio.Event(), asyncio.Event(), asyncio.Event()
    subscribers = [
        load.Subscriber(
            name,
            token=users[name]["token"],
            servers=servers,
            since=data["last_event"],
            first=i % len(servers),
        )
        for i, name in enumerate(["sub_both", "sub_one", "sub_two", "sub_both_b"])
    ]
    listening = [asyncio.create_task(s.run(stop_subscribers)) for s in subscribers]
    senders = [
        asyncio.create_task(
            (load.rest_sender if name.startswith("rest") else load.ws_sender)(
                name,
                token=users[name]["token"],
                threads=threads,
                servers=servers[i % 2 :] + servers[: i % 2],
                tally=tally,
                stop=stop,
                give_up=give_up,
                pause=SEND_PAUSE_S,
            )
        )
        for i, name in enumerate(SENDERS)
    ]
    try:
        await fault_schedule(world, subscribers, report)
    finally:
        stop.set()
        await asyncio.wait(senders, timeout=GIVE_UP_AFTER_S)
        give_up.set()
        await asyncio.gather(*senders, return_exceptions=True)
        # Every subscriber catches up to the last event it may see, or the time runs out.
        pg = world["pg"]
        deadline = time.monotonic() + CATCH_UP_S
        for subscriber in subscribers:
            user = users[subscriber.name]
            visible = [data["threads"][t] for t, who in THREADS.items() if subscriber.name in who]
            subscriber.expected = expected_events(pg, data["last_event"], user["id"], visible)
            top = subscriber.expected[-1] if subscriber.expected else 0
            while subscriber.last < top and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
        stop_subscribers.set()
        for subscriber in subscribers:
            subscriber.cut()
        await asyncio.gather(*listening, return_exceptions=True)
    for task in [*senders, *listening]:
        if task.exception() is not None:
            raise task.exception()
    return tally, subscribers


def test_no_acknowledged_message_is_lost_or_doubled_through_faults(world, capsys):
    report: dict = {"recovery_s": {}}
    started = time.monotonic()
    try:
        tally, subscribers = asyncio.run(drive(world, report))
    except BaseException:
        for server in world["servers"]:
            print(f"--- server {server.name} log ---\n{tail(server.logfile, 60)}")
        raise
    elapsed = time.monotonic() - started

    data, pg = world["data"], world["pg"]
    stored = stored_messages(pg, list(data["threads"].values()))
    stored_by_text: dict[str, list[str]] = {}
    for message_id, text in stored:
        stored_by_text.setdefault(text, []).append(message_id)
    duplicates = {text: ids for text, ids in stored_by_text.items() if len(ids) > 1}
    lost = [cid for cid in tally.acked if cid not in stored_by_text]
    wrong_id = [
        cid
        for cid, message_id in tally.acked.items()
        if cid in stored_by_text and stored_by_text[cid] != [message_id]
    ]
    streams = {s.name: load.check_stream(s.received, s.expected) for s in subscribers}
    # No request or socket ever ended in an unhandled exception (uvicorn logs each one).
    crashes = {
        server.name: server.logfile.read_text(errors="replace").count("Exception in ASGI")
        for server in world["servers"]
    }

    figures = {
        "messages sent": len(tally.sent),
        "acknowledged": len(tally.acked),
        "stored": len(stored),
        "duplicates": sum(len(ids) - 1 for ids in duplicates.values()),
        "lost (acknowledged, not stored)": len(lost),
        "not acknowledged (gave up)": len(tally.given_up),
        "max recovery time (s)": round(max(report["recovery_s"].values()), 2),
        "recovery (s)": {k: round(v, 2) for k, v in report["recovery_s"].items()},
        "HTTP answers while faulty": dict(tally.statuses),
        "websocket 'unavailable' frames": tally.unavailable_frames,
        "websocket closes (senders)": {str(k): v for k, v in tally.ws_closes.items()},
        "connection errors (REST)": tally.connection_errors,
        "unhandled exceptions in server logs": crashes,
        "subscribers": {
            s.name: {
                "events received": len(s.received),
                "events it may see": len(s.expected),
                "reconnects": s.reconnects,
                "resyncs": s.resyncs,
            }
            for s in subscribers
        },
        "wall time (s)": round(elapsed, 1),
        "machine, date": load.machine(),
    }
    with capsys.disabled():
        print("\n== Faults under load (tests/reliability/test_faults.py) ==")
        print(json.dumps(figures, indent=2))

    assert tally.bad_answers == [], tally.bad_answers[:10]
    assert sum(crashes.values()) == 0, [tail(s.logfile, 60) for s in world["servers"]]
    assert lost == [] and wrong_id == []
    assert duplicates == {}
    assert tally.given_up == []
    assert len(tally.acked) == len(tally.sent)
    for name, stream in streams.items():
        assert stream == {"missing": [], "unexpected": [], "duplicates": [], "in_order": True}, (
            name,
            {k: v[:20] if isinstance(v, list) else v for k, v in stream.items()},
        )
    assert all(s.resyncs == 0 for s in subscribers)
    # Outages were answered as documented: 503 JSON (checked above) and /healthz naming
    # what was down.
    assert tally.statuses[503] > 0
    db_down = [b for code, b in report["health_while_db_down"] if code == 503]
    assert db_down and all(b["database"]["state"] == "down" for b in db_down)
    redis_down = [b for code, b in report["health_while_redis_down"] if code == 503]
    assert redis_down and all(b["channel_layer"]["state"] == "down" for b in redis_down)
