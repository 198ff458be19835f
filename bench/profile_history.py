"""Where a history read's time goes: GET /api/v1/chat/threads/{id}/messages?limit=20 in
process, CPU per read, then under pyinstrument.

    python bench/profile_history.py                  # 300 reads, SQLite scratch database
    python bench/profile_history.py --db pg --n 500  # PostgreSQL (BENCH_PG_URL)

Prints the queries one read makes (SQL, in order), the CPU time per read without the
profiler (``time.process_time``, the figure least moved by other load on the machine),
with ``--asgi N`` the same through the ASGI application N at a time (and, for comparison,
the smallest authenticated request), and the pyinstrument call tree (``--html FILE``
writes the interactive one). Django's test client drives the full stack minus the ASGI
server: middleware, auth, the view, the selectors, rendering. The page has files and
likes on some messages, so the read does all of its work.
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
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--html")
    parser.add_argument(
        "--asgi",
        type=int,
        default=0,
        metavar="CONC",
        help="also drive the ASGI application in process, CONC requests at a time "
        "(Django's ASGI handler and its thread hops, minus the server's HTTP parsing)",
    )
    args = parser.parse_args()
    db = Database(args.db)
    try:
        os.environ.update(
            DATABASE_URL=db.url,
            SECRET_KEY="bench",
            DJANGO_SETTINGS_MODULE="chatproject.settings",
            MEDIA_ROOT=f"{db.tmp}/media",
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
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from pyinstrument import Profiler

    from chatproject.accounts import services as accounts
    from chats import services as chats
    from chats.models import Message
    from reactions import services as reactions
    from reactions.models import THUMBS_UP
    from threads.models import Workspace, WorkspaceMember

    User = get_user_model()
    ws = Workspace.objects.get(slug="default")
    alice = User.objects.create_user("alice", password="x")
    bob = User.objects.create_user("bob", password="x")
    for u in (alice, bob):
        WorkspaceMember.objects.get_or_create(workspace=ws, user=u)
    _, token = accounts.token_issue(user=bob)
    _, thread, _ = chats.message_send_direct(workspace=ws, actor=alice, recipient=bob, text="hello")
    Message.objects.bulk_create(
        Message(thread=thread, author=alice, text=f"message {i}") for i in range(args.messages)
    )
    # A few messages of the latest page carry a file and a like.
    for k in range(3):
        upload = SimpleUploadedFile(f"f{k}.txt", b"hello", content_type="text/plain")
        attachment = chats.attachment_create(uploaded_by=alice, file=upload)
        message = chats.message_send(
            thread=thread, actor=alice, text=f"file {k}", attachment_ids=[attachment.pk]
        )
        reactions.reaction_add(message=message, actor=bob, name=THUMBS_UP)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    url = f"/api/v1/chat/threads/{thread.pk}/messages?limit=20"

    def read():
        response = client.get(url)
        assert response.status_code == 200, response.content

    for _ in range(20):
        read()  # the first read moves bob's mark; the rest re-read
    with CaptureQueriesContext(connection) as queries:
        read()
    print(f"queries per read: {len(queries.captured_queries)}")
    for q in queries.captured_queries:
        print("  ", q["sql"][:200])

    cpu0, t0 = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        read()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    print(
        f"\n{args.n} reads: {cpu / args.n * 1000:.2f} ms CPU per read, "
        f"{wall / args.n * 1000:.2f} ms wall (no profiler)"
    )

    if args.asgi:
        asgi_reads(args, url, token, label="history page")
        # The smallest authenticated request (one token query, a tiny body): what any
        # request costs in Django, DRF and the handler before its own work.
        asgi_reads(args, "/api/v1/users/me", token, label="GET /api/v1/users/me (floor)")

    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(args.n):
        read()
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())


def asgi_reads(args, url, token, *, label):
    """CPU per read through ``chatproject.asgi.application``, ``args.asgi`` at a time."""
    import asyncio

    from chatproject.asgi import application

    path, _, query = url.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }

    async def one():
        sent = []

        async def receive():
            if not sent:
                sent.append(1)
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.sleep(3600)

        status = []

        async def send(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])

        await application(dict(scope), receive, send)
        assert status == [200], status

    async def run(n):
        queue = iter(range(n))

        async def worker():
            for _ in queue:
                await one()

        await asyncio.gather(*(worker() for _ in range(args.asgi)))

    asyncio.run(run(20))
    cpu0, t0 = time.process_time(), time.perf_counter()
    asyncio.run(run(args.n))
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - t0
    print(
        f"ASGI, {label}, {args.asgi} at a time, {args.n} requests: "
        f"{cpu / args.n * 1000:.2f} ms CPU per request, {args.n / wall:.1f} requests/s"
    )


if __name__ == "__main__":
    main()
