"""GET /chats and GET /chats/{chat_id}: previews, pages, unread counts, what reading means."""

import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chats import services as chat_services
from tests.api.messenger.conftest import assert_422, assert_detail, send
from threads import services as thread_services
from threads.models import Membership


def chat_url(chat, **query) -> str:
    qs = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/chats/{chat.pk}" + (f"?{qs}" if qs else "")


def unread(client, chat) -> int:
    [item] = [c for c in client.get("/chats").json()["items"] if c["id"] == str(chat.pk)]
    return item["unread_count"]


# --- GET /chats ---------------------------------------------------------------------------


def test_no_chats_is_an_empty_page(as_alice):
    response = as_alice.get("/chats")

    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "limit": 20, "offset": 0}


def test_previews_carry_members_and_the_last_message(as_alice, direct_chat, alice, bob):
    send(direct_chat, alice, "first")
    last = send(direct_chat, bob, "second")

    [item] = as_alice.get("/chats").json()["items"]

    assert item["id"] == str(direct_chat.pk)
    assert (item["type"], item["name"]) == ("direct", None)
    assert [m["username"] for m in item["members"]] == ["alice", "bob"]
    assert item["last_message"] == {
        "id": str(last.pk),
        "chat_id": str(direct_chat.pk),
        "sender": {"id": str(bob.pk), "username": "bob", "name": "Bob"},
        "type": "text",
        "text": "second",
        "image": None,
        "created_at": last.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert item["updated_at"] == item["last_message"]["created_at"]
    assert item["unread_count"] == 1


def test_chats_are_listed_newest_activity_first(as_alice, workspace, alice, bob, carol):
    older, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    newer, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=carol
    )
    send(newer, carol, "first")
    send(older, bob, "then this")

    ids = [c["id"] for c in as_alice.get("/chats").json()["items"]]

    assert ids == [str(older.pk), str(newer.pk)]


def test_only_the_callers_messenger_chats_are_listed(
    as_carol, direct_chat, session_thread, custom_thread, carol
):
    # Carol is in none of them; session threads belong to another surface anyway.
    assert as_carol.get("/chats").json()["total"] == 0


def test_team_group_and_custom_threads_are_group_chats(as_alice, custom_thread):
    [item] = as_alice.get("/chats").json()["items"]
    assert (item["type"], item["name"]) == ("group", "Launch")
    assert item["last_message"] is None


def test_pages_carry_the_total_and_never_overlap(as_alice, workspace, alice, make_user):
    for i in range(5):
        other = make_user(username=f"friend{i}")
        chat, _ = thread_services.direct_thread_get_or_create(
            workspace=workspace, user=alice, other=other
        )
        send(chat, alice, f"hello {i}")

    first = as_alice.get("/chats?limit=2").json()
    second = as_alice.get("/chats?limit=2&offset=2").json()
    last = as_alice.get("/chats?limit=2&offset=4").json()
    beyond = as_alice.get("/chats?limit=2&offset=50").json()

    assert [p["total"] for p in (first, second, last, beyond)] == [5, 5, 5, 5]
    assert (first["limit"], first["offset"], second["offset"]) == (2, 0, 2)
    ids = [c["id"] for page in (first, second, last) for c in page["items"]]
    assert len(ids) == len(set(ids)) == 5
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("limit=0", [(("query", "limit"), "greater_than_equal")]),
        ("limit=101", [(("query", "limit"), "less_than_equal")]),
        ("offset=-1", [(("query", "offset"), "greater_than_equal")]),
        ("limit=abc", [(("query", "limit"), "int_parsing")]),
        ("limit=", [(("query", "limit"), "int_parsing")]),
        ("offset=99999999999999999999", [(("query", "offset"), "less_than_equal")]),
        (
            "limit=0&offset=x",
            [(("query", "limit"), "greater_than_equal"), (("query", "offset"), "int_parsing")],
        ),
    ],
)
def test_bad_paging_is_422(as_alice, query, expected):
    detail = assert_422(as_alice.get(f"/chats?{query}"), *expected)
    assert detail[0]["input"] == query.split("&")[0].split("=", 1)[1]


