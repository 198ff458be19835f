"""Shared plumbing of the bench scripts (not a figure itself).

Each figure script starts a real server process on a scratch database, drives it over
loopback with aiohttp and prints its numbers. Nothing here is a test.

- ``--db sqlite`` (default): a fresh SQLite file in a temporary folder.
- ``--db pg``: a fresh database ``bench_<pid>_<n>`` created on the PostgreSQL server of
  ``BENCH_PG_URL`` (default ``postgres://chat:chat@127.0.0.1:5432/postgres``; the role needs
  CREATEDB), dropped afterwards. Its backends' CPU is read from ``/proc`` (same machine).
- ``--server daphne|uvicorn``: the ASGI server (uvicorn with httptools + websockets).

Machines are shared: compare figures of one run, not absolute times across runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
DEFAULT_PG = "postgres://chat:chat@127.0.0.1:5432/postgres"


def add_server_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "pg"], default="sqlite")
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument(
        "--env", action="append", default=[], metavar="K=V", help="extra server environment"
    )


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(name: str, lat_s: list[float], wall_s: float, errors: int = 0) -> dict:
    return {
        "what": name,
        "n": len(lat_s),
        "per_s": round(len(lat_s) / wall_s, 1) if wall_s else None,
        "p50_ms": round(pct(lat_s, 50) * 1000, 1),
        "p99_ms": round(pct(lat_s, 99) * 1000, 1),
        "mean_ms": round(statistics.fmean(lat_s) * 1000, 1) if lat_s else None,
        "errors": errors,
    }


def cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Database:
    """A scratch database and the ``DATABASE_URL`` that reaches it."""

    def __init__(self, kind: str):
        self.kind = kind
        self.tmp = tempfile.mkdtemp(prefix="bench-")
        if kind == "sqlite":
            self.url = f"sqlite:///{self.tmp}/bench.sqlite3"
            self.name = None
            return
        admin = os.environ.get("BENCH_PG_URL", DEFAULT_PG)
        self.admin = admin
        self.name = f"bench_{os.getpid()}_{int(time.time()) % 100000}"
        self._admin_sql(f'CREATE DATABASE "{self.name}"')
        parts = urlsplit(admin)
        self.url = urlunsplit(parts._replace(path="/" + self.name))

    def _admin_sql(self, sql: str):
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else None

    def backend_pids(self) -> list[int]:
        if self.kind != "pg":
            return []
        rows = self._admin_sql(
            f"SELECT pid FROM pg_stat_activity WHERE datname = '{self.name}'"
            " AND pid <> pg_backend_pid()"
        )
        return [r[0] for r in rows]

    def sessions_opened(self) -> int | None:
        """Connections ever opened to this database (PostgreSQL 14+; flushed lazily)."""
        if self.kind != "pg":
            return None
        rows = self._admin_sql(
            f"SELECT sessions FROM pg_stat_database WHERE datname = '{self.name}'"
        )
        return rows[0][0] if rows else None

    def drop(self) -> None:
        if self.kind == "pg":
            with contextlib.suppress(Exception):
                self._admin_sql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


class DbCpu:
    """CPU of this database's PostgreSQL backends between ``start()`` and ``stop()``."""

    def __init__(self, db: Database):
        self.db = db

    def _sample(self) -> dict[int, float]:
        return {pid: cpu_s(pid) for pid in self.db.backend_pids()}

    def start(self):
        self.before = self._sample()

    def stop(self) -> float:
        after = self._sample()
        # Backends that appeared meanwhile count from zero; ended ones are lost (pool: none).
        return sum(after[p] - self.before.get(p, 0.0) for p in after)


def manage(env: dict, *args: str, input_code: str | None = None, root: Path = ROOT) -> str:
    cmd = [PYTHON, "manage.py", *args]
    if input_code is not None:
        cmd += ["-c", input_code]
    out = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    return out.stdout


