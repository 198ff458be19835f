"""Rules that used to live in a surface (or in two) and now live in one service each."""

import pytest
from django.contrib.auth.models import Group, Permission

from chatproject.actors import SYSTEM
from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from chats import services as chat_services
from chats.models import Attachment, Message
from tests import factories
from tests.services.helpers import db_state, upload
from threads import services as thread_services
from threads.models import Thread, WorkspaceMember

# --- project (group) threads -------------------------------------------------------------


def test_member_cannot_create_group_thread(workspace, bob, carol):
    before = db_state()
    with pytest.raises(PermissionDenied):
        thread_services.group_thread_create(
            workspace=workspace, actor=bob, project_ref="apollo", members=[carol]
        )
    assert db_state() == before


def test_workspace_admin_creates_group_thread_and_administers_it(workspace, carol):
    admin = factories.UserFactory(workspace__role=WorkspaceMember.Role.ADMIN)
    thread = thread_services.group_thread_create(
        workspace=workspace, actor=admin, project_ref="apollo", members=[carol]
    )
    assert thread.kind == Thread.Kind.GROUP and thread.created_by == admin
    assert thread.memberships.get(user=admin).role == "admin"


def test_site_moderators_create_group_threads(workspace):
    moderator = factories.UserFactory(is_staff=True)
    moderator.groups.add(Group.objects.get(name="Moderators"))
    superuser = factories.UserFactory(is_staff=True, is_superuser=True)
    for i, actor in enumerate((moderator, superuser)):
        thread = thread_services.group_thread_create(
            workspace=workspace, actor=actor, project_ref=f"apollo-{i}"
        )
        assert thread.created_by == actor


def test_view_only_staff_cannot_create_group_threads(workspace):
    """Staff status lets someone into the admin, where their permissions decide; a
    view-only account changes nothing there, and gets no admin rights in the APIs."""
    staff = factories.UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_thread"))
    before = db_state()
    with pytest.raises(PermissionDenied):
        thread_services.group_thread_create(workspace=workspace, actor=staff, project_ref="x")
    assert db_state() == before


def test_admin_of_another_workspace_cannot_create_group_thread_here(workspace):
    elsewhere = factories.UserFactory(
        workspace=factories.WorkspaceFactory(), workspace__role=WorkspaceMember.Role.ADMIN
    )
    with pytest.raises(PermissionDenied):
        thread_services.group_thread_create(
            workspace=workspace, actor=elsewhere, project_ref="apollo"
        )


def test_system_creates_group_thread_for_a_named_creator(workspace, bob):
    thread = thread_services.group_thread_create(
        workspace=workspace, actor=SYSTEM, creator=bob, project_ref="apollo"
    )
    assert thread.created_by == bob


def test_a_user_cannot_record_someone_else_as_creator(workspace, bob):
    staff = factories.UserFactory(is_staff=True, is_superuser=True)
    with pytest.raises(ValueError):
        thread_services.group_thread_create(
            workspace=workspace, actor=staff, creator=bob, project_ref="apollo"
        )
    assert not Thread.objects.filter(kind=Thread.Kind.GROUP).exists()


# --- replies by id -------------------------------------------------------------------------


@pytest.mark.parametrize("reply_to_id", ["nope", "00000000-0000-0000-0000-000000000000", 7])
def test_reply_to_an_unknown_or_malformed_id_is_refused(custom_thread, bob, reply_to_id):
    with pytest.raises(InvalidInput) as error:
        chat_services.message_send(
            thread=custom_thread, actor=bob, text="x", reply_to_id=reply_to_id
        )
    assert error.value.field == "reply_to"
    assert not Message.objects.exists()


def test_reply_by_id_is_resolved_in_the_thread(custom_thread, bob, alice):
    question = chat_services.message_send(thread=custom_thread, actor=alice, text="q?")
    answer = chat_services.message_send(
        thread=custom_thread, actor=bob, text="a!", reply_to_id=str(question.pk)
    )
    assert answer.reply_to == question


# --- files ---------------------------------------------------------------------------------


