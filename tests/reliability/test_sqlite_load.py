"""The embedded default under load (issue 14, part 5; README "Reliability").

One uvicorn process on a fresh SQLite file (WAL, ``BEGIN IMMEDIATE``, a 30 s busy
timeout: ``chatproject/dburl.py``) and the in-memory channel layer, as ``scripts/serve``
runs it. 16 writers post over REST and 16 send ``message.send`` over websockets, as fast
as they are answered, for 30 s. Afterwards: no writer ever met "database is locked" (nor
any other error), and every acknowledged message is stored exactly once.

Marker ``load``: ``scripts/test`` runs it in the last pass, apart from the parallel one
(it keeps both cores busy for 30 s, which would slow every test beside it).
"""

import asyncio
import json
import sqlite3
import time

import pytest

from tests.reliability import load
from tests.reliability.processes import Server, manage, seed, server_env, tail

pytestmark = pytest.mark.load

REST_WRITERS = 16
WS_WRITERS = 16
DURATION_S = 30
GIVE_UP_AFTER_S = 30

WRITERS = [*(f"rest{i}" for i in range(REST_WRITERS)), *(f"ws{i}" for i in range(WS_WRITERS))]
# Two threads, every writer in both: writes to one thread and across threads both contend.
THREADS = {"one": WRITERS, "two": [*WRITERS[1:], WRITERS[0]]}


@pytest.fixture
def sqlite_server(tmp_path):
    database = tmp_path / "load.sqlite3"
    env = server_env(DATABASE_URL=f"sqlite:///{database}", MEDIA_ROOT=str(tmp_path / "media"))
    manage(env, "migrate", "--noinput", "-v0")
    data = seed(env, WRITERS, THREADS)
    server = Server("sqlite", tmp_path, env)
    server.start()
    try:
        yield {"server": server, "data": data, "database": database}
    finally:
        server.stop()


async def drive(server, data) -> load.Tally:
    load.use_threads(REST_WRITERS + 8)
    tally = load.Tally()
    stop, give_up = asyncio.Event(), asyncio.Event()
    threads = list(data["threads"].values())
    writers = [
        asyncio.create_task(
            (load.rest_sender if name.startswith("rest") else load.ws_sender)(
                name,
                token=data["users"][name]["token"],
                threads=threads,
                servers=[server],
                tally=tally,
                stop=stop,
                give_up=give_up,
                pause=0,
            )
        )
        for name in WRITERS
    ]
    await asyncio.sleep(DURATION_S)
    stop.set()
    await asyncio.wait(writers, timeout=GIVE_UP_AFTER_S)
    give_up.set()
    for outcome in await asyncio.gather(*writers, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome
    return tally


def test_sqlite_holds_32_concurrent_writers_without_locking_errors(sqlite_server, capsys):
    server, data = sqlite_server["server"], sqlite_server["data"]
    started = time.monotonic()
    tally = asyncio.run(drive(server, data))
    elapsed = time.monotonic() - started
    server.stop()  # its log is complete, and the file is ours alone to read

    with sqlite3.connect(sqlite_server["database"]) as db:
        stored = db.execute(
            "SELECT id, text FROM chats_message WHERE thread_id IN (?, ?)",
            [t.replace("-", "") for t in data["threads"].values()],
        ).fetchall()
    by_text: dict[str, list[str]] = {}
    for message_id, text in stored:
        by_text.setdefault(text, []).append(message_id)
    duplicates = sum(len(ids) - 1 for ids in by_text.values())
    lost = [cid for cid in tally.acked if cid not in by_text]
    log = server.logfile.read_text(errors="replace")
    locked_in_log = log.count("database is locked")

    figures = {
        "writers": f"{REST_WRITERS} REST + {WS_WRITERS} websocket",
        "duration (s)": DURATION_S,
        "messages sent": len(tally.sent),
        "acknowledged": len(tally.acked),
        "stored": len(stored),
        "duplicates": duplicates,
        "lost (acknowledged, not stored)": len(lost),
        "'database is locked' errors": tally.db_locked + locked_in_log,
        "error answers": dict(tally.statuses),
        "acknowledged per second": round(len(tally.acked) / DURATION_S, 1),
        "acknowledged per way": {k: len(v) for k, v in tally.latencies.items()},
        # A websocket sender that waits 10 s without an ack reconnects and sends again.
        "websocket resends (no ack in 10 s, or closed)": {
            str(k): v for k, v in tally.ws_closes.items()
        },
        "ack latency p50 / p99 (ms)": {
            kind: [round(load.percentile(v, 0.5) * 1000), round(load.percentile(v, 0.99) * 1000)]
            for kind, v in tally.latencies.items()
        },
        "wall time (s)": round(elapsed, 1),
        "machine, date": load.machine(),
    }
    with capsys.disabled():
        print("\n== SQLite under load (tests/reliability/test_sqlite_load.py) ==")
        print(json.dumps(figures, indent=2))

    assert tally.db_locked == 0 and locked_in_log == 0, tail(server.logfile)
    assert tally.bad_answers == [] and not tally.statuses, tally.bad_answers[:10]
    assert tally.given_up == []
    assert lost == [] and duplicates == 0
    assert len(tally.acked) == len(tally.sent) > 0
