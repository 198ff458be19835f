"""``Idempotency-Key`` on every REST message send: a retried send never posts twice.

The same key from the same caller within 24 h answers with the first answer and stores
nothing new; the same key with another request is a 409 in the surface's own format.
Concurrent duplicates run in real threads on the real database (``transaction=True``).
"""

import datetime
import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from chatproject.accounts.services import token_issue
from chatproject.actors import SYSTEM
from chats.models import Message, SendKey
from tests import factories
from threads import services as thread_services

pytestmark = pytest.mark.django_db(transaction=True)

TEAM_SEND = "/api/v1/chat/messages"
SESSION_SEND = "/v1/chats"


def client(token: str) -> APIClient:
    c = APIClient()
    c.default_format = "json"
    c.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return c


@pytest.fixture
def session_as(session_thread):
    return lambda user: client(token_issue(user=user, thread=session_thread)[1])


@pytest.fixture
def team_as(db):
    return lambda user: client(factories.user_token(user))


def send_session(c, text, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return c.post(SESSION_SEND, {"message": text}, headers=headers)


def send_team(c, body, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return c.post(TEAM_SEND, body, headers=headers)


def test_session_retry_with_the_same_key_returns_the_first_answer(session_as, bob):
    c = session_as(bob)
    first = send_session(c, "hello", key="k-1")
    again = send_session(c, "hello", key="k-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert Message.objects.filter(text="hello").count() == 1


def test_session_same_key_other_body_is_a_409_problem_and_sends_nothing(session_as, bob):
    c = session_as(bob)
    send_session(c, "hello", key="k-1")
    conflict = send_session(c, "goodbye", key="k-1")

    assert conflict.status_code == 409
    assert conflict["Content-Type"] == "application/problem+json"
    assert conflict.json()["status"] == 409
    assert not Message.objects.filter(text="goodbye").exists()


def test_team_retry_to_a_thread_returns_the_first_answer(team_as, alice, custom_thread):
    c = team_as(alice)
    body = {"thread": str(custom_thread.pk), "content": "ship it"}
    first = send_team(c, body, key="abc")
    again = send_team(c, body, key="abc")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert Message.objects.filter(text="ship it").count() == 1


def test_team_retry_after_losing_the_thread_is_a_404(team_as, alice, custom_thread):
    """A replay answers without sending; it still answers only to who may see the thread."""
    c = team_as(alice)
    body = {"thread": str(custom_thread.pk), "content": "ship it"}
    assert send_team(c, body, key="abc").status_code == 200
    thread_services.membership_remove(thread=custom_thread, user=alice, actor=SYSTEM)

    again = send_team(c, body, key="abc")

    assert again.status_code == 404
    assert again.json()["error"]["code"] == "not_found"
    assert "Idempotent-Replayed" not in again


def test_team_retry_of_a_first_personal_message_keeps_the_created_thread(team_as, alice, bob):
    c = team_as(alice)
    body = {"to": str(bob.pk), "content": "hi Bob"}
    first = send_team(c, body, key="dm-1")
    again = send_team(c, body, key="dm-1")

    assert first.status_code == again.status_code == 200
    assert "thread" in first.json()
    assert again.json() == first.json()
    assert Message.objects.filter(text="hi Bob").count() == 1


def test_team_same_key_other_body_is_a_409_in_the_team_format(team_as, alice, custom_thread):
    c = team_as(alice)
    send_team(c, {"thread": str(custom_thread.pk), "content": "one"}, key="abc")
    conflict = send_team(c, {"thread": str(custom_thread.pk), "content": "two"}, key="abc")

    assert conflict.status_code == 409
    assert conflict.json() == {
        "error": {
            "code": "conflict",
            "message": "This Idempotency-Key was used for a different request.",
            "field": "Idempotency-Key",
        }
    }
    assert not Message.objects.filter(text="two").exists()


def test_keys_belong_to_their_caller(team_as, alice, bob, custom_thread):
    body = {"thread": str(custom_thread.pk), "content": "same words"}
    assert send_team(team_as(alice), body, key="shared").status_code == 200
    assert send_team(team_as(bob), body, key="shared").status_code == 200
    assert Message.objects.filter(text="same words").count() == 2


def test_without_a_key_every_send_posts(team_as, alice, custom_thread):
    c = team_as(alice)
    body = {"thread": str(custom_thread.pk), "content": "again"}
    send_team(c, body)
    send_team(c, body)
    assert Message.objects.filter(text="again").count() == 2


def test_a_key_older_than_24_hours_is_forgotten(team_as, alice, custom_thread):
    c = team_as(alice)
    body = {"thread": str(custom_thread.pk), "content": "daily"}
    send_team(c, body, key="day")
    SendKey.objects.update(
        created_at=SendKey.objects.get().created_at - datetime.timedelta(hours=24, seconds=1)
    )
    again = send_team(c, body, key="day")

    assert again.status_code == 200 and "Idempotent-Replayed" not in again
    assert Message.objects.filter(text="daily").count() == 2
    assert SendKey.objects.count() == 1


def test_clearsendkeys_forgets_only_expired_keys(team_as, alice, custom_thread):
    c = team_as(alice)
    send_team(c, {"thread": str(custom_thread.pk), "content": "old"}, key="old")
    SendKey.objects.update(created_at=SendKey.objects.get().created_at - datetime.timedelta(days=2))
    send_team(c, {"thread": str(custom_thread.pk), "content": "new"}, key="new")
    out = io.StringIO()

    call_command("clearsendkeys", stdout=out)

    assert list(SendKey.objects.values_list("key", flat=True)) == ["new"]
    assert "Deleted 1 " in out.getvalue()
    retry = send_team(c, {"thread": str(custom_thread.pk), "content": "new"}, key="new")
    assert retry["Idempotent-Replayed"] == "true"


def test_a_refused_send_remembers_nothing_so_the_fixed_retry_posts(team_as, alice, custom_thread):
    c = team_as(alice)
    refused = send_team(c, {"thread": str(custom_thread.pk), "content": "x" * 10_001}, key="k")
    fixed = send_team(c, {"thread": str(custom_thread.pk), "content": "short"}, key="k")

    assert refused.status_code == 400
    assert fixed.status_code == 200
    assert Message.objects.filter(text="short").count() == 1


@pytest.mark.parametrize("key", ["", "   ", "x" * 256, "clé"])
def test_a_malformed_key_is_a_400_that_changes_nothing(team_as, alice, custom_thread, key):
    before = Message.objects.count()
    response = send_team(
        team_as(alice), {"thread": str(custom_thread.pk), "content": "hi"}, key=key
    )

    assert response.status_code == 400
    assert response.json()["error"]["field"] == "Idempotency-Key"
    assert Message.objects.count() == before
    assert not SendKey.objects.exists()


def race(call, n: int) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = call()
        except Exception as error:  # an error is a finding the assertions report
            results[i] = error
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not any(w.is_alive() for w in workers), "a sender is stuck"
    return results


def test_twenty_concurrent_duplicate_team_sends_make_one_row_and_twenty_same_answers(
    alice, custom_thread
):
    token = factories.user_token(alice)
    body = {"thread": str(custom_thread.pk), "content": "once"}
    results = race(lambda: send_team(client(token), body, key="burst"), 20)

    assert [getattr(r, "status_code", r) for r in results] == [200] * 20
    assert len({r.content for r in results}) == 1
    assert Message.objects.filter(text="once").count() == 1
    assert sum(1 for r in results if "Idempotent-Replayed" not in r) == 1


def test_twenty_concurrent_duplicate_session_sends_make_one_row_and_twenty_same_answers(
    session_thread, bob
):
    token = token_issue(user=bob, thread=session_thread)[1]
    results = race(lambda: send_session(client(token), "once", key="burst"), 20)

    assert [getattr(r, "status_code", r) for r in results] == [200] * 20
    assert len({r.content for r in results}) == 1
    assert Message.objects.filter(text="once").count() == 1


# --- Support API: an API key speaks for its workspace ------------------------------------


@pytest.fixture
def support_chat(workspace):
    from chatproject.actors import SYSTEM
    from threads import services as thread_services

    owner = factories.ExternalUserFactory(workspace=workspace)
    return thread_services.support_chat_create(workspace=workspace, owner=owner, actor=SYSTEM)


def support_client(workspace) -> APIClient:
    from chatproject.accounts import services as accounts

    c = APIClient()
    c.default_format = "json"
    c.credentials(HTTP_AUTHORIZATION=accounts.api_key_create(workspace=workspace, name="t")[1])
    return c


def send_support(c, chat, text, key=None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return c.post(
        f"/api/v1/chats/{chat.pk}/messages",
        {"role": "assistant", "content": text},
        headers=headers,
    )


def test_support_retry_returns_the_first_201_even_with_another_key_of_the_workspace(
    workspace, support_chat
):
    first = send_support(support_client(workspace), support_chat, "on it", key="s-1")
    again = send_support(support_client(workspace), support_chat, "on it", key="s-1")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Message.objects.filter(text="on it").count() == 1


def test_support_same_key_other_body_is_a_409_in_the_support_format(workspace, support_chat):
    c = support_client(workspace)
    send_support(c, support_chat, "on it", key="s-1")
    conflict = send_support(c, support_chat, "something else", key="s-1")

    assert conflict.status_code == 409
    assert conflict.json() == {
        "code": "conflict",
        "message": "This Idempotency-Key was used for a different request.",
        "parameter": "Idempotency-Key",
    }
    assert not Message.objects.filter(text="something else").exists()


def test_twenty_concurrent_duplicate_support_sends_make_one_row(workspace, support_chat):
    c = support_client(workspace)
    token = c._credentials["HTTP_AUTHORIZATION"]

    def one():
        racer = APIClient()
        racer.credentials(HTTP_AUTHORIZATION=token)
        return racer.post(
            f"/api/v1/chats/{support_chat.pk}/messages",
            {"role": "assistant", "content": "once"},
            format="json",
            headers={"Idempotency-Key": "burst"},
        )

    results = race(one, 20)

    assert [getattr(r, "status_code", r) for r in results] == [201] * 20
    assert len({r.content for r in results}) == 1
    assert Message.objects.filter(text="once").count() == 1
