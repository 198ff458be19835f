import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from rest_framework.test import APIClient

from chats import services as chat_services
from tests import factories
from threads import services as thread_services
from threads.models import Event


class TeamClient(APIClient):
    """An API client speaking for one user with a user token (or for nobody)."""

    def __init__(self, token: str | None = None):
        super().__init__()
        self.default_format = "json"
        if token:
            self.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a scratch directory, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def client_for(db):
    return lambda user: TeamClient(factories.user_token(user))


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
def outsider():
    """A user of another workspace."""
    return factories.UserFactory(username="outsider", workspace=factories.WorkspaceFactory())


@pytest.fixture
def personal_thread(workspace, alice, bob):
    thread, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    return thread


def send(thread, author, text="hi", *, reply_to=None, attachments=(), **fields):
    return chat_services.message_send(
        thread=thread,
        actor=author,
        text=text,
        reply_to_id=reply_to.pk if reply_to is not None else None,
        attachment_ids=[a.pk for a in attachments],
        **fields,
    )


def png_bytes(size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(user, content: bytes | None = None, name="pic.png", content_type="image/png"):
    file = SimpleUploadedFile(name, png_bytes() if content is None else content, content_type)
    return chat_services.attachment_create(uploaded_by=user, file=file)


def event_types_since(event_id: int) -> list[str]:
    return list(Event.objects.filter(id__gt=event_id).order_by("id").values_list("type", flat=True))


def last_event_id() -> int:
    return Event.objects.order_by("-id").values_list("id", flat=True).first() or 0


def assert_error(response, status: int, field: str | None = None) -> dict:
    """The surface's one error format, with the status's code and the field at fault."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["field"] == field
    assert body["error"]["message"]
    return body["error"]
