"""Real processes for the reliability tests: a private PostgreSQL cluster, a private Redis,
and uvicorn serving the app, each on a free loopback port and each owned by the test.

The test starts, stops and kills them itself, so it never touches the system's
PostgreSQL or Redis (other tests, and other people, may be using those).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = "chatproject.asgi:application"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def postgres_bindir() -> Path:
    """Debian's newest PostgreSQL server binaries (``initdb``, ``pg_ctl``)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parts[-3])
    if not found:
        on_path = shutil.which("pg_ctl")
        if on_path is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
        return Path(on_path).parent
    return found[-1].parent


class PrivatePostgres:
    """A throw-away cluster in a temporary directory, trusted on 127.0.0.1 only.

    As root it runs as the ``postgres`` OS user (PostgreSQL refuses to run as root).
    """

    def __init__(self):
        self.bindir = postgres_bindir()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="chat-faults-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_user, *args],
            cwd="/",
            check=check,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def init(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C",
        )
        self.start()

    def start(self) -> None:
        options = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=100"
        )
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.log),
            "-w",
            "-t",
            "60",
            "start",
        )

    def stop(self, mode: str = "fast") -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = self._run(
            str(self.bindir / "psql"),
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-d",
            database,
            "-v",
            "ON_ERROR_STOP=1",
            "-Atc",
            sql,
        )
        return result.stdout

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def destroy(self) -> None:
        pg_ctl = str(self.bindir / "pg_ctl")
        self._run(pg_ctl, "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """``redis-server`` on a free port with nothing persisted (a restart starts empty)."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not installed")
        self.port = free_port()
        self.logfile = workdir / "redis.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        log = open(self.logfile, "ab")  # noqa: SIM115  (the child keeps it)
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server did not start:\n{tail(self.logfile)}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, nothing saved."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None


class Server:
    """One uvicorn process serving the whole app (HTTP and websockets)."""

    def __init__(self, name: str, workdir: Path, env: dict[str, str]):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.env = env
        self.logfile = workdir / f"server-{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        log = open(self.logfile, "ab")  # noqa: SIM115  (the child keeps it)
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                APP,
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--http",
                "httptools",
                "--ws",
                "websockets",
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server {self.name} exited:\n{tail(self.logfile)}")
            if health(self.url)[0] == 200:
                return
            time.sleep(0.1)
        raise RuntimeError(f"server {self.name} did not start:\n{tail(self.logfile)}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


def health(url: str, timeout: float = 5) -> tuple[int, dict]:
    """``/healthz``'s status and body; ``(0, {})`` when nothing answers."""
    try:
        with urllib.request.urlopen(url + "/healthz", timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        try:
            return error.code, json.loads(error.read() or b"{}")
        except ValueError:
            return error.code, {}
    except (OSError, ValueError):
        return 0, {}


def server_env(**overrides: str) -> dict[str, str]:
    """The environment of a served app: production-like (DEBUG off), quick heartbeats."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(
        DEBUG="0",
        SECRET_KEY=os.environ.get("SECRET_KEY") or "reliability-tests-only-" + "k" * 40,
        PYTHONPATH=str(ROOT),
        # Lost doorbells are healed at the next heartbeat, which reads the log.
        CHAT_EVENTS_PING_INTERVAL_S="1",
        LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


# Makes the people and threads of a load run in the served database; prints them as JSON.
SEED = """
import json, sys
from chatproject.actors import SYSTEM
from tests import factories
from threads import services as thread_services
from threads.models import Event

spec = json.loads(sys.stdin.read())
workspace = factories.default_workspace()
users = {name: factories.UserFactory(username=name) for name in spec["users"]}
threads = {}
for title, members in spec["threads"].items():
    creator, *rest = [users[m] for m in members]
    threads[title] = thread_services.custom_thread_create(
        workspace=workspace, creator=creator, title=title, members=rest
    )
top = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
print(json.dumps({
    "users": {n: {"id": str(u.pk), "token": factories.user_token(u)} for n, u in users.items()},
    "threads": {t: str(th.pk) for t, th in threads.items()},
    "last_event": top,
}))
"""


def seed(env: dict[str, str], users: list[str], threads: dict[str, list[str]]) -> dict:
    out = manage(env, "shell", "-c", SEED, stdin=json.dumps({"users": users, "threads": threads}))
    return json.loads(out.strip().splitlines()[-1])
