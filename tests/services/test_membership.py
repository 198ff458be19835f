"""threads.services.membership_add / membership_remove: who may change a thread's members."""

import pytest

from chatproject.actors import SYSTEM
from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from chats import services as chat_services
from tests.services.helpers import event_types, last_event
from threads import services
from threads.models import Event, Membership


def is_member(thread, user) -> bool:
    return Membership.objects.filter(thread=thread, user=user).exists()


def test_host_adds_a_participant_and_the_thread_hears_it(session_thread, alice, carol):
    membership = services.membership_add(thread=session_thread, user=carol, actor=alice)

    assert membership.role == Membership.Role.MEMBER and is_member(session_thread, carol)
    event = last_event(session_thread)
    assert event.type == "member.added"
    assert event.payload == {"user": {"id": str(carol.id), "name": "Carol"}, "role": "member"}
    chat_services.message_send(thread=session_thread, actor=carol, text="I am in")


def test_host_may_add_a_co_host(session_thread, alice, carol):
    services.membership_add(thread=session_thread, user=carol, role="host", actor=alice)
    assert Membership.objects.get(thread=session_thread, user=carol).role == "host"
    assert last_event(session_thread).payload["role"] == "host"


def test_participant_cannot_add_to_a_session(session_thread, bob, carol):
    with pytest.raises(PermissionDenied):
        services.membership_add(thread=session_thread, user=carol, actor=bob)
    assert not is_member(session_thread, carol)


def test_stranger_adding_gets_not_found(session_thread, carol, dave):
    with pytest.raises(NotFound):
        services.membership_add(thread=session_thread, user=dave, actor=carol)
    with pytest.raises(NotFound):
        services.membership_add(thread=session_thread, user=carol, actor=carol)  # self-invite
    assert not is_member(session_thread, carol) and not is_member(session_thread, dave)


def test_any_custom_thread_member_invites_but_only_as_member(custom_thread, bob, carol):
    with pytest.raises(PermissionDenied):
        services.membership_add(thread=custom_thread, user=carol, role="admin", actor=bob)
    assert not is_member(custom_thread, carol)
    services.membership_add(thread=custom_thread, user=carol, actor=bob)
    assert Membership.objects.get(thread=custom_thread, user=carol).role == "member"


def test_group_thread_members_are_added_by_its_admin_only(workspace, alice, bob, carol):
    group = services.group_thread_create(
        actor=SYSTEM, workspace=workspace, creator=alice, project_ref="apollo", members=[bob]
    )
    with pytest.raises(PermissionDenied):
        services.membership_add(thread=group, user=carol, actor=bob)
    services.membership_add(thread=group, user=carol, actor=alice)
    assert is_member(group, carol)


def test_personal_thread_members_are_fixed(workspace, alice, bob, carol):
    thread, _ = services.direct_thread_get_or_create(workspace=workspace, user=alice, other=bob)
    with pytest.raises(InvalidInput):
        services.membership_add(actor=SYSTEM, thread=thread, user=carol)
    with pytest.raises(InvalidInput):
        services.membership_remove(thread=thread, user=bob, actor=bob)
    assert event_types(thread) == ["thread.created"]
    assert Membership.objects.filter(thread=thread).count() == 2


def test_member_must_belong_to_the_workspace(session_thread, alice, outsider):
    with pytest.raises(InvalidInput) as error:
        services.membership_add(thread=session_thread, user=outsider, actor=alice)
    assert error.value.field == "users"
    assert not is_member(session_thread, outsider)


def test_unknown_role_is_refused(session_thread, alice, carol):
    with pytest.raises(InvalidInput) as error:
        services.membership_add(thread=session_thread, user=carol, role="owner", actor=alice)
    assert error.value.field == "role"
    assert not is_member(session_thread, carol)


def test_adding_a_member_again_changes_and_announces_nothing(session_thread, alice, bob):
    count = Event.objects.count()
    membership = services.membership_add(thread=session_thread, user=bob, role="host", actor=alice)
    assert membership.role == "member"
    assert Event.objects.count() == count


def test_nobody_joins_a_removed_thread(session_thread, alice, carol):
    services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.membership_add(thread=session_thread, user=carol, actor=alice)
    assert not is_member(session_thread, carol)


def test_member_leaves_and_can_no_longer_write(custom_thread, bob):
    services.membership_remove(thread=custom_thread, user=bob, actor=bob)

    assert not is_member(custom_thread, bob)
    event = last_event(custom_thread)
    assert event.type == "member.removed"
    assert event.payload["user"] == {"id": str(bob.id), "name": "Bob"}
    with pytest.raises(NotFound):
        chat_services.message_send(thread=custom_thread, actor=bob, text="still here?")


def test_host_removes_a_participant(session_thread, alice, bob):
    services.membership_remove(thread=session_thread, user=bob, actor=alice)
    assert not is_member(session_thread, bob)
    assert last_event(session_thread).type == "member.removed"


def test_participant_cannot_remove_someone_else(session_thread, alice, bob, carol):
    services.membership_add(thread=session_thread, user=carol, actor=alice)
    with pytest.raises(PermissionDenied):
        services.membership_remove(thread=session_thread, user=carol, actor=bob)
    with pytest.raises(PermissionDenied):
        services.membership_remove(thread=session_thread, user=alice, actor=bob)
    assert is_member(session_thread, carol) and is_member(session_thread, alice)


def test_stranger_removing_gets_not_found(session_thread, bob, carol):
    with pytest.raises(NotFound):
        services.membership_remove(thread=session_thread, user=bob, actor=carol)
    assert is_member(session_thread, bob)


def test_removing_a_non_member_is_not_found(session_thread, alice, carol):
    count = Event.objects.count()
    with pytest.raises(NotFound):
        services.membership_remove(thread=session_thread, user=carol, actor=alice)
    with pytest.raises(NotFound):
        services.membership_remove(thread=session_thread, user=carol, actor=carol)
    assert Event.objects.count() == count


def test_several_members_join_together(custom_thread, alice, carol, dave):
    before = Event.objects.filter(thread=custom_thread).count()
    services.membership_add_many(thread=custom_thread, users=[carol, dave], actor=alice)
    assert is_member(custom_thread, carol) and is_member(custom_thread, dave)
    assert event_types(custom_thread)[before:] == ["member.added", "member.added"]


def test_one_refused_member_means_none_join(custom_thread, alice, carol, outsider):
    count = Event.objects.count()
    with pytest.raises(InvalidInput):
        services.membership_add_many(thread=custom_thread, users=[carol, outsider], actor=alice)
    assert not is_member(custom_thread, carol)
    assert Event.objects.count() == count
