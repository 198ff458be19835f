"""Websocket test helpers: a client around ``WebsocketCommunicator`` that always disconnects.

Tests are plain functions that run one async scenario with ``async_to_sync``: the
scenario's ``database_sync_to_async`` calls then run on the test's own thread and
database connection. ``transaction=True`` because events are published on commit.
"""

from contextlib import asynccontextmanager

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import Client as HttpClient

from chatproject.asgi import application
from tests import factories

ORIGIN = b"http://127.0.0.1"


def run(scenario):
    """Run an async scenario to completion from a synchronous test."""
    return async_to_sync(scenario)()


db = database_sync_to_async


class Socket:
    def __init__(self, communicator: WebsocketCommunicator):
        self.communicator = communicator

    async def receive(self, timeout: float = 5) -> dict:
        return await self.communicator.receive_json_from(timeout=timeout)

    async def receive_events(self, count: int, timeout: float = 5) -> list[dict]:
        """The next ``count`` event frames, skipping heartbeats."""
        frames = []
        while len(frames) < count:
            frame = await self.receive(timeout)
            if frame.get("type") != "ping":
                frames.append(frame)
        return frames

    async def send(self, frame) -> None:
        if isinstance(frame, str):
            await self.communicator.send_to(text_data=frame)
        else:
            await self.communicator.send_json_to(frame)

    async def silent(self, timeout: float = 0.3) -> bool:
        return await self.communicator.receive_nothing(timeout=timeout)


def communicator(
    *, token=None, header_token=None, cookie=None, since=None, origin=ORIGIN
) -> WebsocketCommunicator:
    query = []
    if token is not None:
        query.append(f"token={token}")
    if since is not None:
        query.append(f"since={since}")
    path = "/ws/events/" + ("?" + "&".join(query) if query else "")
    headers = [(b"host", b"127.0.0.1")]
    if origin is not None:
        headers.append((b"origin", origin))
    if header_token is not None:
        headers.append((b"authorization", f"Bearer {header_token}".encode()))
    if cookie is not None:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


@asynccontextmanager
async def connected(user=None, **kwargs):
    """An accepted, authenticated socket (a user token unless other credentials are given)."""
    if user is not None and not {"token", "header_token", "cookie"} & kwargs.keys():
        kwargs["token"] = await db(factories.user_token)(user)
    comm = communicator(**kwargs)
    accepted, _ = await comm.connect(timeout=5)
    assert accepted
    try:
        yield Socket(comm)
    finally:
        await comm.disconnect()


def session_cookie(user) -> str:
    client = HttpClient()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


def types(frames) -> list[str]:
    return [f["type"] for f in frames]
