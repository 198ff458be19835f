"""The moderators' admin: pages load with bounded queries, and moderation goes through the
services (so it raises the same events as the APIs)."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken, ApiKey
from chats import services as chat_services
from chats.models import Message
from pins import services as pin_services
from pins.models import Pin
from reactions import services as reaction_services
from tests import factories
from threads import services as thread_services
from threads.models import Event, ExternalUser

CHANGELISTS = [
    "accounts_user",
    "accounts_accesstoken",
    "accounts_apikey",
    "threads_thread",
    "threads_membership",
    "threads_externaluser",
    "threads_event",
    "chats_message",
    "reactions_reaction",
    "pins_pin",
]


@pytest.fixture
def moderator(make_user):
    return make_user(username="mod", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, moderator):
    client.force_login(moderator)
    return client


def populate(workspace, rows: int) -> None:
    """``rows`` of every kind the changelists show, through the services."""
    host = factories.UserFactory()
    guest = factories.UserFactory()
    session = thread_services.session_create(workspace=workspace, host=host, title="Webinar")
    thread_services.membership_add(thread=session, user=guest)
    customer = factories.ExternalUserFactory()
    thread_services.support_chat_create(workspace=workspace, owner=customer, title="Help")
    for i in range(rows):
        message = chat_services.message_send(thread=session, author=guest, text=f"hello {i}")
        reaction_services.reaction_add(message=message, user=host, name=":thumbsup:")
        pin_services.pin_add(message=message, actor=host)
        accounts.token_issue(user=guest)
        accounts.api_key_create(workspace=workspace, name=f"key {i}")
        factories.ExternalUserFactory()


def changelist_queries(client, name: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200, name
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, workspace, name):
    populate(workspace, 3)
    few = changelist_queries(admin_client, name)
    populate(workspace, 20)
    many = changelist_queries(admin_client, name)
    assert many == few, f"{name}: {few} queries for few rows, {many} for many"


def test_change_pages_load(admin_client, session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, author=bob, text="hi")
    for url in [
        reverse("admin:threads_thread_change", args=[session_thread.pk]),
        reverse("admin:chats_message_change", args=[message.pk]),
        reverse("admin:accounts_user_change", args=[alice.pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url


def run_action(client, model: str, action: str, pks) -> list[str]:
    response = client.post(
        reverse(f"admin:{model}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
        follow=True,
    )
    assert response.status_code == 200
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_remove_and_restore_messages_raise_events(admin_client, session_thread, bob):
    message = chat_services.message_send(thread=session_thread, author=bob, text="spam")

    run_action(admin_client, "chats_message", "remove_messages", [message.pk])
    message.refresh_from_db()
    assert message.is_removed
    assert Event.objects.filter(thread=session_thread, type="message.removed").exists()

    run_action(admin_client, "chats_message", "restore_messages", [message.pk])
    message.refresh_from_db()
    assert not message.is_removed
    assert Event.objects.filter(thread=session_thread, type="message.restored").exists()


def test_moderators_see_removed_messages(admin_client, session_thread, bob):
    message = chat_services.message_send(thread=session_thread, author=bob, text="gone soon")
    chat_services.message_remove(message=message, actor=bob)
    response = admin_client.get(reverse("admin:chats_message_changelist"), {"is_removed__exact": 1})
    assert "gone soon" in response.content.decode()


def test_pin_action_pins_once_and_reports_the_conflict(admin_client, session_thread, bob):
    message = chat_services.message_send(thread=session_thread, author=bob, text="important")

    run_action(admin_client, "chats_message", "pin_messages", [message.pk])
    assert Pin.objects.filter(message=message).count() == 1
    assert Event.objects.filter(thread=session_thread, type="pin.added").count() == 1

    notes = run_action(admin_client, "chats_message", "pin_messages", [message.pk])
    assert any("already pinned" in note for note in notes)
    assert Pin.objects.filter(message=message).count() == 1

    run_action(admin_client, "chats_message", "unpin_messages", [message.pk])
    assert not Pin.objects.filter(message=message).exists()
    assert Event.objects.filter(thread=session_thread, type="pin.removed").exists()


def test_remove_and_restore_chats(admin_client, workspace):
    chat = thread_services.support_chat_create(
        workspace=workspace, owner=factories.ExternalUserFactory(), title="Refund"
    )
    run_action(admin_client, "threads_thread", "remove_chats", [chat.pk])
    chat.refresh_from_db()
    assert chat.is_removed
    assert Event.objects.filter(thread=chat, type="thread.removed").exists()

    run_action(admin_client, "threads_thread", "restore_chats", [chat.pk])
    chat.refresh_from_db()
    assert not chat.is_removed


def test_block_owner_marks_the_customer_and_announces_their_chats(admin_client, workspace):
    customer = factories.ExternalUserFactory()
    chat = thread_services.support_chat_create(workspace=workspace, owner=customer, title="Abuse")
    run_action(admin_client, "threads_externaluser", "block", [customer.pk])
    customer.refresh_from_db()
    assert customer.is_blocked
    updated = Event.objects.filter(thread=chat, type="thread.updated").latest("id")
    assert updated.payload["thread"]["support"]["owner_blocked"] is True

    run_action(admin_client, "threads_externaluser", "unblock", [customer.pk])
    assert not ExternalUser.objects.get(pk=customer.pk).is_blocked


def test_revoke_token_stops_it_authenticating(admin_client, bob):
    token, raw = accounts.token_issue(user=bob)
    run_action(admin_client, "accounts_accesstoken", "revoke", [token.pk])
    assert AccessToken.objects.get(pk=token.pk).revoked_at is not None
    assert accounts.token_authenticate(raw, kind="user") is None


def test_revoke_api_key_stops_it_authenticating(admin_client, workspace):
    key, raw = accounts.api_key_create(workspace=workspace)
    run_action(admin_client, "accounts_apikey", "revoke", [key.pk])
    assert accounts.api_key_authenticate(raw) is None


def test_api_key_created_in_admin_is_shown_once_and_stored_hashed(admin_client, workspace):
    response = admin_client.post(
        reverse("admin:accounts_apikey_add"),
        {"workspace": str(workspace.pk), "name": "Zapier"},
        follow=True,
    )
    assert response.status_code == 200
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    shown = [n.rsplit(" ", 1)[-1] for n in notes if "shown once" in n]
    assert len(shown) == 1
    raw = shown[0]
    key = ApiKey.objects.get(name="Zapier")
    assert raw not in (key.key_hash, key.prefix)
    assert accounts.api_key_authenticate(raw).pk == key.pk
    # The key's own page never shows the secret again.
    page = admin_client.get(reverse("admin:accounts_apikey_change", args=[key.pk]))
    assert raw not in page.content.decode()


def test_message_search(admin_client, session_thread, bob):
    chat_services.message_send(thread=session_thread, author=bob, text="the quarterly numbers")
    chat_services.message_send(thread=session_thread, author=bob, text="lunch?")
    page = admin_client.get(reverse("admin:chats_message_changelist"), {"q": "quarterly"})
    body = page.content.decode()
    assert "the quarterly numbers" in body
    assert "lunch?" not in body


def test_messages_cannot_be_hard_deleted_or_rewritten(admin_client, session_thread, bob):
    message = chat_services.message_send(thread=session_thread, author=bob, text="original")
    admin_client.post(
        reverse("admin:chats_message_change", args=[message.pk]), {"text": "rewritten"}
    )
    assert Message.objects.get(pk=message.pk).text == "original"
    response = admin_client.get(reverse("admin:chats_message_delete", args=[message.pk]))
    assert response.status_code == 403
