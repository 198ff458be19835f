"""End to end over real sockets: daphne processes and the configured channel layer.

With ``REDIS_URL`` set (CI sets it, with PostgreSQL) two daphne processes share the
database and Redis, and a message sent through one reaches a subscriber on the other.
Without it the in-memory layer cannot cross processes, so ONE daphne process is started
and delivery over a real socket is checked within it; the cross-process assertions run
only when ``REDIS_URL`` is set.

The servers use this test's database (committed data: ``transaction=True``).
"""

import asyncio
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "http://127.0.0.1"
STARTUP_TIMEOUT_S = 60
IDLE_S = 7


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'])}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daphne:
    def __init__(self):
        self.port = free_port()
        descriptor, log = tempfile.mkstemp(prefix="daphne-", suffix=".log")
        os.close(descriptor)
        self.log = Path(log)
        env = dict(
            os.environ, DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="chatproject.settings"
        )
        if settings.REDIS_URL:
            env["REDIS_URL"] = settings.REDIS_URL
        else:
            env.pop("REDIS_URL", None)
        with self.log.open("wb") as output:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "daphne",
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "chatproject.asgi:application",
                ],
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def url(self, **query) -> str:
        params = "&".join(f"{k}={v}" for k, v in query.items())
        return f"ws://127.0.0.1:{self.port}/ws/events/" + (f"?{params}" if params else "")

    def wait_until_listening(self):
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"daphne did not start:\n{self.log.read_text()}")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.unlink()


@pytest.fixture(scope="module")
def workers(django_db_setup):
    """Two servers with a shared channel layer, or the same one twice without Redis.

    Started once for the module, on the test database (its name is known after setup)."""
    servers = [Daphne()] + ([Daphne()] if settings.REDIS_URL else [])
    try:
        for server in servers:
            server.wait_until_listening()
        yield servers if len(servers) == 2 else servers * 2
    finally:
        for server in servers:
            server.stop()


async def next_frame(ws, type: str, timeout=10) -> dict:
    """The next frame of ``type`` (a sender also hears its own message.created)."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if frame["type"] == type:
            return frame


def test_message_sent_through_one_worker_reaches_a_subscriber_on_the_other(
    workers, custom_thread, alice, bob
):
    sender, receiver = workers
    alice_token, bob_token = factories.user_token(alice), factories.user_token(bob)
    thread = str(custom_thread.id)

    async def scenario():
        async with (
            connect(receiver.url(token=bob_token), origin=ORIGIN) as bob_ws,
            connect(
                sender.url(),
                origin=ORIGIN,
                additional_headers={"Authorization": f"Bearer {alice_token}"},
            ) as alice_ws,
        ):
            # Idle longer than the layer's blocking read (channels-redis waits 5 s per
            # BZPOPMIN): a client-side read timeout at or under that would drop the socket.
            await asyncio.sleep(IDLE_S)
            await alice_ws.send(
                json.dumps(
                    {"type": "message.send", "thread": thread, "text": "across", "client_id": "1"}
                )
            )
            ack = await next_frame(alice_ws, "message.ack")
            heard = await next_frame(bob_ws, "message.created")
            assert heard["data"]["message"]["id"] == ack["message"]["id"]
            last_seen = heard["id"]

            # Bob drops; what he misses is replayed by the OTHER worker on reconnect.
            await bob_ws.close()
            await alice_ws.send(
                json.dumps(
                    {"type": "message.send", "thread": thread, "text": "missed", "client_id": "2"}
                )
            )
            await next_frame(alice_ws, "message.ack")
        async with connect(sender.url(token=bob_token, since=last_seen), origin=ORIGIN) as ws:
            replayed = await next_frame(ws, "message.created")
            assert replayed["data"]["message"]["text"] == "missed"

    asyncio.run(scenario())


def test_real_server_refuses_a_foreign_origin_and_closes_4401_without_credentials(workers):
    server = workers[0]

    async def scenario():
        with pytest.raises(InvalidStatus) as refused:
            async with connect(server.url(), origin="http://evil.test"):
                pass
        assert refused.value.response.status_code == 403
        async with connect(server.url(), origin=ORIGIN) as ws:
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 10)
            assert ws.close_code == 4401

    asyncio.run(scenario())


def test_a_broken_upload_gets_the_surface_error_from_a_real_server(workers, alice):
    """daphne's Twisted parses form bodies itself unless told not to; then a multipart body
    it cannot read got Twisted's empty 400 and a dropped connection, not the Team API's
    error (``chatproject.daphne_forms``)."""
    connection = http.client.HTTPConnection("127.0.0.1", workers[0].port, timeout=10)
    try:
        connection.request(
            "POST",
            "/api/v1/files",
            body=b"no boundary given",
            headers={
                "Content-Type": "multipart/form-data",
                "Authorization": f"Bearer {factories.user_token(alice)}",
            },
        )
        response = connection.getresponse()
        answer = json.loads(response.read())
    finally:
        connection.close()
    assert response.status == 400
    assert answer["error"]["code"] == "invalid"
