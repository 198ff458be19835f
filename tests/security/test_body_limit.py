"""Issue 12, item 5: bodies over ``CHAT_MAX_REQUEST_BYTES`` are refused with 413 before
they are buffered, on every path, by the server ``scripts/serve`` runs (uvicorn)."""

import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings as django_settings

from chatproject.bodylimit import RequestBodyLimit

MB = 1024 * 1024

# The serving command of scripts/serve (and the README's production section).
SERVE = [
    sys.executable,
    "-m",
    "uvicorn",
    "chatproject.asgi:application",
    "--http",
    "httptools",
    "--ws",
    "websockets",
    "--no-access-log",
]


# --- the middleware, called directly ---------------------------------------------------------


class Recorder:
    """An ASGI app that reads the whole body, and the messages sent back to the server."""

    def __init__(self):
        self.read = 0
        self.sent = []

    async def app(self, scope, receive, send):
        while True:
            message = await receive()
            self.read += len(message.get("body", b""))
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def send(self, message):
        self.sent.append(message)


def call(path, *, chunks, content_length=None):
    recorder = Recorder()
    headers = [] if content_length is None else [(b"content-length", str(content_length).encode())]
    scope = {"type": "http", "method": "POST", "path": path, "headers": headers}
    pending = list(chunks)

    async def receive():
        body = pending.pop(0) if pending else b""
        return {"type": "http.request", "body": body, "more_body": bool(pending)}

    async_to_sync(RequestBodyLimit(recorder.app))(scope, receive, recorder.send)
    status = recorder.sent[0]["status"]
    headers = dict(recorder.sent[0]["headers"])
    return status, headers, recorder.sent[1]["body"], recorder.read


@pytest.fixture
def limit(settings):
    settings.CHAT_MAX_REQUEST_BYTES = 1000
    return 1000


@pytest.mark.parametrize(
    "path", ["/api/v1/files", "/token", "/admin/login/", "/v1/chats", "/no/such/path"]
)
def test_an_announced_oversized_body_is_refused_unread_on_every_path(limit, path):
    status, headers, _, read = call(path, chunks=[b"x" * 500] * 4, content_length=2000)

    assert status == 413
    assert read == 0
    assert headers[b"connection"] == b"close"


def test_a_streamed_body_is_cut_off_once_past_the_limit(limit):
    status, _, _, read = call("/api/v1/files", chunks=[b"x" * 400] * 10)

    assert status == 413
    assert read < 1000  # the app never got the chunk that crossed the limit


def test_a_body_within_the_limit_passes(limit):
    status, _, body, read = call("/api/v1/files", chunks=[b"x" * 500, b"x" * 500])

    assert (status, body, read) == (200, b"ok", 1000)


@pytest.mark.parametrize(
    ("path", "content_type", "shape"),
    [
        ("/v1/chats", b"application/problem+json", {"type", "title", "status", "detail"}),
        ("/api/v1/chat/messages", b"application/json", {"error"}),
        ("/chats", b"application/json", {"detail"}),
    ],
)
def test_the_413_speaks_the_surfaces_json(limit, path, content_type, shape):
    _, headers, body, _ = call(path, chunks=[b""], content_length=5000)

    assert headers[b"content-type"] == content_type
    assert set(json.loads(body)) == shape


# --- a real server process ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


@pytest.fixture
def server(tmp_path):
    port = free_port()
    env = dict(
        os.environ,
        DEBUG="0",
        DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3",
        MEDIA_ROOT=str(tmp_path / "media"),
        DJANGO_SETTINGS_MODULE="chatproject.settings",
    )
    env.pop("CHAT_MAX_REQUEST_BYTES", None)
    process = subprocess.Popen(
        [*SERVE, "--host", "127.0.0.1", "--port", str(port)],
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, process.stderr.read().decode()
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
    yield port, process.pid
    process.terminate()
    process.wait(15)


def post_streaming(port: int, size: int, *, chunked: bool) -> bytes:
    """Send ``size`` bytes of multipart body, reading the answer as soon as there is one."""
    boundary = "b0undary"
    head = [
        "POST /api/v1/files HTTP/1.1",
        "Host: 127.0.0.1",
        f"Content-Type: multipart/form-data; boundary={boundary}",
    ]
    head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {size}")
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    answer = b""
    try:
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        piece = b"x" * 65536
        sent = 0
        while sent < size:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break  # the server answered before the body was through
            data = piece if not chunked else b"%x\r\n%s\r\n" % (len(piece), piece)
            try:
                sock.sendall(data)
            except OSError:
                break
            sent += len(piece)
        sock.settimeout(30)
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    finally:
        sock.close()
    return answer


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_real_server_refuses_30_mb_without_growing_by_it(server, chunked):
    port, pid = server
    before = memory_kb(pid, "VmRSS")

    answer = post_streaming(port, 30 * MB, chunked=chunked)

    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    grown_mb = (memory_kb(pid, "VmHWM") - before) / 1024
    assert grown_mb < 10, f"the server grew by {grown_mb:.0f} MB for a refused 30 MB body"
