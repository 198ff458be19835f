"""Issue 12, items 1-3: new users can chat at once; leaving a workspace or a session takes
away what came with it."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.test import APIClient

from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken
from chatproject.actors import SYSTEM
from chatproject.errors import PermissionDenied
from chats import services as chat_services
from tests import factories
from threads import services as thread_services
from threads.models import Event, Membership, Workspace, WorkspaceMember

User = get_user_model()


def bearer(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


# --- 1. new users join the default workspace, however they are made ---------------------


def _people_seen_by(user) -> set[str]:
    response = bearer(factories.user_token(user)).get("/api/v1/users")
    assert response.status_code == 200, response.content
    return {person["username"] for person in response.json()}


@pytest.mark.django_db
def test_user_made_with_create_user_sees_people_at_once(alice):
    newcomer = User.objects.create_user(username="newcomer", password="x" * 12)

    assert WorkspaceMember.objects.filter(user=newcomer, workspace__slug="default").exists()
    assert {"alice", "newcomer"} <= _people_seen_by(newcomer)
    assert "newcomer" in _people_seen_by(alice)


@pytest.mark.django_db
def test_user_made_with_createsuperuser_joins_the_default_workspace(alice):
    call_command(
        "createsuperuser",
        username="root",
        email="root@example.com",
        interactive=False,
        stdout=io.StringIO(),
    )

    assert WorkspaceMember.objects.filter(user__username="root", workspace__slug="default")
    assert "alice" in _people_seen_by(User.objects.get(username="root"))


@pytest.mark.django_db
def test_user_made_in_the_admin_can_start_a_chat(admin_client, alice):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "username": "fresh",
            "display_name": "Fresh",
            "email": "",
            "usable_password": "true",
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
            "workspace_memberships-TOTAL_FORMS": "0",
            "workspace_memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content
    fresh = User.objects.get(username="fresh")

    sent = bearer(factories.user_token(fresh)).post(
        "/api/v1/chat/messages", {"to": str(alice.pk), "content": "hi"}, format="json"
    )
    assert sent.status_code == 200, sent.content


@pytest.mark.django_db
def test_default_workspace_is_a_setting_and_empty_turns_it_off(settings):
    settings.CHAT_DEFAULT_WORKSPACE = "lobby"
    joined = User.objects.create_user(username="a")
    settings.CHAT_DEFAULT_WORKSPACE = ""
    alone = User.objects.create_user(username="b")

    assert list(joined.workspace_memberships.values_list("workspace__slug", flat=True)) == ["lobby"]
    assert not alone.workspace_memberships.exists()
    assert Workspace.objects.filter(slug="lobby").exists()


@pytest.mark.django_db
def test_saving_an_existing_user_does_not_rejoin_a_workspace_they_left(workspace, alice):
    thread_services.workspace_member_remove(workspace=workspace, user=alice, actor=alice)
    alice.display_name = "Alice A."
    alice.save()

    assert not alice.workspace_memberships.exists()


# --- 2. leaving a workspace leaves its threads ---------------------------------------------


@pytest.fixture
def threads_of_bob(workspace, alice, bob, carol):
    group = thread_services.group_thread_create(
        workspace=workspace, actor=SYSTEM, creator=alice, project_ref="apollo", members=[bob, carol]
    )
    custom = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="Launch", members=[bob]
    )
    personal, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    return [group, custom, personal]


@pytest.mark.django_db
def test_leaving_a_workspace_leaves_every_thread_of_it_with_events(workspace, bob, threads_of_bob):
    thread_services.workspace_member_remove(workspace=workspace, user=bob, actor=bob)

    assert not Membership.objects.filter(user=bob).exists()
    for thread in threads_of_bob:
        last = Event.objects.filter(thread=thread).latest("id")
        assert last.type == "member.removed"
        assert last.payload["user"]["id"] == str(bob.pk)


@pytest.mark.django_db
def test_after_leaving_the_user_can_neither_list_nor_post(workspace, bob, threads_of_bob):
    client = bearer(factories.user_token(bob))
    thread_services.workspace_member_remove(workspace=workspace, user=bob, actor=bob)

    assert client.get("/api/v1/chat/threads").json() == []
    for thread in threads_of_bob:
        posted = client.post(
            "/api/v1/chat/messages",
            {"thread": str(thread.pk), "content": "still here"},
            format="json",
        )
        assert posted.status_code == 404, posted.content


@pytest.mark.django_db
def test_a_workspace_admin_may_remove_a_member_others_may_not(workspace, alice, bob, carol):
    WorkspaceMember.objects.filter(user=alice).update(role=WorkspaceMember.Role.ADMIN)
    with pytest.raises(PermissionDenied):
        thread_services.workspace_member_remove(workspace=workspace, user=bob, actor=carol)

    thread_services.workspace_member_remove(workspace=workspace, user=bob, actor=alice)
    assert not bob.workspace_memberships.exists()


@pytest.mark.django_db
def test_removing_a_member_in_the_admin_goes_through_the_service(
    admin_client, workspace, bob, threads_of_bob
):
    member = WorkspaceMember.objects.get(user=bob, workspace=workspace)
    response = admin_client.post(
        f"/admin/threads/workspacemember/{member.pk}/delete/", {"post": "yes"}
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(user=bob).exists()


# --- 3. a removed session member stays out ---------------------------------------------------


@pytest.mark.django_db
def test_removed_session_member_cannot_rejoin_and_old_token_stays_dead(session_thread, alice, bob):
    _, session_token = accounts.token_issue(user=bob, thread=session_thread)
    user_client = bearer(factories.user_token(bob))
    thread_services.membership_remove(thread=session_thread, user=bob, actor=alice)

    rejoin = user_client.post(f"/v1/sessions/{session_thread.pk}/join")
    old = bearer(session_token).get("/v1/chats")

    assert rejoin.status_code == 403, rejoin.content
    assert rejoin["Content-Type"] == "application/problem+json"
    assert old.status_code == 401
    assert not Membership.objects.filter(thread=session_thread, user=bob).exists()
    assert not AccessToken.objects.filter(
        user=bob, thread=session_thread, revoked_at__isnull=True
    ).exists()


@pytest.mark.django_db
def test_a_host_can_add_a_removed_member_back(session_thread, alice, bob):
    thread_services.membership_remove(thread=session_thread, user=bob, actor=alice)
    thread_services.membership_add(thread=session_thread, user=bob, actor=alice)
    thread_services.membership_remove(thread=session_thread, user=bob, actor=bob)  # leaves

    rejoin = bearer(factories.user_token(bob)).post(f"/v1/sessions/{session_thread.pk}/join")

    assert rejoin.status_code == 200, rejoin.content
    assert bearer(rejoin.json()["token"]).get("/v1/chats").status_code == 200


@pytest.mark.django_db
def test_a_member_who_left_may_join_again(session_thread, bob):
    thread_services.membership_remove(thread=session_thread, user=bob, actor=bob)

    rejoin = bearer(factories.user_token(bob)).post(f"/v1/sessions/{session_thread.pk}/join")

    assert rejoin.status_code == 200


@pytest.mark.django_db
def test_removal_does_not_touch_other_sessions_tokens(workspace, session_thread, alice, bob):
    other = thread_services.session_create(workspace=workspace, host=alice, title="Other")
    thread_services.membership_add(thread=other, user=bob, actor=alice)
    _, other_token = accounts.token_issue(user=bob, thread=other)

    thread_services.membership_remove(thread=session_thread, user=bob, actor=alice)

    assert bearer(other_token).get("/v1/chats").status_code == 200
    chat_services.message_send(thread=other, actor=bob, text="still in this one")


@pytest.mark.django_db
def test_removal_by_a_moderator_in_the_admin_also_keeps_them_out(admin_client, session_thread, bob):
    membership = Membership.objects.get(thread=session_thread, user=bob)
    admin_client.post(
        "/admin/threads/membership/",
        {"action": "remove_members", "_selected_action": [membership.pk]},
    )
    assert not Membership.objects.filter(pk=membership.pk).exists()

    rejoin = bearer(factories.user_token(bob)).post(f"/v1/sessions/{session_thread.pk}/join")

    assert rejoin.status_code == 403
