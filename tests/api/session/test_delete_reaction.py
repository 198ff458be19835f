"""DELETE /v1/chats/{chatId}/reactions/{reactionId}."""

import uuid

import pytest

from reactions import services as reaction_services
from reactions.models import Reaction
from tests.api.session.conftest import assert_problem
from threads.models import Event


@pytest.fixture
def message(post, alice):
    return post(alice, "agenda")


def test_user_removes_own_reaction(as_guest, message, session_thread, bob):
    reaction = reaction_services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    response = as_guest.delete(f"/v1/chats/{message.id}/reactions/{reaction.id}")
    assert response.status_code == 200
    assert not Reaction.objects.exists()
    assert Event.objects.filter(thread=session_thread).latest("id").type == "reaction.removed"


def test_host_removes_anyones_reaction(as_host, message, bob):
    reaction = reaction_services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    assert as_host.delete(f"/v1/chats/{message.id}/reactions/{reaction.id}").status_code == 200


def test_participant_cannot_remove_others_reaction(as_guest, message, alice):
    reaction = reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    assert_problem(as_guest.delete(f"/v1/chats/{message.id}/reactions/{reaction.id}"), 403)
    assert Reaction.objects.exists()


def test_reaction_of_another_message_or_session_is_404(as_guest, as_other_host, post, message, bob):
    reaction = reaction_services.reaction_add(message=message, actor=bob, name=":thumbsup:")
    other_message = post(bob, "other")
    assert_problem(as_guest.delete(f"/v1/chats/{other_message.id}/reactions/{reaction.id}"), 404)
    assert_problem(as_guest.delete(f"/v1/chats/{message.id}/reactions/{uuid.uuid4()}"), 404)
    assert_problem(as_other_host.delete(f"/v1/chats/{message.id}/reactions/{reaction.id}"), 404)
    assert Reaction.objects.exists()
