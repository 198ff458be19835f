"""The moderators' admin: pages load with bounded queries, and moderation goes through the
services (so it raises the same events as the APIs)."""

import uuid

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken, ApiKey
from chatproject.actors import SYSTEM
from chats import services as chat_services
from chats.models import Message
from pins import services as pin_services
from pins.models import Pin
from reactions import services as reaction_services
from tests import factories
from threads import admin as threads_admin
from threads import services as thread_services
from threads.models import Event, ExternalUser, Membership, Thread

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
    "chats_attachment",
    "threads_workspace",
    "threads_workspacemember",
    "threads_channel",
    "threads_responder",
    "threads_responderversion",
    "threads_ticket",
    "accounts_superidentity",
]


@pytest.fixture(autouse=True)
def fast_setup(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    # Dozens of users per test: a deliberately slow password hash would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    thread_services.membership_add(actor=SYSTEM, thread=session, user=guest)
    for i in range(rows):
        upload = SimpleUploadedFile(f"notes{i}.txt", b"minutes", content_type="text/plain")
        attachment = chat_services.attachment_create(uploaded_by=guest, file=upload)
        message = chat_services.message_send(
            thread=session, actor=guest, text=f"hello {i}", attachment_ids=[attachment.pk]
        )
        reaction_services.reaction_add(message=message, actor=host, name=":thumbsup:")
        pin_services.pin_add(message=message, actor=host)
        accounts.token_issue(user=guest)
        accounts.api_key_create(workspace=workspace, name=f"key {i}")
        version = factories.ResponderVersionFactory()
        thread_services.support_chat_create(
            workspace=workspace,
            actor=SYSTEM,
            owner=factories.ExternalUserFactory(),
            channel=factories.ChannelFactory(),
            responder=version.responder,
            responder_version=version,
            ticket=factories.TicketFactory(),
            title=f"Help {i}",
        )
        factories.UserFactory(workspace=factories.WorkspaceFactory())


def changelist_queries(client, name: str) -> int:
    url = reverse(f"admin:{name}_changelist")
    client.get(url)  # one-time work (caches, session) is not what is being measured
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, name
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_query_count_does_not_grow_with_rows(admin_client, workspace, name):
    populate(workspace, 3)
    few = changelist_queries(admin_client, name)
    populate(workspace, 20)
    many = changelist_queries(admin_client, name)
    assert many == few, f"{name}: {few} queries for few rows, {many} for many"


@pytest.mark.parametrize("name", CHANGELISTS)
def test_changelist_search_accepts_words_and_ids(admin_client, workspace, name):
    populate(workspace, 1)
    for q in ["hello", str(uuid.uuid4())]:
        response = admin_client.get(reverse(f"admin:{name}_changelist"), {"q": q})
        assert response.status_code == 200, (name, q)


def test_change_pages_load(admin_client, session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="hi")
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
    message = chat_services.message_send(thread=session_thread, actor=bob, text="spam")

    run_action(admin_client, "chats_message", "remove_messages", [message.pk])
    message.refresh_from_db()
    assert message.is_removed
    assert Event.objects.filter(thread=session_thread, type="message.removed").exists()

    run_action(admin_client, "chats_message", "restore_messages", [message.pk])
    message.refresh_from_db()
    assert not message.is_removed
    assert Event.objects.filter(thread=session_thread, type="message.restored").exists()


def test_moderators_see_removed_messages(admin_client, session_thread, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="gone soon")
    chat_services.message_remove(message=message, actor=bob)
    response = admin_client.get(reverse("admin:chats_message_changelist"), {"is_removed__exact": 1})
    assert "gone soon" in response.content.decode()


def test_pin_action_pins_once_and_reports_the_conflict(admin_client, session_thread, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="important")

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
        workspace=workspace, owner=factories.ExternalUserFactory(), title="Refund", actor=SYSTEM
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
    chat = thread_services.support_chat_create(
        workspace=workspace, owner=customer, title="Abuse", actor=SYSTEM
    )
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
    chat_services.message_send(thread=session_thread, actor=bob, text="the quarterly numbers")
    chat_services.message_send(thread=session_thread, actor=bob, text="lunch?")
    page = admin_client.get(reverse("admin:chats_message_changelist"), {"q": "quarterly"})
    body = page.content.decode()
    assert "the quarterly numbers" in body
    assert "lunch?" not in body


def test_messages_cannot_be_hard_deleted_or_rewritten(admin_client, session_thread, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="original")
    admin_client.post(
        reverse("admin:chats_message_change", args=[message.pk]), {"text": "rewritten"}
    )
    assert Message.objects.get(pk=message.pk).text == "original"
    response = admin_client.get(reverse("admin:chats_message_delete", args=[message.pk]))
    assert response.status_code == 403


def change_page_queries(client, url: str) -> int:
    client.get(url)  # one-time work (caches, session) is not what is being measured
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def test_thread_page_query_count_does_not_grow_with_members(admin_client, session_thread):
    url = reverse("admin:threads_thread_change", args=[session_thread.pk])
    few = change_page_queries(admin_client, url)
    for _ in range(15):
        thread_services.membership_add(
            actor=SYSTEM, thread=session_thread, user=factories.UserFactory()
        )
    assert change_page_queries(admin_client, url) == few


def test_message_page_query_count_does_not_grow_with_reactions(admin_client, session_thread, alice):
    message = chat_services.message_send(thread=session_thread, actor=alice, text="vote")
    url = reverse("admin:chats_message_change", args=[message.pk])
    few = change_page_queries(admin_client, url)
    for _ in range(15):
        user = factories.UserFactory()
        thread_services.membership_add(actor=SYSTEM, thread=session_thread, user=user)
        reaction_services.reaction_add(message=message, actor=user, name=":thumbsup:")
    assert change_page_queries(admin_client, url) == few


def test_big_thread_page_shows_first_members_and_links_to_all(
    admin_client, session_thread, monkeypatch
):
    monkeypatch.setattr(threads_admin, "INLINE_ROW_CAP", 3)
    for _ in range(4):
        thread_services.membership_add(
            actor=SYSTEM, thread=session_thread, user=factories.UserFactory()
        )
    url = reverse("admin:threads_thread_change", args=[session_thread.pk])
    body = admin_client.get(url).content.decode()
    assert 'name="memberships-TOTAL_FORMS" value="3"' in body
    members_url = reverse("admin:threads_membership_changelist")
    assert f'6 members — <a href="{members_url}?thread__id__exact={session_thread.pk}' in body
    listed = admin_client.get(members_url, {"thread__id__exact": session_thread.pk})
    assert listed.status_code == 200
    assert "6 memberships" in listed.content.decode()
    # Saving the page (its form carries only the first rows) leaves the others alone.
    management = {f"memberships-{k}": v for k, v in [("TOTAL_FORMS", "3"), ("INITIAL_FORMS", "3")]}
    response = admin_client.post(url, {"title": "Renamed", **management})
    assert response.status_code == 302
    assert Membership.objects.filter(thread=session_thread).count() == 6


def test_renaming_a_thread_goes_through_the_service_and_keeps_its_workspace(
    admin_client, session_thread
):
    other = factories.WorkspaceFactory()
    response = admin_client.post(
        reverse("admin:threads_thread_change", args=[session_thread.pk]),
        {
            "title": "All hands",
            "workspace": str(other.pk),
            "kind": Thread.Kind.DIRECT,
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "2",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "0",
        },
    )
    assert response.status_code == 302
    thread = Thread.objects.get(pk=session_thread.pk)
    assert thread.title == "All hands"
    assert thread.workspace_id != other.pk
    assert thread.kind == Thread.Kind.SESSION
    updated = Event.objects.filter(thread=thread, type="thread.updated").latest("id")
    assert updated.payload["thread"]["title"] == "All hands"
    assert Membership.objects.filter(thread=thread).count() == 2


def test_removing_a_member_goes_through_the_service(admin_client, session_thread, bob):
    membership = Membership.objects.get(thread=session_thread, user=bob)
    run_action(admin_client, "threads_membership", "remove_members", [membership.pk])
    assert not Membership.objects.filter(pk=membership.pk).exists()
    removed = Event.objects.get(thread=session_thread, type="member.removed")
    assert removed.payload["user"]["id"] == str(bob.pk)


def test_personal_thread_members_cannot_be_removed(admin_client, workspace, alice, bob):
    thread, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    membership = Membership.objects.get(thread=thread, user=bob)
    notes = run_action(admin_client, "threads_membership", "remove_members", [membership.pk])
    assert any("cannot change" in note for note in notes)
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_event_log_is_read_only(admin_client, session_thread):
    event = Event.objects.filter(thread=session_thread).first()
    assert admin_client.get(reverse("admin:threads_event_add")).status_code == 403
    assert (
        admin_client.get(reverse("admin:threads_event_delete", args=[event.pk])).status_code == 403
    )
    change = reverse("admin:threads_event_change", args=[event.pk])
    page = admin_client.get(change)
    assert page.status_code == 200
    assert "&quot;title&quot;: &quot;Town hall&quot;" in page.content.decode()  # the payload
    assert admin_client.post(change, {"type": "forged"}).status_code == 403
    assert Event.objects.get(pk=event.pk).type == event.type


def test_access_tokens_cannot_be_typed_in(admin_client):
    assert admin_client.get(reverse("admin:accounts_accesstoken_add")).status_code == 403


def test_api_key_hash_is_never_shown(admin_client, workspace):
    key, _ = accounts.api_key_create(workspace=workspace, name="CRM")
    for url in [
        reverse("admin:accounts_apikey_changelist"),
        reverse("admin:accounts_apikey_change", args=[key.pk]),
    ]:
        assert key.key_hash not in admin_client.get(url).content.decode()


def test_revoking_twice_revokes_once(admin_client, bob):
    token, _ = accounts.token_issue(user=bob)
    run_action(admin_client, "accounts_accesstoken", "revoke", [token.pk])
    first = AccessToken.objects.get(pk=token.pk).revoked_at
    notes = run_action(admin_client, "accounts_accesstoken", "revoke", [token.pk])
    assert "Revoked 0 token(s)." in notes
    assert AccessToken.objects.get(pk=token.pk).revoked_at == first


def test_reaction_removed_in_admin_raises_its_event(admin_client, session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, actor=alice, text="poll")
    reaction = reaction_services.reaction_add(message=message, actor=bob, name=":thumbsdown:")
    run_action(admin_client, "reactions_reaction", "remove_reactions", [reaction.pk])
    assert not message.reactions.exists()
    assert Event.objects.filter(thread=session_thread, type="reaction.removed").exists()


def test_user_created_in_admin_gets_a_display_name(admin_client):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "dana",
            "display_name": "Dana Scully",
            "email": "dana@example.com",
            "usable_password": "true",
            "password1": "trust-no-one-1013",
            "password2": "trust-no-one-1013",
            "workspace_memberships-TOTAL_FORMS": "0",
            "workspace_memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="dana")
    assert user.name == "Dana Scully"
    assert user.check_password("trust-no-one-1013")
    found = admin_client.get(reverse("admin:accounts_user_changelist"), {"q": str(user.pk)})
    assert "dana@example.com" in found.content.decode()
