"""threads.services: creating each kind of thread, renaming, removing and restoring."""

import uuid

import pytest
from django.utils import timezone

from chatproject.actors import SYSTEM
from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from chats import services as chat_services
from tests import factories
from tests.services.helpers import event_types, last_event
from threads import selectors, services
from threads.models import Event, Membership, Thread


def roles(thread) -> dict:
    return dict(Membership.objects.filter(thread=thread).values_list("user__username", "role"))


# --- session ------------------------------------------------------------------------


def test_session_creator_is_host_and_creation_is_announced(workspace, alice):
    thread = services.session_create(workspace=workspace, host=alice, title=" Town hall ")

    assert thread.kind == Thread.Kind.SESSION and thread.title == "Town hall"
    assert roles(thread) == {"alice": Membership.Role.HOST}
    event = Event.objects.get(thread=thread)
    assert (event.type, event.seq, event.user_id) == ("thread.created", 1, None)
    payload = event.payload["thread"]
    assert payload["id"] == str(thread.id)
    assert payload["kind"] == "session" and payload["title"] == "Town hall"
    assert payload["is_removed"] is False
    assert payload["members"] == [{"id": str(alice.id), "name": "Alice", "role": "host"}]


@pytest.mark.parametrize("title", ["", "   ", None])
def test_session_needs_a_title(workspace, alice, title):
    with pytest.raises(InvalidInput) as error:
        services.session_create(workspace=workspace, host=alice, title=title)
    assert error.value.field == "title"
    assert not Thread.objects.exists()


def test_title_longer_than_the_column_is_refused(workspace, alice):
    services.session_create(workspace=workspace, host=alice, title="x" * 200)
    with pytest.raises(InvalidInput) as error:
        services.session_create(workspace=workspace, host=alice, title="x" * 201)
    assert error.value.field == "title"
    assert Thread.objects.count() == 1


def test_session_host_must_belong_to_the_workspace(workspace, outsider):
    with pytest.raises(InvalidInput) as error:
        services.session_create(workspace=workspace, host=outsider, title="Town hall")
    assert error.value.field == "users"
    assert not Thread.objects.exists() and not Event.objects.exists()


# --- custom -------------------------------------------------------------------------


def test_custom_thread_creator_administers_and_others_are_members(workspace, alice, bob, carol):
    thread = services.custom_thread_create(
        workspace=workspace, creator=alice, title="Launch", members=[bob, carol, bob, alice]
    )

    assert thread.kind == Thread.Kind.CUSTOM and thread.created_by == alice
    assert roles(thread) == {"alice": "admin", "bob": "member", "carol": "member"}
    members = last_event(thread).payload["thread"]["members"]
    assert sorted(m["name"] for m in members) == ["Alice", "Bob", "Carol"]
    assert event_types(thread) == ["thread.created"]


def test_custom_thread_needs_a_name(workspace, alice, bob):
    with pytest.raises(InvalidInput) as error:
        services.custom_thread_create(workspace=workspace, creator=alice, title=" ", members=[bob])
    assert error.value.field == "title"
    assert not Thread.objects.exists()


def test_custom_thread_members_must_belong_to_the_workspace(workspace, alice, outsider):
    with pytest.raises(InvalidInput) as error:
        services.custom_thread_create(
            workspace=workspace, creator=alice, title="x", members=[outsider]
        )
    assert error.value.field == "users"
    assert not Thread.objects.exists() and not Membership.objects.exists()


# --- group --------------------------------------------------------------------------


def test_group_thread_belongs_to_its_project(workspace, alice, bob):
    thread = services.group_thread_create(
        actor=SYSTEM,
        workspace=workspace,
        creator=alice,
        project_ref=" apollo ",
        title="Apollo",
        members=[bob],
    )

    assert thread.kind == Thread.Kind.GROUP and thread.project_ref == "apollo"
    assert roles(thread) == {"alice": "admin", "bob": "member"}
    assert last_event(thread).payload["thread"]["project_ref"] == "apollo"


