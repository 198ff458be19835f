"""POST /v1/chats/{chatId}/reactions."""

import uuid

import pytest

from reactions.models import Reaction
from tests.api.session.conftest import assert_problem
from threads.models import Event


@pytest.fixture
def message(post, alice):
    return post(alice, "agenda")


@pytest.mark.parametrize(
    ("sent", "stored"),
    [
        (":thumbsup:", ":thumbsup:"),
        (":thumbs_up:", ":thumbsup:"),
        (":thumbs_down:", ":thumbsdown:"),
    ],
)
def test_reacts_and_stores_the_canonical_name(as_guest, message, session_thread, sent, stored):
    response = as_guest.post(f"/v1/chats/{message.id}/reactions", {"reaction": sent}, format="json")
    assert response.status_code == 200
    reaction = Reaction.objects.get(pk=response.json()["reactionId"])
    assert reaction.name == stored and reaction.message == message
    assert Event.objects.filter(thread=session_thread).latest("id").type == "reaction.added"


def test_same_reaction_twice_is_a_409(as_guest, message):
    url = f"/v1/chats/{message.id}/reactions"
    as_guest.post(url, {"reaction": ":thumbsup:"}, format="json")
    assert_problem(as_guest.post(url, {"reaction": ":thumbs_up:"}, format="json"), 409)
    assert Reaction.objects.count() == 1


@pytest.mark.parametrize("payload", [{"reaction": ":heart:"}, {"reaction": ""}, {}])
def test_other_reactions_are_a_400(as_guest, message, payload):
    assert_problem(as_guest.post(f"/v1/chats/{message.id}/reactions", payload, format="json"), 400)
    assert not Reaction.objects.exists()


def test_unknown_and_other_sessions_messages_are_404(as_guest, as_other_host, message):
    body = {"reaction": ":thumbsup:"}
    assert_problem(as_guest.post(f"/v1/chats/{uuid.uuid4()}/reactions", body, format="json"), 404)
    response = as_other_host.post(f"/v1/chats/{message.id}/reactions", body, format="json")
    assert_problem(response, 404)
    assert not Reaction.objects.exists()
