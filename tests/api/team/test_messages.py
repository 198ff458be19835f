"""GET /api/v1/chat/threads/{id}/messages: shape, keyset paging at page edges, search on
both databases, reading marks the thread read, query counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatproject.api.team.rendered import RENDERED_LATEST_PAGES
from chats import services as chat_services
from chats.models import Message
from chats.selectors import LATEST_PAGES, message_search_q
from reactions import services as reaction_services
from tests.api.team.conftest import (
    TeamClient,
    assert_error,
    event_types_since,
    last_event_id,
    send,
    upload,
)
from threads.models import Event, Membership


def url(thread) -> str:
    return f"/api/v1/chat/threads/{thread.id}/messages"


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [m["_id"] for m in response.json()]


def as_ids(messages) -> list[str]:
    return [str(m.id) for m in messages]


@pytest.fixture
def seven(personal_thread, alice, bob):
    """Seven messages m0..m6, alternating authors."""
    return [send(personal_thread, (alice, bob)[i % 2], f"m{i}") for i in range(7)]


def test_message_has_exactly_the_seed_fields(
    as_alice, personal_thread, alice, bob, carol, custom_thread
):
    question = send(personal_thread, alice, "question")
    file = upload(bob, name="diagram.png")
    answer = send(personal_thread, bob, "answer", reply_to=question, attachments=[file])
    reaction_services.reaction_add(message=answer, actor=alice, name=":thumbsup:")
    reaction_services.reaction_add(message=answer, actor=bob, name=":thumbs_down:")
    reaction_services.reaction_add(message=answer, actor=alice, name=":tada:")

    response = as_alice.get(url(personal_thread))

    assert response.status_code == 200
    first, second = response.json()
    assert second == {
        "_id": str(answer.id),
        "thread": str(personal_thread.id),
        "from": str(bob.id),
        "content": "answer",
        "files": [
            {
                "_id": str(file.id),
                "name": "diagram.png",
                "size": file.size,
                "type": "image/png",
                "url": f"http://testserver/api/v1/files/{file.id}",
            }
        ],
        "likes": [str(alice.id)],
        "dislikes": [str(bob.id)],
        "replyTo": str(question.id),
        "createdAt": second["createdAt"],
    }
    assert isinstance(second["createdAt"], int)
    assert second["createdAt"] >= first["createdAt"]
    assert first["replyTo"] is None and first["files"] == [] and first["likes"] == []


def test_latest_page_is_the_last_limit_messages_oldest_first(as_alice, personal_thread, seven):
    assert ids(as_alice.get(url(personal_thread), {"limit": 3})) == as_ids(seven[4:])


def test_default_limit_is_50(as_alice, personal_thread, alice):
    messages = [send(personal_thread, alice, f"n{i}") for i in range(52)]
    assert ids(as_alice.get(url(personal_thread))) == as_ids(messages[2:])


def test_before_walks_back_to_the_first_page(as_alice, personal_thread, seven):
    page = ids(as_alice.get(url(personal_thread), {"limit": 3, "before": seven[4].id}))
    assert page == as_ids(seven[1:4])
    first_page = ids(as_alice.get(url(personal_thread), {"limit": 3, "before": seven[1].id}))
    assert first_page == as_ids(seven[:1])
    assert ids(as_alice.get(url(personal_thread), {"limit": 3, "before": seven[0].id})) == []


def test_after_walks_forward_to_the_last_page(as_alice, personal_thread, seven):
    page = ids(as_alice.get(url(personal_thread), {"limit": 3, "after": seven[0].id}))
    assert page == as_ids(seven[1:4])
    last_page = ids(as_alice.get(url(personal_thread), {"limit": 3, "after": seven[3].id}))
    assert last_page == as_ids(seven[4:])
    assert ids(as_alice.get(url(personal_thread), {"limit": 3, "after": seven[6].id})) == []


def test_exactly_limit_pages_neither_skip_nor_repeat(as_alice, personal_thread, seven):
    six = seven[1:]
    back = ids(as_alice.get(url(personal_thread), {"limit": 3, "before": six[3].id}))
    assert back == as_ids(six[:3])
    assert ids(as_alice.get(url(personal_thread), {"limit": 3, "before": seven[1].id})) == [
        str(seven[0].id)
    ]
    forward = ids(as_alice.get(url(personal_thread), {"limit": 3, "after": six[2].id}))
    assert forward == as_ids(six[3:])


def test_after_and_before_together_bound_a_window(as_alice, personal_thread, seven):
    params = {"after": seven[1].id, "before": seven[5].id, "limit": 10}
    assert ids(as_alice.get(url(personal_thread), params)) == as_ids(seven[2:5])


def test_messages_sent_in_the_same_instant_page_by_id(as_alice, personal_thread, alice):
    messages = [send(personal_thread, alice, f"t{i}") for i in range(5)]
    # Simulates five sends within one clock tick: the order then falls back to the id.
    Message.objects.filter(thread=personal_thread).update(created_at=messages[0].created_at)
    in_order = sorted(messages, key=lambda m: m.id)

    latest = ids(as_alice.get(url(personal_thread), {"limit": 2}))
    earlier = ids(as_alice.get(url(personal_thread), {"limit": 2, "before": latest[0]}))
    earliest = ids(as_alice.get(url(personal_thread), {"limit": 2, "before": earlier[0]}))

    assert earliest + earlier + latest == as_ids(in_order)
    forward = ids(as_alice.get(url(personal_thread), {"limit": 3, "after": in_order[0].id}))
    assert forward == as_ids(in_order[1:4])


def test_removed_messages_are_hidden_but_still_anchor_a_page(as_alice, personal_thread, seven):
    chat_services.message_remove(message=seven[3], actor=seven[3].author)
    assert str(seven[3].id) not in ids(as_alice.get(url(personal_thread)))
    after_removed = ids(as_alice.get(url(personal_thread), {"limit": 2, "after": seven[3].id}))
    assert after_removed == as_ids(seven[4:6])


@pytest.mark.parametrize("field", ["after", "before"])
def test_anchor_from_another_thread_is_a_400(as_bob, personal_thread, custom_thread, bob, field):
    foreign = send(custom_thread, bob, "elsewhere")
    response = as_bob.get(url(personal_thread), {field: foreign.id})
    assert_error(response, 400, field=field)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"after": "nope"}, "after"),
        ({"before": "123"}, "before"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"search": "x" * 201}, "search"),
        ({"after": "00000000-0000-0000-0000-000000000000"}, "after"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(as_alice, personal_thread, params, field):
    assert_error(as_alice.get(url(personal_thread), params), 400, field=field)


def test_non_member_gets_a_404(as_carol, personal_thread, alice):
    send(personal_thread, alice, "secret")
    assert_error(as_carol.get(url(personal_thread)), 404)


def test_session_thread_is_a_404_here(as_bob, session_thread):
    assert_error(as_bob.get(url(session_thread)), 404)


def test_missing_or_bad_token_is_a_401(client_for, personal_thread):
    assert_error(TeamClient().get(url(personal_thread)), 401)
    assert_error(TeamClient("bogus").get(url(personal_thread)), 401)


# --- search -------------------------------------------------------------------------------


def test_search_is_case_insensitive_and_paged(as_alice, personal_thread, alice, bob):
    hits = [
        send(personal_thread, alice, "Deploy at noon"),
        send(personal_thread, bob, "who will DEPLOY?"),
        send(personal_thread, alice, "redeploying now"),
    ]
    send(personal_thread, bob, "lunch")
    send(personal_thread, alice, "dep loy")

    assert ids(as_alice.get(url(personal_thread), {"search": "dEpLoY"})) == as_ids(hits)
    latest_two = ids(as_alice.get(url(personal_thread), {"search": "deploy", "limit": 2}))
    assert latest_two == as_ids(hits[1:])
    before = ids(as_alice.get(url(personal_thread), {"search": "deploy", "before": hits[1].id}))
    assert before == as_ids(hits[:1])


def test_search_folds_case_beyond_ascii(as_alice, personal_thread, alice, bob):
    hit = send(personal_thread, alice, "Größere Änderung morgen")
    send(personal_thread, bob, "nothing here")
    assert ids(as_alice.get(url(personal_thread), {"search": "äNDERUNG"})) == [str(hit.id)]
    assert ids(as_alice.get(url(personal_thread), {"search": "GRÖSS"})) == []  # no ß expansion
    assert ids(as_alice.get(url(personal_thread), {"search": "GRÖßERE"})) == [str(hit.id)]


def test_search_treats_wildcards_and_regex_characters_literally(as_alice, personal_thread, alice):
    literal = send(personal_thread, alice, "100% done (really?) a_b")
    send(personal_thread, alice, "1000 done")
    assert ids(as_alice.get(url(personal_thread), {"search": "100%"})) == [str(literal.id)]
    assert ids(as_alice.get(url(personal_thread), {"search": "(really?)"})) == [str(literal.id)]
    assert ids(as_alice.get(url(personal_thread), {"search": "a_b"})) == [str(literal.id)]


def test_search_stays_inside_the_thread(as_alice, personal_thread, custom_thread, alice):
    send(custom_thread, alice, "needle elsewhere")
    mine = send(personal_thread, alice, "needle here")
    assert ids(as_alice.get(url(personal_thread), {"search": "needle"})) == [str(mine.id)]


def test_search_is_served_by_the_trigram_index_on_postgresql(db, on_postgres):
    if not on_postgres:
        # SQLite has no trigram index; the same test file checks its answers above.
        assert connection.vendor == "sqlite"
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = Message.objects.filter(message_search_q("needle")).explain()
    assert "msg_text_upper_trgm" in plan


# --- reading marks the thread read --------------------------------------------------------


def test_reading_the_latest_page_marks_its_newest_message_read(
    as_alice, personal_thread, alice, bob
):
    send(personal_thread, bob, "old news")
    news = send(personal_thread, bob, "news")
    since = last_event_id()

    as_alice.get(url(personal_thread), {"limit": 1})

    membership = Membership.objects.get(thread=personal_thread, user=alice)
    assert membership.last_read_at == news.created_at  # the message read, not the clock
    assert event_types_since(since) == ["read.updated"]


def test_rereading_an_already_read_page_writes_no_row_and_no_event(
    as_alice, personal_thread, alice, bob
):
    send(personal_thread, bob, "news")
    as_alice.get(url(personal_thread))
    mark = Membership.objects.get(thread=personal_thread, user=alice).last_read_at
    events_before = Event.objects.count()

    with CaptureQueriesContext(connection) as queries:
        response = as_alice.get(url(personal_thread))

    assert response.status_code == 200
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().split()[0].upper() not in {"SELECT"}
    ]
    assert writes == []  # no INSERT/UPDATE, no savepoint, no lock
    assert Event.objects.count() == events_before
    assert Membership.objects.get(thread=personal_thread, user=alice).last_read_at == mark


def test_a_message_arriving_after_the_read_moves_the_mark_on_the_next_read(
    as_alice, personal_thread, alice, bob
):
    send(personal_thread, bob, "one")
    as_alice.get(url(personal_thread))
    two = send(personal_thread, bob, "two")
    since = last_event_id()

    as_alice.get(url(personal_thread))

    assert Membership.objects.get(thread=personal_thread, user=alice).last_read_at == (
        two.created_at
    )
    assert event_types_since(since) == ["read.updated"]


def test_a_head_of_the_latest_page_answers_like_a_get_and_marks_nothing(
    as_alice, personal_thread, alice, bob
):
    send(personal_thread, bob, "news")
    since = last_event_id()

    head = as_alice.head(url(personal_thread))

    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == "application/json"
    assert Membership.objects.get(thread=personal_thread, user=alice).last_read_at is None
    assert event_types_since(since) == []
    # The GET it stands for still marks the thread read.
    as_alice.get(url(personal_thread))
    assert Membership.objects.get(thread=personal_thread, user=alice).last_read_at is not None


def test_reading_an_empty_thread_leaves_no_mark(as_alice, personal_thread, alice):
    since = last_event_id()

    assert as_alice.get(url(personal_thread)).json() == []

    assert Membership.objects.get(thread=personal_thread, user=alice).last_read_at is None
    assert event_types_since(since) == []


@pytest.mark.parametrize("param", ["after", "before", "search"])
def test_reading_older_pages_or_searching_does_not_mark_read(
    as_alice, personal_thread, alice, seven, param
):
    value = "m" if param == "search" else seven[3].id
    since = last_event_id()

    assert as_alice.get(url(personal_thread), {param: value}).status_code == 200

    assert Membership.objects.get(thread=personal_thread, user=alice).last_read_at is None
    assert event_types_since(since) == []


# --- query counts --------------------------------------------------------------------------


def test_page_is_rendered_exactly_as_the_documented_serializer_renders_it(
    as_alice, personal_thread, alice, bob
):
    """The page is written with plain dicts for speed; ``ChatMessage`` documents it."""
    from rest_framework.renderers import JSONRenderer

    from chatproject.api.team.serializers import ChatMessage
    from chats.selectors import with_files_and_thumbs

    question = send(personal_thread, alice, "question")
    files = [
        upload(bob, name="a.png"),
        upload(bob, name="b.txt", content=b"x", content_type="text/plain"),
    ]
    answer = send(personal_thread, bob, "answer ü", reply_to=question, attachments=files)
    reaction_services.reaction_add(message=answer, actor=alice, name=":thumbsup:")
    reaction_services.reaction_add(message=answer, actor=bob, name=":thumbsup:")
    reaction_services.reaction_add(message=question, actor=bob, name=":thumbsdown:")
    Message.objects.create(thread=personal_thread, author=None, text="no author")  # seeded

    response = as_alice.get(url(personal_thread))

    messages = with_files_and_thumbs(
        Message.objects.filter(thread=personal_thread).order_by("created_at", "id")
    )
    documented = ChatMessage(messages, many=True, context={"request": response.wsgi_request})
    assert len(documented.data) == 3
    assert response.content == JSONRenderer().render(documented.data)  # byte for byte


@pytest.fixture
def busy_thread(personal_thread, alice, bob):
    """60 messages, each with a file and a like, so prefetches have work at any page size."""
    for i in range(60):
        message = send(personal_thread, bob, f"b{i}", attachments=[upload(bob)])
        reaction_services.reaction_add(message=message, actor=alice, name=":thumbsup:")
    return personal_thread


def _warm(client):
    client.get("/api/v1/users/me")  # the token's first use records it (one UPDATE)


@pytest.mark.parametrize("limit", [2, 50])
def test_older_pages_take_the_same_queries_at_any_limit(
    as_alice, busy_thread, limit, django_assert_num_queries
):
    anchor = Message.objects.filter(thread=busy_thread).latest("created_at")
    _warm(as_alice)
    # token, thread (with the read mark), anchor, page, files, reactions
    with django_assert_num_queries(6):
        response = as_alice.get(url(busy_thread), {"limit": limit, "before": anchor.id})
    assert len(response.json()) == limit


@pytest.mark.parametrize("limit", [2, 50])
def test_latest_page_takes_the_same_queries_at_any_limit(
    as_alice, busy_thread, limit, django_assert_num_queries
):
    _warm(as_alice)
    as_alice.get(url(busy_thread), {"limit": limit})  # the first read moves the mark
    LATEST_PAGES.clear()
    RENDERED_LATEST_PAGES.clear()
    # token, thread with the read mark, page, files, reactions (the mark is unchanged:
    # nothing more)
    with django_assert_num_queries(5):
        response = as_alice.get(url(busy_thread), {"limit": limit})
    assert len(response.json()) == limit
    assert all(m["likes"] and m["files"] for m in response.json())
    # Nothing changed since: the page comes from the cache, after the token and the thread.
    with django_assert_num_queries(2):
        again = as_alice.get(url(busy_thread), {"limit": limit})
    assert again.json() == response.json()


@pytest.mark.parametrize("limit", [2, 50])
def test_latest_page_that_moves_the_mark_takes_the_same_queries_at_any_limit(
    as_alice, busy_thread, limit, django_assert_num_queries
):
    _warm(as_alice)
    # token, thread with the read mark, page, files, reactions; then the move: savepoint,
    # thread lock, conditional UPDATE, membership, event seq UPDATE ... RETURNING (which on
    # PostgreSQL also takes the in-flight mark), event INSERT, release
    with django_assert_num_queries(12):
        response = as_alice.get(url(busy_thread), {"limit": limit})
    assert len(response.json()) == limit


def test_page_times_are_milliseconds(as_alice, personal_thread, alice):
    message = send(personal_thread, alice, "tick")
    [item] = as_alice.get(url(personal_thread)).json()
    expected = (message.created_at - message.created_at.replace(microsecond=0)) // timedelta(
        milliseconds=1
    )
    assert item["createdAt"] % 1000 == expected
    assert item["createdAt"] // 1000 == int(message.created_at.timestamp())
