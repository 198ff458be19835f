"""Requests through the served ASGI application (``chatproject.asgi``), whose handler runs
the middleware chain and the view in one worker thread (``chatproject.handlers``): they
must answer exactly what Django's own handling answers, middleware included."""

import asyncio
import gc
import json
import threading

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import HttpCommunicator
from django.core import signals
from django.core.handlers.asgi import ASGIRequest
from django.db import connection

from chatproject.asgi import application
from chatproject.realtime.audience import thread_group
from chats.models import Message
from tests import factories
from tests.api.team.conftest import TeamClient, send, upload
from threads import selectors as thread_selectors
from threads.models import Event

pytestmark = pytest.mark.django_db(transaction=True)


def through_asgi(method: str, path: str, token: str, body: dict | None = None) -> dict:
    headers = [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())]
    raw = b""
    if body is not None:
        raw = json.dumps(body).encode()
        headers.append((b"content-type", b"application/json"))
        headers.append((b"content-length", str(len(raw)).encode()))
    communicator = HttpCommunicator(application, method, path, body=raw, headers=headers)
    response = async_to_sync(communicator.get_response)(timeout=10)
    response["headers"] = {k.decode().lower(): v.decode() for k, v in response["headers"]}
    return response


def test_a_history_read_answers_as_django_does_with_every_middleware_header(
    personal_thread, alice, bob
):
    for i in range(3):
        send(personal_thread, (alice, bob)[i % 2], f"m{i}")
    token = factories.user_token(alice)
    path = f"/api/v1/chat/threads/{personal_thread.id}/messages"

    served = through_asgi("GET", path, token)
    expected = TeamClient(token).get(path)

    assert served["status"] == 200
    assert json.loads(served["body"]) == expected.json()
    assert served["headers"]["content-security-policy"] == expected["Content-Security-Policy"]
    assert served["headers"]["x-frame-options"] == "DENY"


def test_errors_keep_the_surface_format(personal_thread, alice, outsider):
    path = f"/api/v1/chat/threads/{personal_thread.id}/messages"
    served = through_asgi("GET", path, factories.user_token(outsider))
    assert served["status"] == 404
    assert json.loads(served["body"])["error"]["code"]


def test_a_send_commits_the_message_and_its_event(personal_thread, alice):
    since = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0

    served = through_asgi(
        "POST",
        "/api/v1/chat/messages",
        factories.user_token(alice),
        {"thread": str(personal_thread.id), "content": "over asgi"},
    )

    assert served["status"] == 200
    message = Message.objects.get(pk=json.loads(served["body"])["message"])
    assert message.text == "over asgi"
    assert Event.objects.filter(id__gt=since, type="message.created").count() == 1


def test_the_request_signals_run_once_on_the_thread_that_ran_the_view(
    personal_thread, alice, monkeypatch
):
    """Their receivers check the request's database connection (health, age, back to the
    pool): on any other thread they would check a connection the request never used."""
    seen = []

    def started(**kwargs):
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs):
        seen.append(("finished", threading.get_ident()))

    lookup = thread_selectors.thread_get_for_user

    def in_view(**kwargs):
        seen.append(("view", threading.get_ident()))
        return lookup(**kwargs)

    monkeypatch.setattr(thread_selectors, "thread_get_for_user", in_view)
    signals.request_started.connect(started)
    signals.request_finished.connect(finished)
    try:
        served = through_asgi(
            "GET", f"/api/v1/chat/threads/{personal_thread.id}", factories.user_token(alice)
        )
    finally:
        signals.request_started.disconnect(started)
        signals.request_finished.disconnect(finished)
    assert served["status"] == 200
    assert [kind for kind, _ in seen] == ["started", "view", "finished"]
    assert len({thread for _, thread in seen}) == 1


def get_scope(path: str, token: str) -> dict:
    return {
        "type": "http",
        "http_version": "1.1",
        "method": "GET",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
    }


