"""Where a send's time goes: POST /api/v1/chat/messages in process, under pyinstrument.

    python bench/profile_send.py                 # 300 sends, SQLite scratch database
    python bench/profile_send.py --db pg --n 500 # PostgreSQL (BENCH_PG_URL)

Prints the queries one send makes (SQL, in order), CPU per send without the profiler
(``time.process_time``), the mean wall time per send under it, and the
pyinstrument call tree (``--html FILE`` writes the interactive one). Django's test client
drives the full stack minus the ASGI server: middleware, auth, the view, the service,
the event, publish to the in-memory channel layer.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _common import Database


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--html")
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
        profile(args)
    finally:
        from django.db import connections

        connections.close_all()
        db.drop()


def profile(args):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from chatproject.accounts import services as accounts
    from chats import services as chats
    from threads.models import Workspace, WorkspaceMember

    User = get_user_model()
    ws = Workspace.objects.get(slug="default")
    alice = User.objects.create_user("alice", password="x")
    bob = User.objects.create_user("bob", password="x")
    for u in (alice, bob):
        WorkspaceMember.objects.get_or_create(workspace=ws, user=u)
    _, token = accounts.token_issue(user=bob)
    _, thread, _ = chats.message_send_direct(workspace=ws, actor=alice, recipient=bob, text="hello")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")

    def send(k):
        response = client.post(
            "/api/v1/chat/messages",
            {"thread": str(thread.pk), "content": f"message {k}"},
            content_type="application/json",
        )
        assert response.status_code == 200, response.content

    for k in range(20):
        send(k)
    with CaptureQueriesContext(connection) as queries:
        send("counted")
    print(f"queries per send: {len(queries.captured_queries)}")
    for q in queries.captured_queries:
        print("  ", q["sql"][:150])

    cpu0, t0 = time.process_time(), time.perf_counter()
    for k in range(args.n):
        send(f"plain {k}")
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    print(
        f"\n{args.n} sends: {cpu / args.n * 1000:.2f} ms CPU per send, "
        f"{wall / args.n * 1000:.2f} ms wall (no profiler)"
    )

    profiler = Profiler(interval=0.0005)
    t0 = time.perf_counter()
    profiler.start()
    for k in range(args.n):
        send(k)
    profiler.stop()
    wall = time.perf_counter() - t0
    print(f"\n{args.n} sends, {wall / args.n * 1000:.2f} ms per send (wall, under the profiler)")
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


if __name__ == "__main__":
    main()
