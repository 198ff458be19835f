"""Browser tests: Debian's Chromium (``/usr/bin/chromium``) driven by Playwright against a
real daphne process, because pytest-django's ``live_server`` serves no websockets.

Each xdist worker runs one server on a free loopback port with its own migrated SQLite
file and the in-memory channel layer; tests make their data through ``seed.py`` (a
subprocess writing that database) or through the pages themselves. Screenshots go to
``BROWSER_ARTIFACTS`` (default ``artifacts/browser``), kept by CI as test artifacts.
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
APP = "chatproject.asgi:application"
ARTIFACTS = Path(os.environ.get("BROWSER_ARTIFACTS", ROOT / "artifacts" / "browser"))


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """One daphne process serving the whole app (pages, static files, websockets)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
        self.env.update(
            DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
            MEDIA_ROOT=str(workdir / "media"),
            DEBUG="1",  # Django serves the static files (ASGIStaticFilesHandler)
            SECRET_KEY="browser-tests-only",
            PYTHONPATH=str(ROOT),
            # seed.py writes from another process, whose doorbells this server's in-memory
            # channel layer never hears: the heartbeat that heals lost doorbells (reading
            # the event log) then delivers them, so make it frequent.
            CHAT_EVENTS_PING_INTERVAL_S="1",
        )
        self.proc = None
        self.seeder = None
        self.log = open(workdir / "server.log", "ab")  # noqa: SIM115

    def manage(self, *args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, check=True)

    def seed(self, command: str, *args):
        """Run a ``seed.py`` command in the server's database; its JSON answer."""
        if self.seeder is None:
            self.seeder = subprocess.Popen(
                [sys.executable, "-m", "tests.browser.seed"],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        self.seeder.stdin.write(json.dumps([command, list(args)]) + "\n")
        self.seeder.stdin.flush()
        answer = json.loads(self.seeder.stdout.readline())
        if "error" in answer:
            raise RuntimeError(answer["error"])
        return answer["ok"]

    def start(self):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(self.port), APP],
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"daphne exited; see {self.workdir / 'server.log'}")
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("daphne did not start in time")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists() or not shutil.which(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def server(tmp_path_factory, chromium_path):
    live = LiveServer(tmp_path_factory.mktemp("browser-server"))
    live.manage("migrate", "--noinput", "-v0")
    live.data = live.seed("base")
    live.start()
    yield live
    live.stop()
    if live.seeder is not None:
        live.seeder.stdin.close()
        live.seeder.wait(timeout=10)
    live.log.close()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


class Person:
    """One signed-in user in their own browser context, collecting console errors."""

    def __init__(self, browser, server, username: str, viewport):
        self.context = browser.new_context(viewport=viewport, base_url=server.url)
        self.context.set_default_timeout(15_000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(server.data["password"])
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(server.url + "/")

    def open(self, path: str):
        self.page.goto(path)
        self.wait_live()

    def wait_live(self):
        # Live pages mark <body data-live="open"> while their socket is connected.
        self.page.locator("body[data-live=open]").wait_for(state="attached")


@pytest.fixture
def person(browser, server):
    people = []

    def make(username: str, viewport=None) -> Person:
        p = Person(browser, server, username, viewport or {"width": 1280, "height": 800})
        people.append(p)
        return p

    yield make
    for p in people:
        p.context.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
