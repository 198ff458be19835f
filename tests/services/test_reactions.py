"""reactions.services: one per (message, user, shortcode); removed by its user or a host."""

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from chatproject.actors import SYSTEM
from chatproject.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chats import services as chat_services
from reactions import services
from reactions.models import Reaction
from tests.services.helpers import event_types, last_event
from threads import services as thread_services


def test_reaction_is_stored_and_announced(message, alice):
    reaction = services.reaction_add(message=message, actor=alice, name=":thumbsup:")

    assert Reaction.objects.get().pk == reaction.pk
    event = last_event(message.thread)
    assert event.type == "reaction.added"
    assert event.payload == {
        "reaction": {
            "id": str(reaction.id),
            "message": str(message.id),
            "name": ":thumbsup:",
            "user": {"id": str(alice.id), "name": "Alice"},
            "created_at": DjangoJSONEncoder().default(reaction.created_at),
        }
    }


@pytest.mark.parametrize(
    ("spelling", "stored"),
    [
        (":thumbs_up:", ":thumbsup:"),
        (":thumbsup:", ":thumbsup:"),
        (" :ThumbsUp: ", ":thumbsup:"),
        (":thumbs_down:", ":thumbsdown:"),
        (":thumbsdown:", ":thumbsdown:"),
    ],
)
def test_thumb_spellings_are_stored_canonical(message, alice, spelling, stored):
    reaction = services.reaction_add(message=message, actor=alice, name=spelling)
    assert Reaction.objects.get(pk=reaction.pk).name == stored
    assert last_event(message.thread).payload["reaction"]["name"] == stored


def test_same_reaction_twice_is_a_conflict_whatever_the_spelling(message, alice):
    services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    with pytest.raises(Conflict):
        services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    with pytest.raises(Conflict):
        services.reaction_add(message=message, actor=alice, name=":thumbs_up:")
    assert Reaction.objects.count() == 1
    assert event_types(message.thread).count("reaction.added") == 1


def test_different_users_may_react_alike(message, alice, bob):
    services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    assert Reaction.objects.filter(name=":thumbsup:").count() == 2


def test_one_user_may_both_like_and_dislike(message, alice):
    services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    services.reaction_add(message=message, actor=alice, name=":thumbsdown:")
    assert Reaction.objects.count() == 2


@pytest.mark.parametrize("name", [":heart:", ":rocket:", "", None])
def test_session_threads_accept_only_thumbs(message, alice, name):
    with pytest.raises(InvalidInput) as error:
        services.reaction_add(message=message, actor=alice, name=name)
    assert error.value.field == "reaction"
    assert not Reaction.objects.exists()


@pytest.mark.parametrize("name", ["<script>", "heart", ":a b:", "::", ":" + "x" * 61 + ":"])
def test_other_threads_accept_any_shortcode_but_not_garbage(custom_thread, alice, bob, name):
    message = chat_services.message_send(thread=custom_thread, actor=bob, text="launch!")
    services.reaction_add(message=message, actor=alice, name=":rocket:")
    with pytest.raises(InvalidInput):
        services.reaction_add(message=message, actor=alice, name=name)
    assert list(Reaction.objects.values_list("name", flat=True)) == [":rocket:"]


def test_stranger_reacting_gets_not_found(message, carol):
    with pytest.raises(NotFound):
        services.reaction_add(message=message, actor=carol, name=":thumbsup:")
    assert not Reaction.objects.exists()


def test_removed_message_cannot_be_reacted_to(message, alice, bob):
    chat_services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    assert not Reaction.objects.exists()


def test_reacting_in_a_removed_thread_is_not_found(session_thread, message, alice):
    thread_services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.reaction_add(message=message, actor=alice, name=":thumbsup:")


# --- removal ------------------------------------------------------------------------


def test_user_removes_their_own_reaction(message, bob):
    reaction = services.reaction_add(message=message, actor=bob, name=":thumbsdown:")
    services.reaction_remove(reaction=reaction, actor=bob)

    assert not Reaction.objects.exists()
    event = last_event(message.thread)
    assert event.type == "reaction.removed"
    assert event.payload["reaction"]["id"] == str(reaction.id)
    assert event.payload["reaction"]["user"]["id"] == str(bob.id)


def test_host_removes_anyones_reaction(message, alice, bob):
    reaction = services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    services.reaction_remove(reaction=reaction, actor=alice)
    assert not Reaction.objects.exists()


def test_participant_cannot_remove_someone_elses_reaction(session_thread, message, alice, carol):
    thread_services.membership_add(thread=session_thread, user=carol, actor=alice)
    reaction = services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    with pytest.raises(PermissionDenied):
        services.reaction_remove(reaction=reaction, actor=carol)
    assert Reaction.objects.filter(pk=reaction.pk).exists()


def test_stranger_removing_a_reaction_gets_not_found(message, alice, carol):
    reaction = services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    with pytest.raises(NotFound):
        services.reaction_remove(reaction=reaction, actor=carol)
    assert Reaction.objects.filter(pk=reaction.pk).exists()


def test_removing_a_removed_reaction_is_not_found(message, alice):
    reaction = services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    services.reaction_remove(reaction=reaction, actor=alice)
    with pytest.raises(NotFound):
        services.reaction_remove(reaction=reaction, actor=alice)
    assert event_types(message.thread).count("reaction.removed") == 1


def test_reactions_of_a_removed_message_are_out_of_reach(message, alice, bob):
    reaction = services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    chat_services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.reaction_remove(reaction=reaction, actor=alice)
    assert Reaction.objects.filter(pk=reaction.pk).exists()  # back with the message on restore


def test_admin_moderation_removes_any_reaction(message, bob, carol):
    reaction = services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    services.reaction_remove(reaction=reaction, actor=SYSTEM)
    assert not Reaction.objects.exists()


def test_reaction_removed_by_name_in_any_spelling(message, alice):
    services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    services.reaction_remove_by_name(message=message, actor=alice, name=":thumbs_up:")
    assert not Reaction.objects.exists()
    assert last_event(message.thread).type == "reaction.removed"


def test_removing_by_name_touches_only_the_callers_reaction(message, alice, bob):
    services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    with pytest.raises(NotFound):
        services.reaction_remove_by_name(message=message, actor=alice, name=":thumbsup:")
    assert Reaction.objects.filter(user=bob).exists()


def test_removing_by_name_after_leaving_is_not_found(custom_thread, alice, bob):
    message = chat_services.message_send(thread=custom_thread, actor=alice, text="vote")
    services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    thread_services.membership_remove(thread=custom_thread, user=bob, actor=bob)
    with pytest.raises(NotFound):
        services.reaction_remove_by_name(message=message, actor=bob, name=":thumbsup:")
    assert Reaction.objects.exists()