def download_through_asgi(path: str, token: str) -> tuple[int, bytes]:
    """A GET through the served application, its streamed body joined."""

    async def get():
        communicator = ApplicationCommunicator(application, get_scope(path, token))
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(10)
        body = b""
        while True:
            message = await communicator.receive_output(10)
            body += message.get("body", b"")
            if not message.get("more_body"):
                return start["status"], body

    return async_to_sync(get)()


def test_file_downloads_give_their_database_connection_back(alice):
    """A download streams after its worker thread is done, and a served request may run on
    a thread that ends with its event loop: a connection it kept would be lost to the
    PostgreSQL pool for good, and the pool's size in downloads later every request would
    wait for one (then 503)."""
    file = upload(alice, content=b"hello", name="a.txt", content_type="text/plain")
    token = factories.user_token(alice)
    pool = connection.settings_dict.get("OPTIONS", {}).get("pool") or {}
    for _ in range(pool.get("max_size", 3) + 2):
        assert download_through_asgi(f"/api/v1/files/{file.id}", token) == (200, b"hello")


def served_with_a_client_that_leaves_at_once(path: str, token: str) -> tuple[list, list]:
    """A GET through the served application whose client is gone as soon as the request is
    read (``http.disconnect`` from then on); what was sent, and the tasks the handler
    started."""

    async def get():
        sent, started = [], []
        loop = asyncio.get_running_loop()
        default_factory = loop.get_task_factory()

        def noting_factory(loop, coro, **kwargs):
            started.append(getattr(coro, "__qualname__", repr(coro)))
            if default_factory is not None:
                return default_factory(loop, coro, **kwargs)
            return asyncio.Task(coro, loop=loop, **kwargs)

        asked = []

        async def receive():
            if not asked:
                asked.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        loop.set_task_factory(noting_factory)
        try:
            await application(get_scope(path, token), receive, send)
        finally:
            loop.set_task_factory(default_factory)
        return sent, started

    return async_to_sync(get)()


def test_a_complete_response_is_sent_without_listening_for_the_client(personal_thread, alice):
    """The worker has finished, so there is nothing to cancel: no listener task is started
    and stopped for it. A client that left meanwhile is the server's to drop (daphne and
    uvicorn drop replies to closed connections)."""
    token = factories.user_token(alice)
    sent, started = served_with_a_client_that_leaves_at_once(
        f"/api/v1/chat/threads/{personal_thread.id}/messages", token
    )
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 200
    assert not any("listen_for_disconnect" in name for name in started)


def test_a_download_stops_when_its_reader_leaves(alice):
    """A streaming response is still sent while listening for the client leaving, as Django
    does: a reader that left gets no more of the file."""
    file = upload(alice, content=b"x" * 300_000, name="big.txt", content_type="text/plain")
    sent, started = served_with_a_client_that_leaves_at_once(
        f"/api/v1/files/{file.id}", factories.user_token(alice)
    )
    assert any("listen_for_disconnect" in name for name in started)
    assert sum(len(m.get("body", b"")) for m in sent) < 300_000
    assert download_through_asgi(f"/api/v1/files/{file.id}", factories.user_token(alice)) == (
        200,
        b"x" * 300_000,
    )


def get_like_daphne(path: str, token: str) -> int:
    """A GET through the served application, told ``http.disconnect`` the moment its
    response is complete, as daphne tells it; the status."""

    async def get():
        complete = asyncio.Event()
        asked = []
        statuses = []

        async def receive():
            if not asked:
                asked.append(True)
                return {"type": "http.request", "body": b"", "more_body": False}
            await complete.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])
            elif not message.get("more_body"):
                complete.set()

        await application(get_scope(path, token), receive, send)
        return statuses[0]

    return async_to_sync(get)()


