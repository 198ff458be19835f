"""The PostgreSQL event-order lock: sends from 16 threads with each scheme.

    python bench/event_lock.py                 # BENCH_PG_URL's server, 16 threads, 3 rounds
    python bench/event_lock.py --threads 16 --duration 10 --rounds 3

``threads.events.record`` marks an event writer in flight with a SHARED transaction-scoped
advisory lock (readers wait for writers, writers never wait for each other). It used to
take the lock EXCLUSIVE, so ids committed in id order, which serialized every write in the
system from the event insert to the commit. Compared: "exclusive (before)", "shared (now)"
and "none" (the lock replaced by a no-op: the ceiling). Each worker
thread here sends to its OWN chat thread (so no thread row lock is shared: only the
advisory lock is), through ``chats.services.message_send`` on its own connection.
Rounds alternate "with" and "without" (the lock replaced by a no-op) so machine noise hits
both; prints sends/s per round and the cost of the lock.
"""

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import Database, print_table


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    db = Database("pg")
    try:
        os.environ.update(
            DATABASE_URL=db.url,
            SECRET_KEY="bench",
            DJANGO_SETTINGS_MODULE="chatproject.settings",
            DATABASE_POOL_MAX_SIZE="0",  # one persistent connection per worker thread
            DATABASE_CONN_MAX_AGE="600",
        )
        os.environ.pop("REDIS_URL", None)
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        rows = measure(args)
    finally:
        from django.db import connections

        connections.close_all()
        db.drop()
    print(f"PostgreSQL, {args.threads} threads, {args.duration:.0f} s per round")
    print_table(rows)


def measure(args) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from chats import services as chats
    from threads import events
    from threads import services as thread_services
    from threads.models import Workspace, WorkspaceMember

    User = get_user_model()
    ws = Workspace.objects.get(slug="default")
    users = [User.objects.create_user(f"u{i}", password="x") for i in range(args.threads)]
    for u in users:
        WorkspaceMember.objects.get_or_create(workspace=ws, user=u)
    chat_threads = [
        thread_services.custom_thread_create(workspace=ws, creator=u, title=f"t{i}", members=[])
        for i, u in enumerate(users)
    ]
    connection.close()
    real_mark = events._in_flight_mark

    def run_round() -> float:
        counts = [0] * args.threads
        stop_at = time.monotonic() + args.duration
        barrier = threading.Barrier(args.threads)

        def worker(i):
            from django.db import connection as conn

            chats.message_send(thread=chat_threads[i], actor=users[i], text="warm")
            barrier.wait()
            while time.monotonic() < stop_at:
                chats.message_send(thread=chat_threads[i], actor=users[i], text="x")
                counts[i] += 1
            conn.close()

        workers = [threading.Thread(target=worker, args=(i,)) for i in range(args.threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return sum(counts) / args.duration

    def exclusive_lock():
        return ", pg_advisory_xact_lock(%s)", [events.EVENT_ORDER_LOCK]

    schemes = {
        "exclusive (before)": exclusive_lock,
        "shared (now)": real_mark,
        "none": lambda: ("", []),
    }
    results: dict[str, list[float]] = {name: [] for name in schemes}
    for _ in range(args.rounds):
        for name, mark in schemes.items():
            events._in_flight_mark = mark
            results[name].append(run_round())
    events._in_flight_mark = real_mark
    without = statistics.median(results["none"])
    return [
        {
            "advisory lock": name,
            "sends/s per round": ", ".join(f"{r:.1f}" for r in rates),
            "median sends/s": round(statistics.median(rates), 1),
        }
        for name, rates in results.items()
    ] + [
        {
            "advisory lock": f"cost of {name}",
            "sends/s per round": "",
            "median sends/s": f"{(1 - statistics.median(results[name]) / without) * 100:.1f}%"
            " fewer sends than none",
        }
        for name in ("exclusive (before)", "shared (now)")
    ]


if __name__ == "__main__":
    main()
