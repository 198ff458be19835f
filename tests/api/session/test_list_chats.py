"""GET /v1/chats: paging, sorting, shape, errors, isolation, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatproject.actors import SYSTEM
from chats import services as chat_services
from pins import services as pin_services
from reactions import services as reaction_services
from tests import factories
from tests.api.session.conftest import assert_problem
from threads import services as thread_services


def ids(response) -> list[str]:
    return [m["chatId"] for m in response.json()["messages"]]


def test_lists_messages_oldest_first_with_the_documented_shape(as_guest, post, alice, bob):
    first = post(bob, "hello")
    second = post(alice, "welcome")
    reaction_services.reaction_add(message=first, actor=alice, name=":thumbsup:")
    pin = pin_services.pin_add(message=second, actor=alice)

    response = as_guest.get("/v1/chats")

    assert response.status_code == 200
    body = response.json()
    assert body["totalCount"] == 2
    assert body["messages"][0] == {
        "chatId": str(first.id),
        "message": "hello",
        "createdAt": body["messages"][0]["createdAt"],
        "user": {"id": str(bob.id), "name": "Bob"},
        "pinned": None,
        "reactions": [{"name": ":thumbsup:", "count": 1, "users": [{"id": str(alice.id)}]}],
    }
    assert body["messages"][0]["createdAt"].endswith("Z")
    assert body["messages"][1]["pinned"] == {"id": str(pin.id)}
    assert body["messages"][1]["reactions"] == []


def test_skip_and_take_cut_pages_in_order(as_guest, post, bob):
    messages = [post(bob, f"m{i}") for i in range(5)]
    page1 = as_guest.get("/v1/chats", {"Take": 2})
    page2 = as_guest.get("/v1/chats", {"Take": 2, "Skip": 2})
    page3 = as_guest.get("/v1/chats", {"Take": 2, "Skip": 4})
    assert ids(page1) + ids(page2) + ids(page3) == [str(m.id) for m in messages]
    assert page3.json()["totalCount"] == 5


def test_parameter_names_ignore_case_as_the_aspnet_service_binds_them(as_guest, post, bob):
    messages = [post(bob, f"m{i}") for i in range(4)]

    page = as_guest.get("/v1/chats", {"skip": 1, "TAKE": 2, "ascending": "false"})

    assert ids(page) == [str(m.id) for m in reversed(messages)][1:3]
    bad = as_guest.get("/v1/chats", {"take": 21})  # still checked under any spelling
    assert bad.status_code == 400
    assert "Take" in bad.json()["errors"]


def test_descending_reverses_the_order(as_guest, post, bob):
    messages = [post(bob, f"m{i}") for i in range(3)]
    response = as_guest.get("/v1/chats", {"Ascending": "false"})
    assert ids(response) == [str(m.id) for m in reversed(messages)]


def test_ascending_is_read_case_insensitively(as_guest, post, bob):
    messages = [post(bob, f"m{i}") for i in range(2)]
    response = as_guest.get("/v1/chats", {"Ascending": "FALSE"})
    assert ids(response) == [str(m.id) for m in reversed(messages)]
    assert ids(as_guest.get("/v1/chats", {"Ascending": "True"})) == [str(m.id) for m in messages]


def test_largest_int32_skip_is_an_empty_page_not_an_error(as_guest, post, bob):
    post(bob, "only")
    response = as_guest.get("/v1/chats", {"Skip": 2**31 - 1})
    assert response.status_code == 200
    assert response.json() == {"totalCount": 1, "messages": []}


def test_pinned_sort_puts_pinned_first(as_guest, post, alice, bob):
    messages = [post(bob, f"m{i}") for i in range(4)]
    pin_services.pin_add(message=messages[2], actor=alice)
    response = as_guest.get("/v1/chats", {"SortBy": "Pinned"})
    expected = [messages[2], messages[0], messages[1], messages[3]]
    assert ids(response) == [str(m.id) for m in expected]
    reverse = as_guest.get("/v1/chats", {"SortBy": "Pinned", "Ascending": "false"})
    assert ids(reverse) == [str(m.id) for m in reversed(expected)]


@pytest.mark.parametrize("name", [":thumbsup:", ":thumbsdown:"])
def test_reaction_sort_orders_by_that_reactions_count(as_guest, post, session_thread, bob, name):
    voters = [factories.UserFactory() for _ in range(3)]
    for voter in voters:
        thread_services.membership_add(actor=SYSTEM, thread=session_thread, user=voter)
    messages = [post(bob, f"m{i}") for i in range(3)]
    for message, votes in zip(messages, [2, 0, 3], strict=True):
        for voter in voters[:votes]:
            reaction_services.reaction_add(message=message, actor=voter, name=name)
    other = ":thumbsdown:" if name == ":thumbsup:" else ":thumbsup:"
    reaction_services.reaction_add(message=messages[1], actor=voters[0], name=other)

    response = as_guest.get("/v1/chats", {"SortBy": name, "Ascending": "false"})
    assert ids(response) == [str(messages[i].id) for i in (2, 0, 1)]


def test_reaction_sort_accepts_the_underscore_spelling(as_guest, post, alice, bob):
    quiet, liked = post(bob, "quiet"), post(bob, "liked")
    reaction_services.reaction_add(message=liked, actor=alice, name=":thumbsup:")
    response = as_guest.get("/v1/chats", {"SortBy": ":thumbs_up:", "Ascending": "false"})
    assert response.status_code == 200
    assert ids(response) == [str(liked.id), str(quiet.id)]


@pytest.mark.parametrize("sort_by", ["CreatedAt", "Pinned", ":thumbsup:", ":thumbsdown:"])
@pytest.mark.parametrize("ascending", ["true", "false"])
def test_paging_is_stable_for_every_sort(as_guest, post, alice, bob, sort_by, ascending):
    messages = [post(bob, f"m{i}") for i in range(7)]
    # Many ties: two pinned, equal reaction counts.
    for m in messages[1:3]:
        pin_services.pin_add(message=m, actor=alice)
        reaction_services.reaction_add(message=m, actor=alice, name=":thumbsup:")
    seen = []
    for skip in range(0, 7, 3):
        response = as_guest.get(
            "/v1/chats", {"SortBy": sort_by, "Ascending": ascending, "Skip": skip, "Take": 3}
        )
        seen += ids(response)
    assert sorted(seen) == sorted(str(m.id) for m in messages)
    assert len(seen) == len(set(seen)) == 7


def test_removed_messages_are_not_listed(as_guest, post, bob):
    keep = post(bob, "keep")
    gone = post(bob, "gone")
    chat_services.message_remove(message=gone, actor=bob)
    response = as_guest.get("/v1/chats")
    assert response.json()["totalCount"] == 1
    assert ids(response) == [str(keep.id)]


def test_another_sessions_messages_are_invisible(as_other_host, post, bob):
    post(bob, "private to the town hall")
    body = as_other_host.get("/v1/chats").json()
    assert body == {"totalCount": 0, "messages": []}


@pytest.mark.parametrize(
    "params",
    [
        {"Take": 0},
        {"Take": 21},
        {"Take": "x"},
        {"Skip": -1},
        {"Skip": "abc"},
        {"Skip": "99999999999999999999"},
        {"Skip": 2**31},
        {"Take": "5.0"},
        {"Take": ""},
        {"SortBy": ""},
        {"Ascending": ""},
        {"SortBy": "Nope"},
        {"SortBy": "createdat"},
        {"Ascending": "maybe"},
        {"Ascending": "1"},
        {"Take": 0, "SortBy": "Nope"},
    ],
)
def test_bad_query_is_a_400_problem(as_guest, params):
    body = assert_problem(as_guest.get("/v1/chats", params), 400)
    assert set(body["errors"]) == set(params)


def test_query_count_does_not_grow_with_take(as_guest, post, session_thread, alice, bob):
    for i in range(20):
        message = post(bob, f"m{i}")
        reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:")
        if i % 3 == 0:
            pin_services.pin_add(message=message, actor=alice)
    as_guest.get("/v1/chats")  # the token's last-use write happens once, not per page
    counts = []
    for take in (2, 20):
        with CaptureQueriesContext(connection) as ctx:
            response = as_guest.get("/v1/chats", {"Take": take, "SortBy": ":thumbsup:"})
        assert len(response.json()["messages"]) == take
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 7
