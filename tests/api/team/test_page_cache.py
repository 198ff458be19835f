"""The latest-page cache of history reads: a re-read costs no page query, and every change
a page shows is on the very next read (``chats.selectors.thread_message_page``)."""

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from chatproject.actors import SYSTEM
from chatproject.api.team.rendered import RENDERED_LATEST_PAGES
from chatproject.versioned import VersionedCache
from chats import services as chat_services
from chats.selectors import LATEST_PAGES
from reactions import services as reaction_services
from tests.api.team.conftest import send, upload
from threads import services as thread_services
from threads.models import Thread


def url(thread) -> str:
    return f"/api/v1/chat/threads/{thread.id}/messages"


def page(client, thread, **params) -> list[dict]:
    response = client.get(url(thread), params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def talk(personal_thread, alice, bob):
    first = send(personal_thread, alice, "first")
    second = send(personal_thread, bob, "second")
    return personal_thread, first, second


def _edit(thread, first, second, alice, bob):
    chat_services.message_edit(message=second, actor=bob, text="second, edited")


def _remove(thread, first, second, alice, bob):
    chat_services.message_remove(message=second, actor=bob)


def _send(thread, first, second, alice, bob):
    send(thread, alice, "third")


def _send_file(thread, first, second, alice, bob):
    send(thread, alice, "", attachments=[upload(alice)])


def _like(thread, first, second, alice, bob):
    reaction_services.reaction_add(message=second, actor=alice, name=":thumbsup:")


def _moderator_remove(thread, first, second, alice, bob):
    chat_services.message_remove(message=first, actor=SYSTEM)


@pytest.mark.parametrize(
    "change",
    [_edit, _remove, _send, _send_file, _like, _moderator_remove],
    ids=lambda f: f.__name__,
)
def test_every_change_a_page_shows_is_on_the_next_read(as_alice, talk, alice, bob, change):
    thread, first, second = talk
    before = page(as_alice, thread)
    assert page(as_alice, thread) == before  # cached now
    change(thread, first, second, alice, bob)
    after = page(as_alice, thread)
    assert after != before
    LATEST_PAGES.clear()
    RENDERED_LATEST_PAGES.clear()
    assert page(as_alice, thread) == after  # exactly what a fresh read shows


def test_unliking_and_restoring_show_too(as_alice, talk, alice, bob):
    thread, _, second = talk
    reaction_services.reaction_add(message=second, actor=alice, name=":thumbsup:")
    assert page(as_alice, thread)[-1]["likes"] == [str(alice.id)]
    reaction_services.reaction_remove_by_name(message=second, actor=alice, name=":thumbsup:")
    assert page(as_alice, thread)[-1]["likes"] == []
    chat_services.message_remove(message=second, actor=bob)
    assert [m["content"] for m in page(as_alice, thread)] == ["first"]
    chat_services.message_restore(message=second, actor=SYSTEM)  # a moderator
    assert [m["content"] for m in page(as_alice, thread)] == ["first", "second"]


def test_read_marks_do_not_move_the_pages_version(
    as_alice, as_bob, talk, django_assert_num_queries
):
    thread, _, _ = talk
    as_alice.get("/api/v1/users/me")  # the token's first use records it
    page(as_alice, thread)  # alice's mark moves; the page is cached
    version = Thread.objects.get(pk=thread.pk).history_seq
    page(as_bob, thread)  # bob's mark moves: an event, but the page did not change
    assert Thread.objects.get(pk=thread.pk).history_seq == version
    with django_assert_num_queries(2):  # token, thread with the mark: no page query
        page(as_alice, thread)


def test_each_page_size_is_its_own_page(as_alice, talk):
    thread, _, _ = talk
    assert [m["content"] for m in page(as_alice, thread, limit=1)] == ["second"]
    assert [m["content"] for m in page(as_alice, thread, limit=2)] == ["first", "second"]
    assert [m["content"] for m in page(as_alice, thread, limit=1)] == ["second"]


def test_older_pages_and_searches_are_not_cached(as_alice, talk):
    thread, _, second = talk
    as_alice.get("/api/v1/users/me")
    for params in ({"before": second.id}, {"search": "first"}):
        page(as_alice, thread, **params)
        with CaptureQueriesContext(connection) as queries:
            page(as_alice, thread, **params)
        assert len(queries) >= 4  # token, thread, (anchor,) page, files: read again


def test_a_reader_who_may_no_longer_see_the_thread_gets_404_not_the_cached_page(
    as_bob, custom_thread, alice, bob
):
    send(custom_thread, alice, "secret")
    assert page(as_bob, custom_thread)  # bob is a member: the page is cached
    thread_services.membership_remove(thread=custom_thread, user=bob, actor=alice)
    assert as_bob.get(url(custom_thread)).status_code == 404


def test_file_links_follow_the_address_each_reader_asked_at(as_alice, talk, alice):
    thread, _, _ = talk
    send(thread, alice, "", attachments=[upload(alice)])

    with override_settings(ALLOWED_HOSTS=["testserver", "chat.example.org"]):
        here = page(as_alice, thread)[-1]["files"][0]["url"]
        there = as_alice.get(url(thread), HTTP_HOST="chat.example.org").json()
        again = page(as_alice, thread)[-1]["files"][0]["url"]

    assert here.startswith("http://testserver/api/v1/files/")
    assert there[-1]["files"][0]["url"] == here.replace("testserver", "chat.example.org")
    assert again == here


def test_the_latest_page_answers_with_the_headers_of_any_other_page(as_alice, talk):
    thread, first, _ = talk
    page(as_alice, thread)
    latest = as_alice.get(url(thread))  # from the cache
    older = as_alice.get(url(thread), {"after": first.id})

    assert latest["Content-Type"] == older["Content-Type"] == "application/json"
    assert sorted(latest.headers) == sorted(older.headers)


class TestVersionedCache:
    def cache(self, max_bytes=100):
        return VersionedCache(max_bytes=max_bytes, size=len)

    def test_a_value_serves_only_its_version(self):
        cache = self.cache()
        cache.put("k", 3, "abc")
        assert cache.get("k", 3) == "abc"
        assert cache.get("k", 4) is None
        assert cache.get("k", 2) is None

    def test_an_older_version_never_replaces_a_newer_one(self):
        cache = self.cache()
        cache.put("k", 5, "new")
        cache.put("k", 4, "old")
        assert cache.get("k", 5) == "new"
        cache.put("k", 6, "newer")
        assert cache.get("k", 6) == "newer"
        assert cache.bytes == len("newer")

    def test_it_holds_at_most_its_bytes_dropping_the_least_recently_used(self):
        cache = self.cache(max_bytes=10)
        cache.put("a", 1, "aaaa")
        cache.put("b", 1, "bbbb")
        assert cache.get("a", 1) == "aaaa"  # a is now the most recently used
        cache.put("c", 1, "cccc")
        assert cache.get("b", 1) is None
        assert cache.get("a", 1) == "aaaa" and cache.get("c", 1) == "cccc"
        assert cache.bytes == 8 and len(cache) == 2
        cache.put("d", 1, "x" * 11)  # bigger than the whole cache: not kept
        assert cache.get("d", 1) is None and cache.bytes == 8