def test_one_group_thread_per_project(workspace, alice, bob):
    services.group_thread_create(
        actor=SYSTEM, workspace=workspace, creator=alice, project_ref="apollo"
    )
    with pytest.raises(InvalidInput) as error:
        services.group_thread_create(
            actor=SYSTEM, workspace=workspace, creator=bob, project_ref="apollo"
        )
    assert error.value.field == "project_ref"
    assert Thread.objects.filter(kind=Thread.Kind.GROUP).count() == 1


def test_same_project_id_in_another_workspace_is_another_group(workspace, alice):
    services.group_thread_create(
        actor=SYSTEM, workspace=workspace, creator=alice, project_ref="apollo"
    )
    other = factories.WorkspaceFactory()
    stranger = factories.UserFactory(workspace=other)
    services.group_thread_create(
        actor=SYSTEM, workspace=other, creator=stranger, project_ref="apollo"
    )
    assert Thread.objects.filter(kind=Thread.Kind.GROUP, project_ref="apollo").count() == 2


@pytest.mark.parametrize("project_ref", ["", "  ", None, "p" * 101])
def test_group_thread_needs_a_valid_project_id(workspace, alice, project_ref):
    with pytest.raises(InvalidInput) as error:
        services.group_thread_create(
            actor=SYSTEM, workspace=workspace, creator=alice, project_ref=project_ref
        )
    assert error.value.field == "project_ref"
    assert not Thread.objects.exists()


# --- direct -------------------------------------------------------------------------


def test_direct_thread_is_created_once_and_reused_in_either_direction(workspace, alice, bob):
    first, created = services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    again, created_again = services.direct_thread_get_or_create(
        workspace=workspace, user=bob, other=alice
    )

    assert created and not created_again and first.id == again.id
    assert first.kind == Thread.Kind.DIRECT
    assert roles(first) == {"alice": "member", "bob": "member"}
    assert event_types(first) == ["thread.created"]  # reuse announces nothing


def test_each_pair_has_its_own_direct_thread(workspace, alice, bob, carol):
    ab, _ = services.direct_thread_get_or_create(workspace=workspace, user=alice, other=bob)
    ac, _ = services.direct_thread_get_or_create(workspace=workspace, user=alice, other=carol)
    assert ab.id != ac.id


def test_direct_thread_with_oneself_is_refused(workspace, alice):
    with pytest.raises(InvalidInput) as error:
        services.direct_thread_get_or_create(workspace=workspace, user=alice, other=alice)
    assert error.value.field == "to"
    assert not Thread.objects.exists()


def test_direct_thread_with_a_user_of_another_workspace_is_refused(workspace, alice, outsider):
    with pytest.raises(InvalidInput):
        services.direct_thread_get_or_create(workspace=workspace, user=alice, other=outsider)
    assert not Thread.objects.exists()


# --- update -------------------------------------------------------------------------


def test_host_renames_the_thread_and_subscribers_hear_it(session_thread, alice):
    services.thread_update(thread=session_thread, actor=alice, title="  Renamed ")

    assert Thread.objects.get(pk=session_thread.pk).title == "Renamed"
    event = last_event(session_thread)
    assert event.type == "thread.updated"
    assert event.payload["thread"]["title"] == "Renamed"


def test_participant_cannot_rename(session_thread, bob):
    with pytest.raises(PermissionDenied):
        services.thread_update(thread=session_thread, actor=bob, title="mine")
    assert Thread.objects.get(pk=session_thread.pk).title == "Town hall"


def test_stranger_renaming_gets_not_found(session_thread, carol):
    with pytest.raises(NotFound):
        services.thread_update(thread=session_thread, actor=carol, title="mine")
    assert Thread.objects.get(pk=session_thread.pk).title == "Town hall"


def test_custom_thread_admin_renames_but_member_cannot(custom_thread, alice, bob):
    with pytest.raises(PermissionDenied):
        services.thread_update(thread=custom_thread, actor=bob, title="Mine")
    services.thread_update(thread=custom_thread, actor=alice, title="Ours")
    assert Thread.objects.get(pk=custom_thread.pk).title == "Ours"


