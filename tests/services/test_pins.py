"""pins.services: hosts and admins pin (seed 000: "only the Host"), one pin per message."""

import pytest

from chatproject.actors import SYSTEM
from chatproject.errors import Conflict, NotFound, PermissionDenied
from chats import services as chat_services
from pins import services
from pins.models import Pin
from tests.services.helpers import event_types, last_event
from threads import services as thread_services


def test_host_pins_and_subscribers_hear_it(message, alice):
    pin = services.pin_add(message=message, actor=alice)

    stored = Pin.objects.get()
    assert stored.pk == pin.pk and stored.message == message
    assert stored.thread_id == message.thread_id and stored.pinned_by == alice
    event = last_event(message.thread)
    assert event.type == "pin.added"
    payload = event.payload["pin"]
    assert payload["id"] == str(pin.id) and payload["message"] == str(message.id)
    assert payload["pinned_by"] == str(alice.id) and payload["created_at"]


def test_host_unpins_and_subscribers_hear_it(message, alice):
    pin = services.pin_add(message=message, actor=alice)
    services.pin_remove(pin=pin, actor=alice)

    assert not Pin.objects.exists()
    event = last_event(message.thread)
    assert event.type == "pin.removed"
    assert event.payload["pin"]["id"] == str(pin.id)
    assert event.payload["pin"]["message"] == str(message.id)


def test_unpinned_message_can_be_pinned_again(message, alice):
    services.pin_remove(pin=services.pin_add(message=message, actor=alice), actor=alice)
    services.pin_add(message=message, actor=alice)
    assert Pin.objects.count() == 1


def test_custom_thread_admin_pins(custom_thread, alice, bob):
    message = chat_services.message_send(thread=custom_thread, actor=bob, text="rules")
    services.pin_add(message=message, actor=alice)
    assert Pin.objects.filter(message=message).exists()


def test_participant_cannot_pin(message, bob):
    with pytest.raises(PermissionDenied):
        services.pin_add(message=message, actor=bob)
    assert not Pin.objects.exists()
    assert "pin.added" not in event_types(message.thread)


def test_custom_thread_member_cannot_pin(custom_thread, bob):
    message = chat_services.message_send(thread=custom_thread, actor=bob, text="mine")
    with pytest.raises(PermissionDenied):
        services.pin_add(message=message, actor=bob)
    assert not Pin.objects.exists()


def test_participant_cannot_unpin(message, alice, bob):
    pin = services.pin_add(message=message, actor=alice)
    with pytest.raises(PermissionDenied):
        services.pin_remove(pin=pin, actor=bob)
    assert Pin.objects.filter(pk=pin.pk).exists()


def test_pinning_a_pinned_message_is_a_conflict(message, alice):
    services.pin_add(message=message, actor=alice)
    with pytest.raises(Conflict):
        services.pin_add(message=message, actor=alice)
    assert Pin.objects.count() == 1
    assert event_types(message.thread).count("pin.added") == 1


def test_stranger_pinning_gets_not_found(message, carol):
    with pytest.raises(NotFound):
        services.pin_add(message=message, actor=carol)
    assert not Pin.objects.exists()


def test_stranger_unpinning_gets_not_found(message, alice, carol):
    pin = services.pin_add(message=message, actor=alice)
    with pytest.raises(NotFound):
        services.pin_remove(pin=pin, actor=carol)
    assert Pin.objects.filter(pk=pin.pk).exists()


def test_removed_message_cannot_be_pinned(message, alice, bob):
    chat_services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.pin_add(message=message, actor=alice)
    assert not Pin.objects.exists()


def test_pinning_in_a_removed_thread_is_not_found(session_thread, message, alice):
    thread_services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.pin_add(message=message, actor=alice)


def test_unpinning_twice_is_not_found(message, alice):
    pin = services.pin_add(message=message, actor=alice)
    services.pin_remove(pin=pin, actor=alice)
    with pytest.raises(NotFound):
        services.pin_remove(pin=pin, actor=alice)
    assert event_types(message.thread).count("pin.removed") == 1


def test_support_staff_pin_in_support_chats(support_chat, agent):
    message = chat_services.message_send(thread=support_chat, actor=agent, text="FAQ")
    services.pin_add(message=message, actor=agent)
    assert Pin.objects.filter(message=message).exists()


def test_admin_moderation_pins_and_unpins_without_membership(message, carol):
    pin = services.pin_add(message=message, actor=SYSTEM, pinned_by=carol)
    assert pin.pinned_by == carol
    services.pin_remove(pin=pin, actor=SYSTEM)
    assert not Pin.objects.exists()
    assert event_types(message.thread)[-2:] == ["pin.added", "pin.removed"]
