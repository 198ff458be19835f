"""Paired comparison: two servers up at once, requests alternating between them.

    python bench/paired.py --db pg --base /tmp/old-checkout     # sends, old code vs this
    python bench/paired.py --b-env CHAT_REQUEST_SHORTCUTS=none --read   # one setting

A is ``--base`` (another checkout, e.g. a ``git worktree`` of an older commit; this one
by default), B is this checkout; ``--a-env``/``--b-env`` set a variable on one side only.
Each round sends one request to each, in alternating order, ``--gap`` s apart, so both
meet the same machine: on a shared machine, figures from runs minutes apart differ by
more than most changes do. Prints p50 and mean latency and the server's CPU per request
(``/proc``, clock ticks summed over the requests) for each side.
"""

import argparse
import asyncio
import copy
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from _common import ROOT, Server, add_server_args, describe_run


async def run(sides: dict[str, Server], args) -> None:
    async with aiohttp.ClientSession() as http:

        async def one(server: Server, k: int) -> float:
            started = time.perf_counter()
            if args.read:
                path = f"/api/v1/chat/threads/{server.facts['thread']}/messages"
                request = http.get(
                    server.base + path, params={"limit": "20"}, headers=server.headers("bob")
                )
            else:
                request = http.post(
                    server.base + "/api/v1/chat/messages",
                    json={"thread": server.facts["thread"], "content": f"paired {k}"},
                    headers=server.headers("alice"),
                )
            async with request as response:
                await response.read()
                if response.status != 200:
                    raise SystemExit(f"{response.status}: {await response.text()}")
            return time.perf_counter() - started

        for k in range(30):  # warm both
            for server in sides.values():
                await one(server, k)
        latency: dict[str, list[float]] = {name: [] for name in sides}
        cpu = dict.fromkeys(sides, 0.0)
        order = list(sides.items())
        for k in range(args.n):
            for name, server in order if k % 2 else order[::-1]:
                before = server.cpu()
                latency[name].append(await one(server, k))
                cpu[name] += server.cpu() - before
                await asyncio.sleep(args.gap)
    print("| side | requests | p50 ms | mean ms | server CPU ms per request |")
    print("|---|---|---|---|---|")
    for name, values in latency.items():
        p50 = statistics.median(values) * 1000
        mean = statistics.fmean(values) * 1000
        per_request = cpu[name] / args.n * 1000
        print(f"| {name} | {len(values)} | {p50:.2f} | {mean:.2f} | {per_request:.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    add_server_args(parser)
    parser.add_argument("--base", type=Path, default=ROOT, help="checkout A (default: this)")
    parser.add_argument("--a-env", action="append", default=[], metavar="K=V")
    parser.add_argument("--b-env", action="append", default=[], metavar="K=V")
    parser.add_argument("--read", action="store_true", help="history reads instead of sends")
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--gap", type=float, default=0.005)
    args = parser.parse_args()
    sides: dict[str, Server] = {}
    try:
        for name, root, extra in (("A", args.base.resolve(), args.a_env), ("B", ROOT, args.b_env)):
            side_args = copy.copy(args)
            side_args.env = args.env + extra
            sides[name] = Server(side_args, root=root).start()
        asyncio.run(run(sides, args))
    finally:
        for server in sides.values():
            server.stop()
    print(describe_run(args) + f" A={args.base.resolve()} B={ROOT}")


if __name__ == "__main__":
    main()
