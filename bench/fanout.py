"""Fan-out benchmark (not a test): one message to N websocket subscribers of one thread,
served by a real server process on one worker.

    python bench/fanout.py                              # 1,000 subscribers, uvicorn, SQLite
    python bench/fanout.py --server daphne --db pg      # daphne, PostgreSQL (BENCH_PG_URL)
    python bench/fanout.py --env REDIS_URL=redis://127.0.0.1:6379/5   # through channels-redis
    python bench/fanout.py --subscribers 200 --messages 10

It migrates a scratch database, makes N subscribers of one thread and their tokens
(``build``, run in ``manage.py shell``), starts the server (one process, one worker),
connects N websockets from this process (aiohttp, 100 at a time), closes them and
connects them all again (a reconnect storm after a deploy), timing both, then sends each
message over REST as the thread's host and prints how long each subscriber waited for its
``message.created`` frame, from the moment the send started (request, database write,
commit, publish, channel layer, consumers, network) — and the server's CPU per fan-out,
which the load of other work on the machine moves least. The client's own work (1,000
sockets' frames parsed in one Python process) is in the latency.

Before every measured message an event the subscribers may not see is committed
(``--no-noise`` turns that off), so event ids jump as they do on a busy server and the
consumers take the log-tail path (one range query per process) rather than the "next id"
shortcut.
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from _common import Server, add_server_args, describe_run

BUILD = r"""
import json, sys
sys.path.insert(0, "bench")
from fanout import build
host, thread, noise, host_token, tokens = build(%d)
print("FANOUT " + json.dumps({"thread": str(thread.pk), "noise": str(noise.pk),
      "host": host_token, "tokens": tokens}))
"""


def build(subscribers: int):
    """Users, one (custom) thread they all belong to, a private thread, and their tokens."""
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
    thread = thread_services.custom_thread_create(
        workspace=workspace, creator=host, title="Fan-out", members=[]
    )
    noise = thread_services.custom_thread_create(
        workspace=workspace, creator=host, title="Elsewhere", members=[]
    )
    with transaction.atomic():
        # Bulk membership: a benchmark's setup, not a product path (no member.added events).
        Membership.objects.bulk_create(Membership(thread=thread, user=u) for u in audience)
        tokens = [accounts.token_issue(user=u)[1] for u in audience]
        host_token = accounts.token_issue(user=host)[1]
    return host, thread, noise, host_token, tokens


async def measure(server: Server, facts: dict, messages: int, use_noise: bool) -> list[float]:
    ws_base = server.base.replace("http", "ws") + "/ws/events/?token="
    send_url = server.base + "/api/v1/chat/messages"
    host = {"Authorization": f"Bearer {facts['host']}"}
    conn = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=conn) as http:
        # Every socket is read all along (aiohttp answers the server's pings only while
        # reading; an unread socket would be closed for not answering them).
        arrivals: dict[str, list[float]] = {}

        async def read(socket) -> None:
            async for frame in socket:
                data = json.loads(frame.data)
                if data.get("type") == "message.created":
                    text = data["data"]["message"]["text"]
                    arrivals.setdefault(text, []).append(time.perf_counter())

        async def connect_all(label: str) -> tuple[list, list]:
            started, cpu0 = time.perf_counter(), server.cpu()
            sockets, readers = [], []
            tokens = facts["tokens"]
            for chunk in range(0, len(tokens), 100):
                opened = await asyncio.gather(
                    *(
                        http.ws_connect(
                            ws_base + t, headers={"Origin": server.base}, heartbeat=None
                        )
                        for t in tokens[chunk : chunk + 100]
                    )
                )
                sockets += opened
                readers += [asyncio.ensure_future(read(s)) for s in opened]
            print(
                f"{label}: {len(sockets)} sockets in {time.perf_counter() - started:.1f} s"
                f" (server CPU {server.cpu() - cpu0:.1f} s)"
            )
            return sockets, readers

        # First connects touch every token's last use (a write each); then all drop and
        # come back at once, as after a deploy: the reconnect storm the target is about.
        sockets, readers = await connect_all("first connect")
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        sockets, readers = await connect_all("reconnect storm")

        async def send(thread: str, text: str) -> None:
            body = {"thread": thread, "content": text}
            async with http.post(send_url, json=body, headers=host) as response:
                assert response.status in (200, 201), await response.text()

        latencies: list[float] = []
        try:
            for n in range(messages):
                if use_noise:
                    await send(facts["noise"], f"noise {n}")
                await asyncio.sleep(0.2)  # the noise delivered
                text = f"fan-out {n}"
                cpu_at, sent_at = server.cpu(), time.perf_counter()
                await send(facts["thread"], text)
                deadline = time.monotonic() + 60
                while len(arrivals.get(text, ())) < len(sockets):
                    if time.monotonic() > deadline:
                        raise SystemExit(f"{text}: {len(arrivals.get(text, ()))} arrived")
                    await asyncio.sleep(0.005)
                cpu_ms = (server.cpu() - cpu_at) * 1000
                round_ms = [(t - sent_at) * 1000 for t in arrivals[text]]
                latencies.extend(round_ms)
                print(
                    f"message {n + 1}: p50 {statistics.median(round_ms):.0f} ms, last subscriber"
                    f" {max(round_ms):.0f} ms, server CPU {cpu_ms:.0f} ms"
                )
        finally:
            for reader in readers:
                reader.cancel()
            await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
    return latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_server_args(parser)
    parser.set_defaults(server="uvicorn")
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5)
    parser.add_argument("--no-noise", action="store_true", help="ids arrive one after another")
    args = parser.parse_args()

    server = Server(args)
    try:
        out = server.shell(BUILD % args.subscribers)
        facts = json.loads(next(x for x in out.splitlines() if x.startswith("FANOUT "))[7:])
        server.start()
        print(f"{describe_run(args)}; subscribers: {args.subscribers}")
        latencies = asyncio.run(measure(server, facts, args.messages, not args.no_noise))
    finally:
        server.stop()
    print(
        f"delivery latency over {len(latencies)} deliveries: "
        f"p50 {statistics.median(latencies):.1f} ms, "
        f"p99 {percentile(latencies, 99):.1f} ms, max {max(latencies):.1f} ms"
    )


if __name__ == "__main__":
    main()
