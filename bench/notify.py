"""Notify figure: alice sends over REST, bob hears it on /ws/events/; latency from the start
of the send to bob's ``message.created`` frame, p50/p99 over ``--n`` sends ``--gap`` apart.
The send's own round trip (POST to its answer) is printed beside it: the frame can only
come after the send's commit, so that part of the latency is the send's, not delivery's.

    python bench/notify.py                           # SQLite, daphne
    python bench/notify.py --db pg --server uvicorn  # PostgreSQL (BENCH_PG_URL), uvicorn
"""

import argparse
import asyncio
import contextlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from _common import Server, add_server_args, describe_run, print_table, summary


async def run(server: Server, args) -> list[dict]:
    url = server.base + "/api/v1/chat/messages"
    ws_url = server.base.replace("http", "ws") + f"/ws/events/?token={server.facts['bob']}"
    started: dict[str, float] = {}
    latencies: list[float] = []
    round_trips: list[float] = []
    arrived = asyncio.Event()
    async with (
        aiohttp.ClientSession() as http,
        http.ws_connect(ws_url, headers={"Origin": server.base}) as ws,
    ):

        async def listen():
            async for msg in ws:
                frame = json.loads(msg.data)
                if frame.get("type") != "message.created":
                    continue
                text = frame["data"]["message"]["text"]
                if text in started:
                    latencies.append(time.perf_counter() - started.pop(text))
                    arrived.set()

        listener = asyncio.create_task(listen())
        for k in range(args.n + 5):
            text = f"ping {k} {time.time_ns()}"
            arrived.clear()
            t0 = time.perf_counter()
            started[text] = t0
            async with http.post(
                url,
                json={"thread": server.facts["thread"], "content": text},
                headers=server.headers("alice"),
            ) as r:
                await r.read()
            round_trips.append(time.perf_counter() - t0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(arrived.wait(), 10)
            if k == 4:
                latencies.clear()  # the first five warm up
                round_trips.clear()
            await asyncio.sleep(args.gap)
        listener.cancel()
    row = summary("send -> other user notified", latencies, 0)
    row.pop("per_s")
    row["lost"] = args.n - len(latencies)
    sends = summary("the send's own round trip (POST -> 200)", round_trips, 0)
    sends.pop("per_s")
    return [row, sends]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_server_args(parser)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--gap", type=float, default=0.05)
    args = parser.parse_args()
    with Server(args) as server:
        rows = asyncio.run(run(server, args))
    print(describe_run(args))
    print_table(rows)


if __name__ == "__main__":
    main()