def test_limit_bounds_are_accepted(as_alice):
    assert as_alice.get("/chats?limit=1").status_code == 200
    assert as_alice.get("/chats?limit=100").status_code == 200


def list_queries(client, limit: int) -> int:
    client.get(f"/chats?limit={limit}")  # warm up: the token's last-use stamp, caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/chats?limit={limit}")
    assert response.status_code == 200
    assert len(response.json()["items"]) == min(limit, 12)
    return len(queries)


def test_listing_costs_the_same_number_of_queries_at_any_page_size(
    as_alice, workspace, alice, make_user
):
    for i in range(12):
        other = make_user(username=f"pal{i}")
        chat, _ = thread_services.direct_thread_get_or_create(
            workspace=workspace, user=alice, other=other
        )
        send(chat, other, f"hello {i}")
        upload = chat_services.attachment_create(uploaded_by=other, file=_png(f"p{i}.png"))
        chat_services.message_send(thread=chat, actor=other, text="", attachment_ids=[upload.pk])

    assert list_queries(as_alice, 2) == list_queries(as_alice, 12)


def _png(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.api.messenger.conftest import image_bytes

    return SimpleUploadedFile(name, image_bytes(), "image/png")


# --- GET /chats/{chat_id} ---------------------------------------------------------------


def test_a_chat_with_its_messages_newest_first(as_alice, direct_chat, alice, bob):
    messages = [send(direct_chat, alice if i % 2 else bob, f"m{i}") for i in range(5)]

    response = as_alice.get(chat_url(direct_chat, limit=3))

    assert response.status_code == 200
    body = response.json()
    assert body["chat"]["id"] == str(direct_chat.pk)
    assert body["chat"]["type"] == "direct"
    page = body["messages"]
    assert (page["total"], page["limit"], page["offset"]) == (5, 3, 0)
    assert [m["text"] for m in page["items"]] == ["m4", "m3", "m2"]
    assert page["items"][0]["id"] == str(messages[4].pk)


def test_later_pages_continue_into_older_messages(as_alice, direct_chat, bob):
    for i in range(5):
        send(direct_chat, bob, f"m{i}")

    page = as_alice.get(chat_url(direct_chat, limit=3, offset=3)).json()["messages"]

    assert [m["text"] for m in page["items"]] == ["m1", "m0"]
    assert page["total"] == 5


def test_removed_messages_are_not_shown_or_counted(as_alice, direct_chat, alice, bob):
    send(direct_chat, bob, "kept")
    gone = send(direct_chat, alice, "gone")
    chat_services.message_remove(message=gone, actor=alice)

    page = as_alice.get(chat_url(direct_chat)).json()["messages"]

    assert [m["text"] for m in page["items"]] == ["kept"]
    assert page["total"] == 1


def test_a_chat_you_are_not_in_is_404(as_carol, direct_chat):
    assert_detail(as_carol.get(chat_url(direct_chat)), 404, "Chat not found")


def test_an_unknown_chat_is_404(as_alice):
    assert_detail(as_alice.get(f"/chats/{uuid.uuid4()}"), 404, "Chat not found")


def test_a_session_thread_is_not_a_messenger_chat(as_alice, session_thread):
    assert_detail(as_alice.get(chat_url(session_thread)), 404, "Chat not found")


def test_a_removed_chat_is_404(as_alice, custom_thread, alice):
    thread_services.thread_remove(thread=custom_thread, actor=alice)  # its admin
    assert_detail(as_alice.get(chat_url(custom_thread)), 404, "Chat not found")


def test_a_malformed_chat_id_is_422(as_alice):
    assert_422(as_alice.get("/chats/not-a-uuid"), (("path", "chat_id"), "uuid_parsing"))


def test_path_and_query_problems_are_reported_together(as_alice):
    assert_422(
        as_alice.get("/chats/nope?limit=101"),
        (("path", "chat_id"), "uuid_parsing"),
        (("query", "limit"), "less_than_equal"),
    )


def test_validation_comes_before_lookup(as_carol, direct_chat):
    """FastAPI validates before the endpoint runs: a bad limit on a hidden chat is 422."""
    response = as_carol.get(chat_url(direct_chat, limit=0))
    assert_422(response, (("query", "limit"), "greater_than_equal"))


def detail_queries(client, chat, limit: int) -> int:
    client.get(chat_url(chat, limit=limit))  # warm up, and the read mark moves once
    with CaptureQueriesContext(connection) as queries:
        response = client.get(chat_url(chat, limit=limit))
    assert len(response.json()["messages"]["items"]) == limit
    return len(queries)


def test_a_chat_page_costs_the_same_number_of_queries_at_any_size(as_alice, direct_chat, bob):
    for i in range(10):
        upload = chat_services.attachment_create(uploaded_by=bob, file=_png(f"i{i}.png"))
        chat_services.message_send(
            thread=direct_chat, actor=bob, text="", attachment_ids=[upload.pk]
        )
        send(direct_chat, bob, f"t{i}")

    assert detail_queries(as_alice, direct_chat, 2) == detail_queries(as_alice, direct_chat, 20)


# --- unread counts and reading ---------------------------------------------------------------


def test_unread_counts_move_as_messages_arrive_and_are_read(
    as_alice, as_bob, direct_chat, alice, bob
):
    send(direct_chat, bob, "one")
    send(direct_chat, bob, "two")
    assert unread(as_alice, direct_chat) == 2
    assert unread(as_bob, direct_chat) == 0  # your own messages are never unread

    as_alice.get(chat_url(direct_chat))
    assert unread(as_alice, direct_chat) == 0

    send(direct_chat, bob, "three")
    assert unread(as_alice, direct_chat) == 1


def test_reading_an_older_page_does_not_mark_the_chat_read(as_alice, direct_chat, bob):
    for i in range(3):
        send(direct_chat, bob, f"m{i}")

    as_alice.get(chat_url(direct_chat, limit=1, offset=1))

    assert unread(as_alice, direct_chat) == 3
    assert Membership.objects.get(thread=direct_chat, user__username="alice").last_read_at is None


@pytest.mark.parametrize("method", ["head", "options"])
def test_head_and_options_are_not_routes_so_they_read_nothing_and_mark_nothing(
    as_alice, direct_chat, bob, method
):
    # FastAPI answers only the methods a route declares; a HEAD run as a GET would have
    # marked the chat read.
    send(direct_chat, bob, "hello")

    for path in (chat_url(direct_chat), "/chats"):
        response = getattr(as_alice, method)(path)
        assert response.status_code == 405
        if method == "options":  # a HEAD answer has no body
            assert response.json() == {"detail": "Method Not Allowed"}

    assert unread(as_alice, direct_chat) == 1


def test_reading_again_writes_nothing(as_alice, direct_chat, alice, bob):
    send(direct_chat, bob, "hello")
    as_alice.get(chat_url(direct_chat))
    mark = Membership.objects.get(thread=direct_chat, user=alice).last_read_at

    with CaptureQueriesContext(connection) as queries:
        as_alice.get(chat_url(direct_chat))

    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE")]
    writes = [w for w in writes if "accounts_accesstoken" not in w]
    assert writes == []
    assert Membership.objects.get(thread=direct_chat, user=alice).last_read_at == mark


def test_the_read_mark_is_the_newest_message_read(as_alice, direct_chat, alice, bob):
    message = send(direct_chat, bob, "hello")
    as_alice.get(chat_url(direct_chat))
    membership = Membership.objects.get(thread=direct_chat, user=alice)
    assert membership.last_read_at == message.created_at
    assert membership.last_read_at < message.created_at + timedelta(seconds=1)
