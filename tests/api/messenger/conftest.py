import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from chats import services as chat_services
from tests import factories
from threads import services as thread_services


class MessengerClient(APIClient):
    """An API client speaking for one user with a user token (or for nobody)."""

    def __init__(self, token: str | None = None):
        super().__init__()
        self.default_format = "json"
        if token:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture
def client_for(db):
    return lambda user: MessengerClient(factories.user_token(user))


@pytest.fixture
def anonymous(db):
    return MessengerClient()


@pytest.fixture
def as_alice(client_for, alice):
    return client_for(alice)


@pytest.fixture
def as_bob(client_for, bob):
    return client_for(bob)


@pytest.fixture
def as_carol(client_for, carol):
    return client_for(carol)


@pytest.fixture
def outsider(db):
    """A user of another workspace."""
    return factories.UserFactory(username="outsider", workspace=factories.WorkspaceFactory())


@pytest.fixture
def direct_chat(workspace, alice, bob):
    thread, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    return thread


def send(thread, author, text="hi", **fields):
    return chat_services.message_send(thread=thread, actor=author, text=text, **fields)


def image_bytes(size=(4, 3), format="PNG", mode="RGB") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, "red").save(buffer, format=format)
    return buffer.getvalue()


def post_upload(client, data: bytes, name="pic.png", content_type="image/png"):
    return client.post(
        "/uploads", {"file": SimpleUploadedFile(name, data, content_type)}, format="multipart"
    )


def assert_422(response, *expected: tuple) -> list[dict]:
    """FastAPI's validation shape; ``expected`` are ``(loc, type)`` pairs, in order."""
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert isinstance(detail, list) and detail
    for item in detail:
        assert set(item) == {"type", "loc", "msg", "input"}, item
        assert item["msg"]
    assert [(e["loc"], e["type"]) for e in detail] == [(list(loc), t) for loc, t in expected]
    return detail


def assert_detail(response, status: int, detail: str):
    assert response.status_code == status, response.content
    assert response.json() == {"detail": detail}
