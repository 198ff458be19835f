"""GET /v1/chats/reactions."""

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats import services as chat_services
from reactions import services as reaction_services
from tests.api.session.conftest import assert_problem


def test_lists_reactions_of_the_asked_messages_only(as_guest, post, alice, bob):
    one, two, three = post(bob, "1"), post(bob, "2"), post(bob, "3")
    r1 = reaction_services.reaction_add(message=one, actor=alice, name=":thumbsup:")
    r2 = reaction_services.reaction_add(message=two, actor=bob, name=":thumbsdown:")
    reaction_services.reaction_add(message=three, actor=alice, name=":thumbsup:")

    response = as_guest.get("/v1/chats/reactions", {"chatId": [str(one.id), str(two.id)]})

    assert response.status_code == 200
    assert response.json() == [
        {"chatId": str(one.id), "id": str(r1.id), "reaction": ":thumbsup:"},
        {"chatId": str(two.id), "id": str(r2.id), "reaction": ":thumbsdown:"},
    ]


def test_other_sessions_messages_are_not_matched(as_other_host, post, alice, bob):
    message = post(bob, "1")
    reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    response = as_other_host.get("/v1/chats/reactions", {"chatId": str(message.id)})
    assert response.json() == []


def test_no_ids_is_an_empty_list(as_guest):
    assert as_guest.get("/v1/chats/reactions").json() == []


def test_malformed_or_too_many_ids_are_a_400(as_guest):
    assert_problem(as_guest.get("/v1/chats/reactions", {"chatId": "nope"}), 400)
    many = [str(uuid.uuid4()) for _ in range(101)]
    assert_problem(as_guest.get("/v1/chats/reactions", {"chatId": many}), 400)


def test_query_count_does_not_grow_with_the_number_of_ids(as_guest, post, alice, bob):
    messages = [post(bob, f"m{i}") for i in range(10)]
    for message in messages:
        reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:")
        reaction_services.reaction_add(message=message, actor=bob, name=":thumbsdown:")
    as_guest.get("/v1/chats/reactions")  # the token's last-use write happens once
    counts = []
    for asked in (messages[:1], messages):
        with CaptureQueriesContext(connection) as ctx:
            response = as_guest.get("/v1/chats/reactions", {"chatId": [str(m.id) for m in asked]})
        assert len(response.json()) == 2 * len(asked)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]


def test_removed_messages_reactions_are_not_listed(as_guest, post, alice, bob):
    message = post(bob, "gone soon")
    reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    chat_services.message_remove(message=message, actor=bob)
    assert as_guest.get("/v1/chats/reactions", {"chatId": str(message.id)}).json() == []
