"""Fan-out benchmark (not a test): one message to N websocket subscribers of one thread.

    python bench/fanout.py                      # 1,000 subscribers, in-memory layer, SQLite
    REDIS_URL=redis://127.0.0.1:6379/5 python bench/fanout.py   # through channels-redis
    python bench/fanout.py --subscribers 200 --messages 10

It builds a throwaway SQLite database in a temporary directory (or uses ``DATABASE_URL``
if set: give it a database you can throw away, it creates users and threads there),
opens N sockets to ``chatproject.asgi.application`` in this process with
``WebsocketCommunicator`` (token auth, the real consumer), sends each message through
``chats.services.message_send`` and prints how long each subscriber waited for its
``message.created`` frame: p50/p99/max from the moment the send started (the database
write, commit, publish, channel layer, consumer and JSON encoding; not a network).

Before every measured message an event the subscribers may not see is committed in
another thread (``--no-noise`` turns that off), so event ids jump as they do on a busy
server and the consumers take the log-tail path (one range query per process) rather
than the "next id" shortcut.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def setup_django() -> None:
    if not os.environ.get("DATABASE_URL"):
        scratch = tempfile.mkdtemp(prefix="fanout-")
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatproject.settings")
    # Heartbeats are a separate, steady load (one ping and token check per socket per
    # interval); keep them out of the fan-out being measured.
    os.environ.setdefault("CHAT_EVENTS_PING_INTERVAL_S", "600")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build(subscribers: int):
    """Users, one session thread they all belong to, a private thread, and their tokens."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from chatproject.accounts import services as accounts
    from chatproject.accounts.models import SuperIdentity
    from threads import services as thread_services
    from threads.models import Membership, Workspace, WorkspaceMember

    User = get_user_model()
    workspace = Workspace.objects.get(slug="default")
    run = time.strftime("%H%M%S")
    with transaction.atomic():
        # bulk_create skips User.save(), which would make each user's super identity.
        identities = SuperIdentity.objects.bulk_create(
            SuperIdentity(kind=SuperIdentity.Kind.USER) for _ in range(subscribers + 1)
        )
        users = User.objects.bulk_create(
            User(username=f"fan{run}-{i}", password="!", super_identity=identity)
            for i, identity in enumerate(identities)
        )
        WorkspaceMember.objects.bulk_create(
            WorkspaceMember(workspace=workspace, user=u) for u in users
        )
    host, audience = users[0], users[1:]
    thread = thread_services.session_create(workspace=workspace, host=host, title="Fan-out")
    noise = thread_services.custom_thread_create(
        workspace=workspace, creator=host, title="Elsewhere", members=[]
    )
    with transaction.atomic():
        # Bulk membership: a benchmark's setup, not a product path (no member.added events).
        Membership.objects.bulk_create(Membership(thread=thread, user=u) for u in audience)
        tokens = [accounts.token_issue(user=u)[1] for u in audience]
    return host, thread, noise, tokens


async def measure(host, thread, noise, tokens, messages: int, use_noise: bool) -> list[float]:
    from channels.db import database_sync_to_async
    from channels.testing import WebsocketCommunicator

    from chatproject.asgi import application
    from chats import services as chat_services

    headers = [(b"origin", b"http://127.0.0.1")]
    sockets = [
        WebsocketCommunicator(application, f"/ws/events/?token={t}", headers=headers)
        for t in tokens
    ]
    started = time.perf_counter()
    for chunk in range(0, len(sockets), 100):
        results = await asyncio.gather(
            *(s.connect(timeout=60) for s in sockets[chunk : chunk + 100])
        )
        assert all(ok for ok, _ in results), "a socket was refused"
    print(f"connected {len(sockets)} sockets in {time.perf_counter() - started:.1f}s")

    send = database_sync_to_async(chat_services.message_send)
    latencies: list[float] = []

    async def wait_for_created(socket) -> float:
        while True:
            frame = await socket.receive_json_from(timeout=60)
            if frame.get("type") == "message.created":
                return time.perf_counter()

    try:
        for n in range(messages):
            if use_noise:
                await send(thread=noise, actor=host, text=f"noise {n}")
            waiters = [asyncio.ensure_future(wait_for_created(s)) for s in sockets]
            await asyncio.sleep(0)  # let every waiter start listening
            sent_at = time.perf_counter()
            await send(thread=thread, actor=host, text=f"fan-out {n}")
            send_s = time.perf_counter() - sent_at
            received = await asyncio.gather(*waiters)
            round_ms = [(t - sent_at) * 1000 for t in received]
            latencies.extend(round_ms)
            print(
                f"message {n + 1}: send+commit+publish {send_s * 1000:.1f} ms, "
                f"last subscriber {max(round_ms):.1f} ms"
            )
    finally:
        await asyncio.gather(*(s.disconnect() for s in sockets), return_exceptions=True)
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--no-noise", action="store_true", help="ids arrive one after another")
    args = parser.parse_args()

    setup_django()
    from django.conf import settings
    from django.db import connection

    layer = "channels-redis" if settings.REDIS_URL else "in-memory"
    print(f"layer: {layer}; database: {connection.vendor}; subscribers: {args.subscribers}")
    host, thread, noise, tokens = build(args.subscribers)
    latencies = asyncio.run(
        measure(host, thread, noise, tokens, args.messages, use_noise=not args.no_noise)
    )
    print(
        f"delivery latency over {len(latencies)} deliveries: "
        f"p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main()
