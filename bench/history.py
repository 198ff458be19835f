"""History figure: GET /api/v1/chat/threads/{id}/messages?limit=20, sequential and 16
concurrent, by the reader whose mark is already at the newest message (the common case:
re-reading a thread), plus how many Event rows the reads wrote (should be 0).

    python bench/history.py                           # SQLite, daphne
    python bench/history.py --db pg --server uvicorn  # PostgreSQL (BENCH_PG_URL), uvicorn
"""

import argparse
import asyncio
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from _common import (
    DbCpu,
    Server,
    add_server_args,
    concurrent,
    describe_run,
    print_table,
    summary,
)

FILL = """
from chats.models import Message
from threads.models import Thread
from django.contrib.auth import get_user_model
thread = Thread.objects.get(pk="{thread}")
alice = get_user_model().objects.get(username="alice")
Message.objects.bulk_create(
    Message(thread=thread, author=alice, text=f"message {{i}}") for i in range({n})
)
"""
EVENTS = "from threads.models import Event; print('EVENTS', Event.objects.count())"


def events(server: Server) -> int:
    out = server.shell(EVENTS)
    return int(next(x for x in out.splitlines() if x.startswith("EVENTS")).split()[1])


async def run(server: Server, args) -> list[dict]:
    url = f"{server.base}/api/v1/chat/threads/{server.facts['thread']}/messages?limit=20"
    rows = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.conc + 4)) as http:

        async def read(w, k):
            async with http.get(url, headers=server.headers("bob")) as r:
                await r.read()
                return r.status == 200

        for k in range(20):
            await read(0, k)  # the first read moves bob's mark; the rest re-read
        before = events(server)
        dbcpu = DbCpu(server.db)
        for name, conc in (
            ("history page of 20, sequential", 1),
            (f"history, {args.conc} concurrent", args.conc),
        ):
            dbcpu.start()
            cpu0 = server.cpu()
            lat, wall, errors = await concurrent(read, conc=conc, duration=args.duration)
            row = summary(name, lat, wall, errors)
            row["server_cpu_ms_per_read"] = round(
                (server.cpu() - cpu0) / max(1, len(lat)) * 1000, 2
            )
            if server.db.kind == "pg":
                row["pg_cpu_ms_per_read"] = round(dbcpu.stop() / max(1, len(lat)) * 1000, 2)
            rows.append(row)
        written = events(server) - before
    for row in rows:
        row["events_written_by_reads"] = written
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_server_args(parser)
    parser.add_argument("--conc", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--messages", type=int, default=200, help="messages in the thread")
    args = parser.parse_args()
    server = Server(args)
    server.shell(FILL.format(thread=server.facts["thread"], n=args.messages))
    with server:
        rows = asyncio.run(run(server, args))
    print(describe_run(args))
    print_table(rows)


if __name__ == "__main__":
    main()
