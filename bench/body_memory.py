"""How much a server process grows while receiving one large unauthenticated multipart POST.

    python bench/body_memory.py                      # daphne and uvicorn, 30 MB
    python bench/body_memory.py --servers uvicorn --mb 30

Starts each ASGI server on a free loopback port (DEBUG off, SQLite in a scratch directory),
measures the server's resident memory (VmRSS) and its peak (VmHWM) from /proc before the
request and after it, and prints the growth beside the status the server answered.
"""

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVERS = {
    "daphne": ["daphne", "-b", "127.0.0.1", "-p", "{port}", "chatproject.asgi:application"],
    "uvicorn": [
        "uvicorn",
        "--host",
        "127.0.0.1",
        "--port",
        "{port}",
        "--http",
        "httptools",
        "--ws",
        "websockets",
        "--no-access-log",
        "chatproject.asgi:application",
    ],
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kb(pid: int) -> dict[str, int]:
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


def wait_until_up(port: int, proc, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("server exited")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("server did not start")


def post_multipart(port: int, size: int, path: str) -> str:
    """Stream a multipart body of ``size`` bytes; return the status (or how it ended)."""
    boundary = "benchboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    payload = size - len(head) - len(tail)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.putrequest("POST", path)
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(size))
    conn.endheaders()
    try:
        conn.send(head)
        chunk = b"x" * 65536
        sent = 0
        while sent < payload:
            piece = chunk[: min(len(chunk), payload - sent)]
            conn.send(piece)
            sent += len(piece)
        conn.send(tail)
    except OSError as error:  # the server answered early and closed: that is the point
        ended = f"closed after {sent // 1024 // 1024} MB sent ({type(error).__name__})"
        try:
            return f"{conn.getresponse().status}, {ended}"
        except Exception:
            return ended
    return str(conn.getresponse().status)


def measure(name: str, size: int, path: str) -> None:
    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="body-memory-"))
    env = dict(
        os.environ,
        DEBUG="0",
        SECRET_KEY="bench-" + "x" * 50,
        DATABASE_URL=f"sqlite:///{scratch}/db.sqlite3",
        MEDIA_ROOT=str(scratch / "media"),
    )
    env.pop("REDIS_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    cmd = [part.format(port=port) for part in SERVERS[name]]
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_until_up(port, proc)
        before = memory_kb(proc.pid)
        status = post_multipart(port, size, path)
        time.sleep(0.5)
        after = memory_kb(proc.pid)
        print(
            f"{name:8} {size / 2**20:.0f} MB POST {path}: answer {status}; "
            f"RSS {before['VmRSS'] / 1024:.0f} -> {after['VmRSS'] / 1024:.0f} MB, "
            f"peak growth {(after['VmHWM'] - before['VmRSS']) / 1024:.0f} MB"
        )
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", nargs="+", default=list(SERVERS), choices=list(SERVERS))
    parser.add_argument("--mb", type=float, default=30)
    parser.add_argument("--path", default="/api/v1/files")
    args = parser.parse_args()
    for name in args.servers:
        measure(name, int(args.mb * 2**20), args.path)


if __name__ == "__main__":
    main()