def test_rename_to_an_overlong_title_is_refused(session_thread, alice):
    with pytest.raises(InvalidInput) as error:
        services.thread_update(thread=session_thread, actor=alice, title="x" * 201)
    assert error.value.field == "title"
    assert Thread.objects.get(pk=session_thread.pk).title == "Town hall"


def test_support_api_sets_the_last_message_time(support_chat):
    at = timezone.now() - timezone.timedelta(days=1)
    services.thread_update(actor=SYSTEM, thread=support_chat, last_message_at=at)
    assert Thread.objects.get(pk=support_chat.pk).last_message_at == at
    assert last_event(support_chat).payload["thread"]["last_message_at"] is not None


def test_update_without_changes_announces_nothing(session_thread, alice):
    count = Event.objects.count()
    services.thread_update(thread=session_thread, actor=alice)
    assert Event.objects.count() == count


def test_host_cannot_rename_a_removed_thread(session_thread, alice):
    services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.thread_update(thread=session_thread, actor=alice, title="Ghost")
    assert Thread.objects.get(pk=session_thread.pk).title == "Town hall"


# --- remove / restore ---------------------------------------------------------------


def test_host_removes_the_thread_and_it_disappears(session_thread, alice, bob):
    services.thread_remove(thread=session_thread, actor=alice)

    thread = Thread.objects.get(pk=session_thread.pk)
    assert thread.is_removed and thread.removed_at is not None
    event = last_event(session_thread)
    assert event.type == "thread.removed" and event.payload["thread"]["is_removed"] is True
    assert not selectors.thread_list_for_user(user=bob).exists()
    with pytest.raises(NotFound):
        selectors.thread_get_for_user(user=alice, thread_id=session_thread.id)
    with pytest.raises(NotFound):
        chat_services.message_send(thread=session_thread, actor=bob, text="hello?")


def test_participant_cannot_remove_the_thread(session_thread, bob):
    with pytest.raises(PermissionDenied):
        services.thread_remove(thread=session_thread, actor=bob)
    assert not Thread.objects.get(pk=session_thread.pk).is_removed


def test_stranger_removing_the_thread_gets_not_found(session_thread, carol):
    with pytest.raises(NotFound):
        services.thread_remove(thread=session_thread, actor=carol)
    assert not Thread.objects.get(pk=session_thread.pk).is_removed


def test_removing_a_removed_thread_is_not_found(session_thread, alice):
    services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.thread_remove(actor=SYSTEM, thread=session_thread)
    assert event_types(session_thread).count("thread.removed") == 1


def test_support_staff_remove_support_chats(support_chat, agent):
    services.thread_remove(thread=support_chat, actor=agent)
    assert Thread.objects.get(pk=support_chat.pk).is_removed


def test_restored_thread_is_visible_and_usable_again(session_thread, alice, bob):
    services.thread_remove(thread=session_thread, actor=alice)
    services.thread_restore(actor=SYSTEM, thread=session_thread)

    thread = Thread.objects.get(pk=session_thread.pk)
    assert not thread.is_removed and thread.removed_at is None
    event = last_event(session_thread)
    assert event.type == "thread.updated" and event.payload["thread"]["is_removed"] is False
    assert selectors.thread_list_for_user(user=bob).filter(pk=thread.pk).exists()
    chat_services.message_send(thread=session_thread, actor=bob, text="back")


def test_restoring_a_live_thread_announces_nothing(session_thread):
    count = Event.objects.count()
    services.thread_restore(actor=SYSTEM, thread=session_thread)
    assert Event.objects.count() == count


def test_unknown_thread_is_not_found(session_thread, alice):
    ghost = Thread(pk=uuid.uuid4())
    with pytest.raises(NotFound):
        services.thread_update(thread=ghost, actor=alice, title="x")
    with pytest.raises(NotFound):
        services.thread_remove(thread=ghost, actor=alice)


def test_workspace_members_are_made_once(workspace, outsider):
    member = services.workspace_member_add(workspace=workspace, user=outsider, role="agent")
    again = services.workspace_member_add(workspace=workspace, user=outsider)
    assert again.pk == member.pk and again.role == "agent"
    assert selectors.is_support_staff(user=outsider, workspace_id=workspace.pk)
