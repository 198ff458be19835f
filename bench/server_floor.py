"""The ASGI server's own floor: what a GET costs when the application does nothing.

    python bench/server_floor.py [--server daphne|uvicorn] [--conc 16] [--duration 10]

Serves a bare ASGI application (a 20-item JSON array, no Django) with the chosen server
and drives it like the side-by-side harness drives history reads (aiohttp, keep-alive,
``--conc`` at a time). The server CPU per request is the part of every request this
project cannot cut by its own code: under daphne it bounds what one process can serve,
whatever Django does (``bench/RESULTS.md``, round 4).
"""

import argparse
import asyncio
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp
from _common import BIN, ROOT, concurrent, cpu_s, free_port, print_table, summary

BODY = b"[" + b",".join([b'{"_id":"00000000-0000-0000-0000-000000000000","content":"x"}'] * 20)
BODY += b"]"


async def app(scope, receive, send):
    """A bare ASGI application: one JSON answer to any HTTP request."""
    if scope["type"] == "lifespan":
        while True:
            kind = (await receive())["type"]
            await send({"type": kind + ".complete"})
            if kind == "lifespan.shutdown":
                return
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": BODY})


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--conc", type=int, default=16)
    parser.add_argument("--duration", type=float, default=10.0)
    args = parser.parse_args()
    port = free_port()
    if args.server == "daphne":
        cmd = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port)]
    else:
        cmd = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port)]
        cmd += ["--http", "httptools", "--log-level", "warning", "--no-access-log"]
    cmd.append("server_floor:app")
    proc = subprocess.Popen(
        cmd,
        cwd=Path(__file__).resolve().parent,
        stdout=subprocess.DEVNULL,  # daphne logs every request there
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        rows = asyncio.run(drive(base, proc.pid, args))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    print(f"server={args.server} python={sys.version.split()[0]} root={ROOT}")
    print_table(rows)


async def drive(base, pid, args):
    connector = aiohttp.TCPConnector(limit=args.conc * 2 + 4)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def get(w, k):
            async with session.get(base) as r:
                await r.read()
                return r.status == 200

        rows = []
        for conc, duration in ((1, min(3.0, args.duration)), (args.conc, args.duration)):
            cpu0 = cpu_s(pid)
            lat, wall, errors = await concurrent(get, conc=conc, duration=duration)
            row = summary(f"bare GET, {conc} at a time", lat, wall, errors)
            row["server_cpu_ms_per_req"] = round((cpu_s(pid) - cpu0) / max(len(lat), 1) * 1000, 2)
            rows.append(row)
        return rows


if __name__ == "__main__":
    main()
