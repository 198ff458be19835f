"""POST /v1/chats/{chatId}/pins and DELETE /v1/chats/{chatId}/pins/{pinId}."""

import uuid

import pytest

from pins import services as pin_services
from pins.models import Pin
from tests.api.session.conftest import assert_problem
from threads.models import Event


@pytest.fixture
def message(post, bob):
    return post(bob, "important")


def test_host_pins_and_gets_the_pin_id(as_host, message, session_thread):
    response = as_host.post(f"/v1/chats/{message.id}/pins")
    assert response.status_code == 200
    assert Pin.objects.get(pk=response.json()["pinId"]).message == message
    assert Event.objects.filter(thread=session_thread).latest("id").type == "pin.added"


def test_participant_cannot_pin(as_guest, message):
    assert_problem(as_guest.post(f"/v1/chats/{message.id}/pins"), 403)
    assert not Pin.objects.exists()


def test_pinning_twice_is_a_409(as_host, message):
    as_host.post(f"/v1/chats/{message.id}/pins")
    assert_problem(as_host.post(f"/v1/chats/{message.id}/pins"), 409)
    assert Pin.objects.count() == 1


def test_pinning_unknown_or_other_sessions_message_is_404(as_host, as_other_host, message):
    assert_problem(as_host.post(f"/v1/chats/{uuid.uuid4()}/pins"), 404)
    assert_problem(as_other_host.post(f"/v1/chats/{message.id}/pins"), 404)


def test_host_unpins(as_host, message, alice, session_thread):
    pin = pin_services.pin_add(message=message, actor=alice)
    assert as_host.delete(f"/v1/chats/{message.id}/pins/{pin.id}").status_code == 200
    assert not Pin.objects.exists()
    assert Event.objects.filter(thread=session_thread).latest("id").type == "pin.removed"


def test_participant_cannot_unpin(as_guest, message, alice):
    pin = pin_services.pin_add(message=message, actor=alice)
    assert_problem(as_guest.delete(f"/v1/chats/{message.id}/pins/{pin.id}"), 403)
    assert Pin.objects.exists()


def test_unpin_with_wrong_message_or_session_is_404(as_host, as_other_host, post, message, alice):
    pin = pin_services.pin_add(message=message, actor=alice)
    other = post(alice, "other")
    assert_problem(as_host.delete(f"/v1/chats/{other.id}/pins/{pin.id}"), 404)
    assert_problem(as_host.delete(f"/v1/chats/{message.id}/pins/{uuid.uuid4()}"), 404)
    assert_problem(as_other_host.delete(f"/v1/chats/{message.id}/pins/{pin.id}"), 404)
    assert Pin.objects.exists()
