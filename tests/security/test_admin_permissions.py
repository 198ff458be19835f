"""Issue 12, item 8: admin actions need their permission; users and workspaces with chat
history are never hard-deleted."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken
from chats import services as chat_services
from chats.models import Message
from tests import factories
from threads.models import Workspace

pytestmark = pytest.mark.django_db

MODERATORS = "Moderators"


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def viewer(make_user):
    """Staff with every *view* permission and nothing else."""
    user = make_user(username="viewer", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    return user


@pytest.fixture
def moderator(make_user):
    user = make_user(username="moderator", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS))
    return user


@pytest.fixture
def message(session_thread, bob):
    return chat_services.message_send(thread=session_thread, actor=bob, text="spam")


def run_action(client, changelist: str, action: str, pks):
    return client.post(
        reverse(f"admin:{changelist}_changelist"),
        {"action": action, "_selected_action": [str(pk) for pk in pks]},
    )


def test_every_admin_action_declares_its_permission():
    undeclared = []
    for model, model_admin in admin.site._registry.items():
        for func, name, _ in model_admin._get_base_actions():
            if not getattr(func, "allowed_permissions", None):
                undeclared.append(f"{model._meta.label}.{name}")
    assert undeclared == []


def test_view_only_staff_cannot_remove_a_message_or_revoke_a_token(viewer, message, alice):
    token, _ = accounts.token_issue(user=alice)
    client = staff_client(viewer)

    run_action(client, "chats_message", "remove_messages", [message.pk])
    run_action(client, "accounts_accesstoken", "revoke", [token.pk])

    assert not Message.objects.get(pk=message.pk).is_removed
    assert AccessToken.objects.get(pk=token.pk).revoked_at is None
    page = client.get(reverse("admin:chats_message_changelist"))
    assert page.status_code == 200
    assert b"remove_messages" not in page.content  # the action is not even offered


def test_a_moderator_can_moderate(moderator, message, alice):
    token, _ = accounts.token_issue(user=alice)
    client = staff_client(moderator)

    run_action(client, "chats_message", "remove_messages", [message.pk])
    run_action(client, "accounts_accesstoken", "revoke", [token.pk])

    assert Message.objects.get(pk=message.pk).is_removed
    assert AccessToken.objects.get(pk=token.pk).revoked_at is not None


def test_the_moderators_group_holds_exactly_the_action_permissions_and_their_views():
    declared = set()
    for model, model_admin in admin.site._registry.items():
        for func, _, _ in model_admin._get_base_actions():
            if "moderate" in func.allowed_permissions:
                declared.add(f"{model._meta.app_label}.moderate_{model._meta.model_name}")
                declared.add(f"{model._meta.app_label}.view_{model._meta.model_name}")

    held = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=MODERATORS).permissions.select_related("content_type")
    }

    assert held == declared


def test_moderators_cannot_edit_or_delete_other_things(moderator, workspace):
    client = staff_client(moderator)

    assert client.get(reverse("admin:threads_workspace_changelist")).status_code == 403
    assert client.get(reverse("admin:accounts_user_add")).status_code == 403


def test_users_are_deactivated_not_deleted(admin_client, bob, session_thread):
    chat_services.message_send(thread=session_thread, actor=bob, text="my history")

    delete_page = admin_client.get(reverse("admin:accounts_user_delete", args=[bob.pk]))
    run_action(admin_client, "accounts_user", "deactivate", [bob.pk])

    assert delete_page.status_code == 403
    bob.refresh_from_db()
    assert not bob.is_active
    assert Message.objects.filter(author=bob).exists()
    with pytest.raises(ProtectedError):
        bob.delete()


def test_a_workspace_with_threads_cannot_be_deleted(admin_client, workspace, session_thread):
    response = admin_client.post(
        reverse("admin:threads_workspace_delete", args=[workspace.pk]), {"post": "yes"}
    )

    assert Workspace.objects.filter(pk=workspace.pk).exists()
    assert b"Cannot delete workspace" in response.content
    with pytest.raises(ProtectedError):
        workspace.delete()


def test_an_empty_workspace_can_still_be_deleted(admin_client):
    empty = factories.WorkspaceFactory()

    admin_client.post(reverse("admin:threads_workspace_delete", args=[empty.pk]), {"post": "yes"})

    assert not Workspace.objects.filter(pk=empty.pk).exists()
