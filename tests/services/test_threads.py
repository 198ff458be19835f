"""threads.services: creating each kind, members, read state, update, removal, events."""

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.utils import timezone

from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from chats import services as chat_services
from tests import factories
from threads import events, services
from threads.models import Event, Membership, Thread


def types(thread) -> list[str]:
    return list(Event.objects.filter(thread=thread).order_by("seq").values_list("type", flat=True))


def test_session_creator_is_host_and_creation_is_announced(workspace, alice):
    thread = services.session_create(workspace=workspace, host=alice, title=" Town hall ")
    assert thread.kind == Thread.Kind.SESSION and thread.title == "Town hall"
    assert Membership.objects.get(thread=thread, user=alice).role == Membership.Role.HOST
    event = Event.objects.get(thread=thread)
    assert (event.type, event.seq) == ("thread.created", 1)
    assert event.payload["thread"]["members"] == [
        {"id": str(alice.id), "name": "Alice", "role": "host"}
    ]


def test_custom_thread_needs_a_name_and_workspace_members(workspace, alice, bob):
    with pytest.raises(InvalidInput) as error:
        services.custom_thread_create(workspace=workspace, creator=alice, title=" ", members=[bob])
    assert error.value.field == "title"
    outsider = factories.UserFactory(workspace=factories.WorkspaceFactory())
    with pytest.raises(InvalidInput) as error:
        services.custom_thread_create(
            workspace=workspace, creator=alice, title="x", members=[outsider]
        )
    assert error.value.field == "users"
    assert not Thread.objects.exists()


def test_one_group_thread_per_project(workspace, alice, bob):
    thread = services.group_thread_create(
        workspace=workspace, creator=alice, project_ref="apollo", members=[bob]
    )
    assert thread.project_ref == "apollo"
    with pytest.raises(InvalidInput):
        services.group_thread_create(workspace=workspace, creator=bob, project_ref="apollo")
    assert Thread.objects.filter(kind=Thread.Kind.GROUP).count() == 1


def test_direct_thread_is_reused_in_either_direction(workspace, alice, bob):
    first, created = services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    again, created_again = services.direct_thread_get_or_create(
        workspace=workspace, user=bob, other=alice
    )
    assert created and not created_again and first.id == again.id


def test_support_chat_refuses_entities_of_another_workspace(workspace):
    other = factories.WorkspaceFactory()
    foreign_owner = factories.ExternalUserFactory(workspace=other)
    with pytest.raises(InvalidInput) as error:
        services.support_chat_create(workspace=workspace, owner=foreign_owner)
    assert error.value.field == "ownerId"
    chat = services.support_chat_create(
        workspace=workspace,
        owner=factories.ExternalUserFactory(),
        channel=factories.ChannelFactory(),
        title="Where is my order?",
    )
    assert chat.kind == Thread.Kind.SUPPORT
    assert types(chat) == ["thread.created"]


def test_members_are_added_and_removed_with_events(custom_thread, bob, carol):
    services.membership_add(thread=custom_thread, user=carol, actor=bob)  # any member invites
    assert custom_thread.members.filter(pk=carol.pk).exists()
    services.membership_remove(thread=custom_thread, user=carol, actor=carol)  # anyone leaves
    assert not custom_thread.members.filter(pk=carol.pk).exists()
    assert types(custom_thread)[-2:] == ["member.added", "member.removed"]


def test_only_hosts_add_to_sessions_and_strangers_learn_nothing(session_thread, bob, carol):
    dave = factories.UserFactory()
    with pytest.raises(PermissionDenied):
        services.membership_add(thread=session_thread, user=dave, actor=bob)
    with pytest.raises(NotFound):
        services.membership_add(thread=session_thread, user=dave, actor=carol)
    with pytest.raises(PermissionDenied):
        services.membership_remove(thread=session_thread, user=session_thread.created_by, actor=bob)


def test_personal_thread_members_are_fixed(workspace, alice, bob, carol):
    thread, _ = services.direct_thread_get_or_create(workspace=workspace, user=alice, other=bob)
    with pytest.raises(InvalidInput):
        services.membership_add(thread=thread, user=carol)


def test_mark_read_moves_forward_only_and_tells_only_the_reader(session_thread, bob):
    now = timezone.now()
    services.thread_mark_read(thread=session_thread, user=bob, at=now)
    event = Event.objects.filter(thread=session_thread).latest("id")
    assert event.type == "read.updated" and event.user_id == bob.id
    count = Event.objects.count()
    services.thread_mark_read(thread=session_thread, user=bob, at=now - timezone.timedelta(hours=1))
    assert Membership.objects.get(thread=session_thread, user=bob).last_read_at == now
    assert Event.objects.count() == count


def test_non_member_cannot_mark_read(session_thread, carol):
    with pytest.raises(NotFound):
        services.thread_mark_read(thread=session_thread, user=carol)


def test_update_and_remove_need_a_host(session_thread, alice, bob):
    with pytest.raises(PermissionDenied):
        services.thread_update(thread=session_thread, actor=bob, title="mine")
    services.thread_update(thread=session_thread, actor=alice, title="Renamed")
    assert Thread.objects.get(pk=session_thread.pk).title == "Renamed"
    with pytest.raises(PermissionDenied):
        services.thread_remove(thread=session_thread, actor=bob)
    services.thread_remove(thread=session_thread, actor=alice)
    assert types(session_thread)[-2:] == ["thread.updated", "thread.removed"]


def test_removed_thread_is_hidden_and_restorable(session_thread, bob):
    services.thread_remove(thread=session_thread)
    with pytest.raises(NotFound):
        chat_services.message_send(thread=session_thread, author=bob, text="hello?")
    with pytest.raises(NotFound):
        services.thread_remove(thread=session_thread)
    services.thread_restore(thread=session_thread)
    chat_services.message_send(thread=session_thread, author=bob, text="back")


def test_event_is_published_to_the_thread_group_after_commit(
    session_thread, bob, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.thread_group(session_thread.id), channel)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = chat_services.message_send(thread=session_thread, author=bob, text="ding")
    assert len(callbacks) == 1  # nothing was sent before commit
    callbacks[0]()
    delivered = async_to_sync(layer.receive)(channel)

    event = Event.objects.filter(thread=session_thread).latest("id")
    assert delivered["type"] == "chat.event"
    assert delivered["event"] == events.frame(event)
    assert delivered["event"]["data"]["message"]["id"] == str(message.id)
    assert delivered["event"]["seq"] == event.seq


def test_read_updated_goes_to_the_readers_group(
    session_thread, bob, django_capture_on_commit_callbacks
):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(events.user_group(bob.id), channel)
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_mark_read(thread=session_thread, user=bob)
    delivered = async_to_sync(layer.receive)(channel)
    assert delivered["event"]["type"] == "read.updated"


@pytest.mark.django_db(transaction=True)
def test_record_refuses_to_run_outside_a_transaction(session_thread):
    with pytest.raises(RuntimeError):
        events.record(thread_id=session_thread.id, type="x", payload={})


def test_rolled_back_thread_creation_leaves_nothing(workspace, alice):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.session_create(workspace=workspace, host=alice, title="Ghost")
        raise RuntimeError
    assert not Thread.objects.exists() and not Event.objects.exists()