def _left_for_the_collector(run) -> int:
    """How many served requests ``run`` left in reference cycles.

    Counted by their ``ASGIRequest``, which every such cycle holds (Django's own cycles
    run through it; DRF's view and request hold it), and which only this handler makes:
    a test client's request another test dropped may be collected meanwhile."""
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        run()
        gc.collect()
        # (``type``: ``isinstance`` would evaluate a lazy object)
        return sum(issubclass(type(o), ASGIRequest) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()


def test_served_requests_are_freed_without_the_garbage_collector(
    personal_thread, alice, bob, outsider
):
    """Django and DRF tie a request, its view and its response in reference cycles; the
    handler unlinks them once the response is complete, so a busy server does not pile up
    garbage for collections that stall every request in flight."""
    send(personal_thread, bob, "hi")
    token = factories.user_token(alice)
    history = f"/api/v1/chat/threads/{personal_thread.id}/messages"
    through_asgi("GET", "/api/v1/users/me", token)  # the worker thread's first request

    def serve():
        assert through_asgi("GET", history, token)["status"] == 200
        assert get_like_daphne(history, token) == 200
        assert through_asgi("GET", history, factories.user_token(outsider))["status"] == 404
        sent = through_asgi(
            "POST",
            "/api/v1/chat/messages",
            token,
            {"thread": str(personal_thread.id), "content": "x"},
        )
        assert sent["status"] == 200

    assert _left_for_the_collector(serve) == 0


class LoopNotingLayer(InMemoryChannelLayer):
    """The in-memory channel layer, noting the event loop each ``group_send`` ran on."""

    loops: list = []

    async def group_send(self, group, message):
        self.loops.append(asyncio.get_running_loop())
        return await super().group_send(group, message)


def test_a_send_rings_its_doorbell_on_the_serving_loop(settings, personal_thread, alice):
    """The worker thread that ran the send publishes through the event loop that serves
    the request (asgiref's ``async_to_sync`` there finds it), not a loop of its own: the
    in-memory layer's queues belong to the serving loop, and channels-redis keeps its
    connections per loop."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": f"{__name__}.LoopNotingLayer"}}
    LoopNotingLayer.loops.clear()
    token = factories.user_token(alice)
    body = json.dumps({"thread": str(personal_thread.id), "content": "ding"}).encode()

    async def send_and_listen():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(thread_group(personal_thread.id), channel)
        heard = asyncio.ensure_future(layer.receive(channel))
        communicator = HttpCommunicator(
            application,
            "POST",
            "/api/v1/chat/messages",
            body=body,
            headers=[
                (b"host", b"testserver"),
                (b"authorization", f"Bearer {token}".encode()),
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        )
        response = await communicator.get_response(timeout=10)
        assert response["status"] == 200
        return await asyncio.wait_for(heard, timeout=5), asyncio.get_running_loop()

    doorbell, serving_loop = async_to_sync(send_and_listen)()
    assert doorbell["type"] == "chat.event"
    assert doorbell["event"]["type"] == "message.created"
    assert LoopNotingLayer.loops == [serving_loop]


def test_links_carry_the_script_prefix_the_server_mounts_the_app_under(personal_thread, alice):
    """Served under a path prefix (ASGI ``root_path``), the URLs a view builds start with it:
    the worker thread that builds them knows the request's prefix."""
    picture = upload(alice)
    send(personal_thread, alice, "see", attachments=[picture])
    token = factories.user_token(alice)
    path = f"/chat/api/v1/chat/threads/{personal_thread.id}/messages"
    communicator = HttpCommunicator(
        application,
        "GET",
        path,
        headers=[(b"host", b"testserver"), (b"authorization", f"Bearer {token}".encode())],
    )
    communicator.scope["root_path"] = "/chat"
    response = async_to_sync(communicator.get_response)(timeout=10)

    assert response["status"] == 200
    [message] = json.loads(response["body"])
    [link] = [f["url"] for f in message["files"]]
    assert link.startswith("http://testserver/chat/api/v1/files/"), link