SETUP = r"""
import json
from django.contrib.auth import get_user_model
from chatproject.accounts import services as accounts
from threads import services as threads
from threads.models import Workspace, WorkspaceMember
from chats import services as chats
User = get_user_model()
ws = Workspace.objects.get(slug="default")
alice = User.objects.create_user("alice", password="alicepass123")
bob = User.objects.create_user("bob", password="bobpass123")
for u in (alice, bob):
    WorkspaceMember.objects.get_or_create(workspace=ws, user=u)
_, ta = accounts.token_issue(user=alice)
_, tb = accounts.token_issue(user=bob)
m, thread, _ = chats.message_send_direct(workspace=ws, actor=alice, recipient=bob, text="hello")
print("BENCH " + json.dumps({"alice": ta, "bob": tb, "thread": str(thread.pk),
      "alice_id": str(alice.pk), "bob_id": str(bob.pk)}))
"""


class Server:
    """A migrated scratch database with alice, bob, their personal thread, and an ASGI
    server process on it."""

    def __init__(self, args, extra_env: dict | None = None, root: Path = ROOT):
        """``root``: the checkout to serve (another one's code runs from its own folder,
        with its own ``PYTHONPATH``; this one's by default)."""
        self.args = args
        self.root = root
        self.db = Database(args.db)
        self.env = dict(os.environ)
        if root != ROOT:
            self.env["PYTHONPATH"] = str(root)
        self.env.update(
            DATABASE_URL=self.db.url,
            SECRET_KEY="bench",
            MEDIA_ROOT=f"{self.db.tmp}/media",
            DJANGO_SETTINGS_MODULE="chatproject.settings",
            CHAT_EVENTS_PING_INTERVAL_S="600",
        )
        for kv in args.env:
            k, _, v = kv.partition("=")
            self.env[k] = v
        self.env.update(extra_env or {})
        self.env.pop("REDIS_URL", None) if "REDIS_URL" not in (extra_env or {}) else None
        manage(self.env, "migrate", "--noinput", root=root)
        out = manage(self.env, "shell", input_code=SETUP, root=root)
        line = next(x for x in out.splitlines() if x.startswith("BENCH "))
        self.facts = json.loads(line[6:])
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = None

    def shell(self, code: str) -> str:
        return manage(self.env, "shell", input_code=code, root=self.root)

    def start(self):
        if self.args.server == "daphne":
            cmd = [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(self.port)]
        else:
            cmd = [str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(self.port)]
            cmd += ["--http", "httptools", "--ws", "websockets", "--log-level", "warning"]
            cmd += ["--no-access-log"]
        cmd.append("chatproject.asgi:application")
        self.log = open(f"{self.db.tmp}/server.log", "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            cmd, cwd=self.root, env=self.env, stdout=self.log, stderr=self.log
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/api/v1/users/me", timeout=2)
            except urllib.error.HTTPError:
                return self  # 401: it answers
            except OSError:
                if self.proc.poll() is not None:
                    log = Path(f"{self.db.tmp}/server.log").read_text()
                    raise SystemExit(log[-3000:]) from None
                time.sleep(0.2)
            else:
                return self
        raise SystemExit("server did not start")

    def cpu(self) -> float:
        return cpu_s(self.proc.pid)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.db.drop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def headers(self, who: str) -> dict:
        return {"Authorization": f"Bearer {self.facts[who]}"}


async def concurrent(op, *, conc: int, duration: float) -> tuple[list[float], float, int]:
    """Run ``op(worker, k)`` from ``conc`` workers for ``duration`` s; latencies, wall, errors."""
    latencies: list[float] = []
    errors = 0
    stop_at = time.monotonic() + duration

    async def worker(w: int):
        nonlocal errors
        k = 0
        while time.monotonic() < stop_at:
            t0 = time.perf_counter()
            ok = await op(w, k)
            if ok:
                latencies.append(time.perf_counter() - t0)
            else:
                errors += 1
            k += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(conc)))
    return latencies, time.perf_counter() - t0, errors


def describe_run(args) -> str:
    return f"db={args.db} server={args.server} python={sys.version.split()[0]}"


def print_table(rows: list[dict]) -> None:
    keys = list(rows[0])
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for r in rows:
        print("| " + " | ".join(str(r.get(k, "")) for k in keys) + " |")
