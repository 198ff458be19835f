"""Send figure: POST /api/v1/chat/messages, sequential and 16 concurrent, with CPU per send.

    python bench/send.py                          # SQLite, daphne
    python bench/send.py --db pg --server uvicorn # PostgreSQL (BENCH_PG_URL), uvicorn

Prints msgs/s, p50/p99 and the server process's CPU ms per send; on PostgreSQL also the
CPU of the database's backends per send (read from /proc: same machine only).
"""

import argparse
import asyncio
import sys
import time
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


async def run(server: Server, args) -> list[dict]:
    url = server.base + "/api/v1/chat/messages"
    thread = server.facts["thread"]
    rows = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=args.conc + 4)) as http:

        async def send(w, k):
            body = {"thread": thread, "content": f"w{w} m{k} {time.time_ns()}"}
            async with http.post(url, json=body, headers=server.headers("bob")) as r:
                await r.read()
                return r.status == 200

        for k in range(20):  # warm up: imports, the pool, caches
            await send(0, k)

        dbcpu = DbCpu(server.db)
        for name, conc, duration in (
            ("send, sequential", 1, args.duration),
            (f"send, {args.conc} concurrent", args.conc, args.duration),
        ):
            dbcpu.start()
            cpu0 = server.cpu()
            lat, wall, errors = await concurrent(send, conc=conc, duration=duration)
            cpu = server.cpu() - cpu0
            db = dbcpu.stop()
            row = summary(name, lat, wall, errors)
            row["server_cpu_ms_per_send"] = round(cpu / max(1, len(lat)) * 1000, 2)
            if server.db.kind == "pg":
                row["pg_cpu_ms_per_send"] = round(db / max(1, len(lat)) * 1000, 2)
            if server.db.kind == "pg":
                row["pg_sessions_opened"] = server.db.sessions_opened()
            rows.append(row)
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_server_args(parser)
    parser.add_argument("--conc", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    with Server(args) as server:
        rows = asyncio.run(run(server, args))
    print(describe_run(args))
    print_table(rows)


if __name__ == "__main__":
    main()
