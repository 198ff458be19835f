"""POST/DELETE /api/v1/chat/messages/{id}/likes and .../dislikes: the shared thumbs reactions."""

import pytest

from chats import services as chat_services
from reactions import services as reaction_services
from reactions.models import Reaction
from tests.api.team.conftest import assert_error, event_types_since, last_event_id, send


@pytest.fixture
def message(custom_thread, alice):
    return send(custom_thread, alice, "ship it?")


def test_like_is_a_thumbsup_reaction_and_answers_the_message(as_bob, message, bob):
    since = last_event_id()

    response = as_bob.post(f"/api/v1/chat/messages/{message.id}/likes")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["_id"] == str(message.id)
    assert body["likes"] == [str(bob.id)] and body["dislikes"] == []
    reaction = Reaction.objects.get(message=message)
    assert (reaction.user, reaction.name) == (bob, ":thumbsup:")
    assert event_types_since(since) == ["reaction.added"]


def test_dislike_is_a_thumbsdown_reaction(as_bob, message, bob):
    response = as_bob.post(f"/api/v1/chat/messages/{message.id}/dislikes")
    assert response.json()["dislikes"] == [str(bob.id)]
    assert Reaction.objects.get(message=message).name == ":thumbsdown:"


def test_a_like_made_elsewhere_shows_here(as_alice, message, bob):
    reaction_services.reaction_add(message=message, actor=bob, name=":thumbs_up:")
    [listed] = as_alice.get(f"/api/v1/chat/threads/{message.thread_id}/messages").json()
    assert listed["likes"] == [str(bob.id)]


def test_liking_twice_is_a_409(as_bob, message):
    as_bob.post(f"/api/v1/chat/messages/{message.id}/likes")
    since = last_event_id()
    assert_error(as_bob.post(f"/api/v1/chat/messages/{message.id}/likes"), 409)
    assert Reaction.objects.filter(message=message).count() == 1
    assert event_types_since(since) == []


def test_take_back_a_like(as_bob, message, bob):
    as_bob.post(f"/api/v1/chat/messages/{message.id}/likes")
    as_bob.post(f"/api/v1/chat/messages/{message.id}/dislikes")
    since = last_event_id()

    response = as_bob.delete(f"/api/v1/chat/messages/{message.id}/likes")

    assert response.status_code == 200
    assert response.json()["likes"] == [] and response.json()["dislikes"] == [str(bob.id)]
    assert list(Reaction.objects.values_list("name", flat=True)) == [":thumbsdown:"]
    assert event_types_since(since) == ["reaction.removed"]


def test_taking_back_a_like_never_given_is_a_404(as_bob, message):
    assert_error(as_bob.delete(f"/api/v1/chat/messages/{message.id}/likes"), 404)


def test_others_likes_are_theirs_to_take_back(as_alice, as_bob, message, bob):
    as_bob.post(f"/api/v1/chat/messages/{message.id}/likes")
    assert_error(as_alice.delete(f"/api/v1/chat/messages/{message.id}/likes"), 404)
    assert Reaction.objects.filter(user=bob).exists()


def test_non_member_cannot_like_and_gets_a_404(as_carol, message):
    assert_error(as_carol.post(f"/api/v1/chat/messages/{message.id}/likes"), 404)
    assert not Reaction.objects.exists()


def test_removed_message_cannot_be_liked(as_bob, message, alice):
    chat_services.message_remove(message=message, actor=alice)
    assert_error(as_bob.post(f"/api/v1/chat/messages/{message.id}/likes"), 404)


def test_session_message_is_a_404_here(as_alice, session_thread, bob):
    message = send(session_thread, bob, "session talk")
    assert_error(as_alice.post(f"/api/v1/chat/messages/{message.id}/likes"), 404)


def test_malformed_message_id_is_a_404(as_bob):
    assert_error(as_bob.post("/api/v1/chat/messages/nope/likes"), 404)
