"""reactions.services and pins.services."""

import pytest

from chatproject.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chats import services as chat_services
from pins import services as pin_services
from pins.models import Pin
from reactions import services
from reactions.models import Reaction
from threads.models import Event


@pytest.fixture
def message(session_thread, bob):
    return chat_services.message_send(thread=session_thread, author=bob, text="hello")


def last_event(thread) -> Event:
    return Event.objects.filter(thread=thread).latest("id")


@pytest.mark.parametrize("spelling", [":thumbs_up:", ":thumbsup:", ":ThumbsUp:"])
def test_thumbs_up_spellings_are_stored_canonical(message, alice, spelling):
    reaction = services.reaction_add(message=message, user=alice, name=spelling)
    assert reaction.name == ":thumbsup:"
    event = last_event(message.thread)
    assert event.type == "reaction.added"
    assert event.payload["reaction"]["name"] == ":thumbsup:"
    assert event.payload["reaction"]["message"] == str(message.id)


def test_same_reaction_twice_is_a_conflict(message, alice):
    services.reaction_add(message=message, user=alice, name=":thumbsup:")
    with pytest.raises(Conflict):
        services.reaction_add(message=message, user=alice, name=":thumbs_up:")
    assert Reaction.objects.count() == 1


def test_one_user_may_both_like_and_dislike(message, alice):
    services.reaction_add(message=message, user=alice, name=":thumbsup:")
    services.reaction_add(message=message, user=alice, name=":thumbsdown:")
    assert Reaction.objects.count() == 2


def test_session_threads_accept_only_thumbs(message, alice):
    with pytest.raises(InvalidInput) as error:
        services.reaction_add(message=message, user=alice, name=":heart:")
    assert error.value.field == "reaction"


def test_other_threads_accept_any_shortcode_but_not_garbage(custom_thread, alice, bob):
    message = chat_services.message_send(thread=custom_thread, author=bob, text="launch!")
    services.reaction_add(message=message, user=alice, name=":rocket:")
    with pytest.raises(InvalidInput):
        services.reaction_add(message=message, user=alice, name="<script>")


def test_stranger_and_removed_messages_are_not_found(message, bob, carol):
    with pytest.raises(NotFound):
        services.reaction_add(message=message, user=carol, name=":thumbsup:")
    chat_services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.reaction_add(message=message, user=bob, name=":thumbsup:")


def test_reaction_removed_by_its_user_or_the_host_only(session_thread, message, alice, bob, carol):
    from threads.services import membership_add

    membership_add(thread=session_thread, user=carol)
    by_bob = services.reaction_add(message=message, user=bob, name=":thumbsup:")
    with pytest.raises(PermissionDenied):
        services.reaction_remove(reaction=by_bob, actor=carol)
    services.reaction_remove(reaction=by_bob, actor=alice)  # alice hosts
    assert not Reaction.objects.exists()
    assert last_event(session_thread).type == "reaction.removed"

    by_carol = services.reaction_add(message=message, user=carol, name=":thumbsdown:")
    services.reaction_remove(reaction=by_carol, actor=carol)
    assert not Reaction.objects.exists()


def test_reaction_remove_by_name(message, alice):
    services.reaction_add(message=message, user=alice, name=":thumbsup:")
    services.reaction_remove_by_name(message=message, user=alice, name=":thumbs_up:")
    assert not Reaction.objects.exists()
    with pytest.raises(NotFound):
        services.reaction_remove_by_name(message=message, user=alice, name=":thumbsup:")


def test_host_pins_and_unpins(message, alice):
    pin = pin_services.pin_add(message=message, actor=alice)
    assert pin.thread_id == message.thread_id and pin.pinned_by == alice
    assert last_event(message.thread).type == "pin.added"
    pin_services.pin_remove(pin=pin, actor=alice)
    assert not Pin.objects.exists()
    assert last_event(message.thread).type == "pin.removed"


def test_participant_cannot_pin(message, bob):
    with pytest.raises(PermissionDenied):
        pin_services.pin_add(message=message, actor=bob)
    assert not Pin.objects.exists()


def test_participant_cannot_unpin(message, alice, bob):
    pin = pin_services.pin_add(message=message, actor=alice)
    with pytest.raises(PermissionDenied):
        pin_services.pin_remove(pin=pin, actor=bob)
    assert Pin.objects.exists()


def test_pinning_a_pinned_message_is_a_conflict(message, alice):
    pin_services.pin_add(message=message, actor=alice)
    with pytest.raises(Conflict):
        pin_services.pin_add(message=message, actor=alice)
    assert Pin.objects.count() == 1


def test_stranger_pinning_gets_not_found(message, carol):
    with pytest.raises(NotFound):
        pin_services.pin_add(message=message, actor=carol)
