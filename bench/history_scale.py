"""History at scale: a page of 20 in a thread of 1,000 messages against one of 1,000,000.

    python bench/history_scale.py                  # SQLite scratch database
    python bench/history_scale.py --db pg          # PostgreSQL (BENCH_PG_URL)
    python bench/history_scale.py --big 100000     # a smaller big thread

Both threads live in one scratch database; the rows are generated in SQL (a recursive CTE
on SQLite, ``generate_series`` on PostgreSQL), so setup is bounded (about a minute for a
million rows). Pages are read in process through Django's test client (the whole stack
minus the ASGI server), alternating between the threads so machine noise hits both alike:
the latest page (what a reader opens) and a page ``before`` a message in the middle.
The target: the big thread's page within 1.2x the small one's.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import Database, print_table

SQLITE_FILL = """
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %s)
INSERT INTO chats_message (id, thread_id, author_id, role, text, created_at, is_removed)
SELECT lower(hex(randomblob(16))), %s, %s, 'user', 'message ' || i,
       strftime('%%Y-%%m-%%d %%H:%%M:%%f', '2020-01-01', '+' || i || ' seconds'), 0
FROM n
"""
PG_FILL = """
INSERT INTO chats_message (id, thread_id, author_id, role, text, created_at, is_removed)
SELECT gen_random_uuid(), %s, %s, 'user', 'message ' || i,
       timestamptz '2020-01-01 00:00:00+00' + i * interval '1 second', false
FROM generate_series(1, %s) AS i
"""


def fill(thread, author, n: int) -> float:
    from django.db import connection, transaction

    t0 = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(SQLITE_FILL, [n, thread.pk.hex, author.pk.hex])
        else:
            cursor.execute(PG_FILL, [thread.pk, author.pk, n])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--reads", type=int, default=200, help="reads per thread and kind")
    args = parser.parse_args()
    db = Database(args.db)
    try:
        os.environ.update(
            DATABASE_URL=db.url, SECRET_KEY="bench", DJANGO_SETTINGS_MODULE="chatproject.settings"
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
    print(f"db={args.db}; reads through Django's test client, alternating threads")
    print_table(rows)


def measure(args) -> list[dict]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from chatproject.accounts import services as accounts
    from chats.models import Message
    from threads import services as thread_services
    from threads.models import Workspace, WorkspaceMember

    User = get_user_model()
    ws = Workspace.objects.get(slug="default")
    alice = User.objects.create_user("alice", password="x")
    bob = User.objects.create_user("bob", password="x")
    for u in (alice, bob):
        WorkspaceMember.objects.get_or_create(workspace=ws, user=u)
    threads = {}
    for name, n in (("small", args.small), ("big", args.big)):
        thread = thread_services.custom_thread_create(
            workspace=ws, creator=alice, title=name, members=[bob]
        )
        took = fill(thread, alice, n)
        print(f"{name}: {n:,} messages generated in {took:.1f} s", flush=True)
        middle = (
            Message.objects.filter(thread=thread).order_by("created_at")[n // 2 : n // 2 + 1].get()
        )
        threads[name] = (thread, n, middle)
    _, token = accounts.token_issue(user=bob)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")

    def read(thread, **params):
        t0 = time.perf_counter()
        response = client.get(f"/api/v1/chat/threads/{thread.pk}/messages", params)
        took = time.perf_counter() - t0
        assert response.status_code == 200 and len(response.json()) == 20, response.content
        return took

    kinds = {
        "latest page": lambda t, m: read(t, limit=20),
        "page before the middle": lambda t, m: read(t, limit=20, before=str(m.pk)),
    }
    times = {(k, name): [] for k in kinds for name in threads}
    for _ in range(10):  # warm up, and the first read moves bob's marks
        for fn in kinds.values():
            for thread, _, middle in threads.values():
                fn(thread, middle)
    for _ in range(args.reads):
        for kind, fn in kinds.items():
            for name, (thread, _, middle) in threads.items():
                times[(kind, name)].append(fn(thread, middle))
    rows = []
    for kind in kinds:
        small = statistics.median(times[(kind, "small")])
        big = statistics.median(times[(kind, "big")])
        rows.append(
            {
                "page of 20": kind,
                f"{args.small:,} msgs p50 ms": round(small * 1000, 2),
                f"{args.big:,} msgs p50 ms": round(big * 1000, 2),
                "big / small": round(big / small, 2),
            }
        )
    return rows


if __name__ == "__main__":
    main()