def test_files_limit_is_the_setting(settings, custom_thread, bob):
    settings.CHAT_MESSAGE_MAX_FILES = 2
    files = [upload(bob) for _ in range(3)]
    with pytest.raises(InvalidInput) as error:
        chat_services.message_send(
            thread=custom_thread, actor=bob, attachment_ids=[f.pk for f in files]
        )
    assert error.value.field == "files"
    assert not Message.objects.exists()
    assert not Attachment.objects.filter(message__isnull=False).exists()

    message = chat_services.message_send(
        thread=custom_thread, actor=bob, attachment_ids=[f.pk for f in files[:2]]
    )
    assert message.attachments.count() == 2


@pytest.mark.parametrize("file_id", ["nope", None, "00000000-0000-0000-0000-000000000000"])
def test_unknown_or_malformed_file_ids_are_refused(custom_thread, bob, file_id):
    with pytest.raises(InvalidInput) as error:
        chat_services.message_send(thread=custom_thread, actor=bob, attachment_ids=[file_id])
    assert error.value.field == "files"
    assert not Message.objects.exists()


# --- text ----------------------------------------------------------------------------------

BAD_TEXT = ["nul \x00 inside", "lone \ud800 surrogate", "\udfff"]


@pytest.mark.parametrize("text", BAD_TEXT)
def test_message_text_with_nul_or_lone_surrogates_is_refused(custom_thread, bob, text):
    before = db_state()
    with pytest.raises(InvalidInput) as error:
        chat_services.message_send(thread=custom_thread, actor=bob, text=text)
    assert error.value.field == "text"
    assert db_state() == before


@pytest.mark.parametrize("text", BAD_TEXT)
def test_edited_text_follows_the_same_rules(custom_thread, bob, text):
    message = chat_services.message_send(thread=custom_thread, actor=bob, text="fine")
    with pytest.raises(InvalidInput) as error:
        chat_services.message_edit(message=message, actor=bob, text=text)
    assert error.value.field == "text"
    assert Message.objects.get(pk=message.pk).text == "fine"


def test_text_that_is_not_a_string_is_refused(custom_thread, bob):
    with pytest.raises(InvalidInput) as error:
        chat_services.message_send(thread=custom_thread, actor=bob, text={"a": 1})
    assert error.value.field == "text"


def test_valid_astral_characters_are_kept(custom_thread, bob):
    message = chat_services.message_send(thread=custom_thread, actor=bob, text="  🚀 ok  ")
    assert message.text == "🚀 ok"


@pytest.mark.parametrize("title", BAD_TEXT)
def test_thread_titles_follow_the_same_rules(workspace, alice, bob, title):
    with pytest.raises(InvalidInput) as error:
        thread_services.custom_thread_create(
            workspace=workspace, creator=alice, title=title, members=[bob]
        )
    assert error.value.field == "title"
    assert not Thread.objects.filter(kind=Thread.Kind.CUSTOM).exists()


# --- removed threads -------------------------------------------------------------------------


def test_only_system_restores_a_removed_thread(session_thread, alice):
    thread_services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        thread_services.thread_restore(thread=session_thread, actor=alice)
    assert Thread.objects.get(pk=session_thread.pk).is_removed
    thread_services.thread_restore(thread=session_thread, actor=SYSTEM)
    assert not Thread.objects.get(pk=session_thread.pk).is_removed


# --- joining a session -----------------------------------------------------------------------


def test_anyone_in_the_workspace_joins_a_session_once(session_thread, carol):
    first = thread_services.session_join(thread=session_thread, actor=carol)
    again = thread_services.session_join(thread=session_thread, actor=carol)
    assert first.pk == again.pk and first.role == "member"


def test_the_host_joining_stays_host(session_thread, alice):
    assert thread_services.session_join(thread=session_thread, actor=alice).role == "host"


def test_no_one_joins_from_another_workspace_or_into_another_kind(session_thread, custom_thread):
    stranger = factories.UserFactory(workspace=factories.WorkspaceFactory())
    with pytest.raises(NotFound):
        thread_services.session_join(thread=session_thread, actor=stranger)
    carol = factories.UserFactory()
    with pytest.raises(NotFound):
        thread_services.session_join(thread=custom_thread, actor=carol)
    assert not custom_thread.memberships.filter(user=carol).exists()
