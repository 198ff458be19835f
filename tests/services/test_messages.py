"""chats.services: sending (replies, files, retries), direct sends, editing, removal, restore."""

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatproject.actors import SYSTEM
from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from chats import selectors, services
from chats.models import Attachment, Message
from tests.services.helpers import event_types, last_event, upload
from threads import services as thread_services
from threads.models import Event, Thread


def visible_ids(thread, user) -> set:
    return set(
        selectors.visible_messages(user=user).filter(thread=thread).values_list("pk", flat=True)
    )


# --- send ---------------------------------------------------------------------------


def test_send_stores_trimmed_text_and_announces_the_whole_message(session_thread, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="  hello  ")

    assert message.text == "hello" and message.author == bob and message.role == "user"
    session_thread.refresh_from_db()
    assert session_thread.last_message_at == message.created_at
    event = last_event(session_thread)
    assert event.type == "message.created"
    assert event.payload["message"] == {
        "id": str(message.id),
        "thread": str(session_thread.id),
        "author": {"id": str(bob.id), "name": "Bob"},
        "role": "user",
        "text": "hello",
        "reply_to": None,
        "attachments": [],
        "created_at": DjangoJSONEncoder().default(message.created_at),
        "edited_at": None,
        "client_id": None,
    }


def test_host_and_participants_both_write(session_thread, alice, bob):
    services.message_send(thread=session_thread, actor=alice, text="welcome")
    services.message_send(thread=session_thread, actor=bob, text="thanks")
    assert Message.objects.filter(thread=session_thread).count() == 2


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_empty_message_is_refused(session_thread, bob, text):
    with pytest.raises(InvalidInput) as error:
        services.message_send(thread=session_thread, actor=bob, text=text)
    assert error.value.field == "text"
    assert not Message.objects.exists()
    assert event_types(session_thread)[-1] == "member.added"


def test_session_messages_are_capped_at_280_characters(session_thread, bob):
    services.message_send(thread=session_thread, actor=bob, text="x" * 280)
    services.message_send(thread=session_thread, actor=bob, text=" " + "y" * 280 + " ")
    with pytest.raises(InvalidInput) as error:
        services.message_send(thread=session_thread, actor=bob, text="x" * 281)
    assert error.value.field == "text"
    assert Message.objects.count() == 2


def test_other_threads_allow_10000_characters_by_default(custom_thread, bob):
    services.message_send(thread=custom_thread, actor=bob, text="x" * 10_000)
    with pytest.raises(InvalidInput):
        services.message_send(thread=custom_thread, actor=bob, text="x" * 10_001)
    assert Message.objects.count() == 1


def test_the_general_limit_is_a_setting(custom_thread, bob, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 500
    services.message_send(thread=custom_thread, actor=bob, text="x" * 500)
    with pytest.raises(InvalidInput):
        services.message_send(thread=custom_thread, actor=bob, text="x" * 501)
    assert Message.objects.count() == 1


def test_the_session_limit_is_a_setting_of_its_own(session_thread, custom_thread, bob, settings):
    settings.CHAT_SESSION_MESSAGE_MAX_LENGTH = 5
    settings.CHAT_MESSAGE_MAX_LENGTH = 50
    with pytest.raises(InvalidInput):
        services.message_send(thread=session_thread, actor=bob, text="x" * 6)
    services.message_send(thread=custom_thread, actor=bob, text="x" * 6)


def test_non_member_cannot_send_and_learns_nothing(session_thread, carol):
    with pytest.raises(NotFound):
        services.message_send(thread=session_thread, actor=carol, text="hi")
    assert not Message.objects.exists()


def test_a_thread_named_by_id_is_read_and_checked_under_the_lock(custom_thread, bob, carol):
    message = services.message_send(thread=str(custom_thread.pk), actor=bob, text="by id")
    assert message.thread_id == custom_thread.pk
    for wrong in ("not-a-uuid", str(custom_thread.pk)):
        with pytest.raises(NotFound):
            services.message_send(thread=wrong, actor=carol, text="hi")
    assert Message.objects.count() == 1


def test_a_thread_of_a_kind_the_surface_does_not_serve_is_not_found(session_thread, bob):
    with pytest.raises(NotFound):
        services.message_send(
            thread=session_thread.pk, actor=bob, text="hi", kinds={Thread.Kind.CUSTOM}
        )
    assert not Message.objects.exists()
    services.message_send(
        thread=session_thread.pk, actor=bob, text="hi", kinds={Thread.Kind.SESSION}
    )
    assert Message.objects.count() == 1


def test_support_staff_answer_support_chats(support_chat, agent, bob):
    message = services.message_send(thread=support_chat, actor=agent, text="Hi!", role="agent")
    assert message.role == "agent"
    assert last_event(support_chat).payload["message"]["role"] == "agent"
    with pytest.raises(NotFound):
        services.message_send(thread=support_chat, actor=bob, text="hi")


# --- replies ------------------------------------------------------------------------


def test_reply_points_at_its_message(session_thread, alice, bob):
    question = services.message_send(thread=session_thread, actor=bob, text="question")
    answer = services.message_send(
        thread=session_thread, actor=alice, text="answer", reply_to_id=question.pk
    )
    assert answer.reply_to_id == question.id
    assert last_event(session_thread).payload["message"]["reply_to"] == str(question.id)


def test_reply_must_be_in_the_same_thread(session_thread, custom_thread, alice, bob):
    elsewhere = services.message_send(thread=custom_thread, actor=bob, text="other")
    with pytest.raises(InvalidInput) as error:
        services.message_send(
            thread=session_thread, actor=alice, text="x", reply_to_id=elsewhere.pk
        )
    assert error.value.field == "reply_to"
    assert not Message.objects.filter(thread=session_thread).exists()


def test_cannot_reply_to_a_removed_message(session_thread, alice, bob):
    gone = services.message_send(thread=session_thread, actor=bob, text="oops")
    services.message_remove(message=gone, actor=bob)
    with pytest.raises(InvalidInput):
        services.message_send(thread=session_thread, actor=alice, text="x", reply_to_id=gone.pk)
    assert Message.objects.count() == 1


# --- files --------------------------------------------------------------------------


def test_message_with_only_a_file_is_accepted(custom_thread, bob):
    attachment = upload(bob)
    message = services.message_send(
        thread=custom_thread, actor=bob, text="  ", attachment_ids=[attachment.pk]
    )

    attachment.refresh_from_db()
    assert attachment.message_id == message.id and message.text == ""
    payload = last_event(custom_thread).payload["message"]
    assert payload["attachments"] == [
        {
            "id": str(attachment.id),
            "name": "pic.png",
            "content_type": "image/png",
            "size": attachment.size,
            "width": 4,
            "height": 3,
        }
    ]


def test_message_with_text_and_several_files(custom_thread, bob):
    files = [upload(bob), upload(bob, content=b"notes", name="a.txt", content_type="text/plain")]
    message = services.message_send(
        thread=custom_thread, actor=bob, text="see attached", attachment_ids=[f.pk for f in files]
    )
    assert set(message.attachments.values_list("pk", flat=True)) == {f.pk for f in files}
    assert len(last_event(custom_thread).payload["message"]["attachments"]) == 2


def test_cannot_send_someone_elses_file(custom_thread, alice, bob):
    alices = upload(alice)
    with pytest.raises(InvalidInput) as error:
        services.message_send(thread=custom_thread, actor=bob, attachment_ids=[alices.pk])
    assert error.value.field == "files"
    assert not Message.objects.exists()
    assert Attachment.objects.get(pk=alices.pk).message_id is None


def test_a_file_is_sent_only_once(custom_thread, bob):
    mine = upload(bob)
    first = services.message_send(thread=custom_thread, actor=bob, attachment_ids=[mine.pk])
    with pytest.raises(InvalidInput):
        services.message_send(
            thread=custom_thread, actor=bob, text="again", attachment_ids=[mine.pk]
        )
    assert Attachment.objects.get(pk=mine.pk).message_id == first.id
    assert Message.objects.count() == 1


# --- client_id ----------------------------------------------------------------------


def test_client_id_makes_a_retried_send_idempotent(custom_thread, bob):
    first = services.message_send(thread=custom_thread, actor=bob, text="hi", client_id="c-1")
    again = services.message_send(thread=custom_thread, actor=bob, text="hi", client_id=" c-1 ")

    assert again.id == first.id
    assert Message.objects.count() == 1
    assert event_types(custom_thread).count("message.created") == 1
    assert last_event(custom_thread).payload["message"]["client_id"] == "c-1"


def _savepoints(send) -> int:
    with CaptureQueriesContext(connection) as queries:
        send()
    return sum(q["sql"].startswith("SAVEPOINT") for q in queries.captured_queries)


def test_only_a_send_with_a_client_id_pays_for_a_savepoint(custom_thread, bob):
    # One savepoint is the service's own transaction inside the test's; a client_id adds
    # the one that lets a concurrent retry's duplicate be caught (two round trips).
    def send(**fields):
        return lambda: services.message_send(thread=custom_thread, actor=bob, text="a", **fields)

    assert _savepoints(send()) == 1
    assert _savepoints(send(client_id="k")) == 2


def test_client_ids_belong_to_their_author(custom_thread, alice, bob):
    services.message_send(thread=custom_thread, actor=bob, text="hi", client_id="c-1")
    services.message_send(thread=custom_thread, actor=alice, text="hi", client_id="c-1")
    assert Message.objects.count() == 2


def test_blank_client_id_means_none(custom_thread, bob):
    services.message_send(thread=custom_thread, actor=bob, text="one", client_id="  ")
    services.message_send(thread=custom_thread, actor=bob, text="two", client_id="")
    assert Message.objects.filter(client_id__isnull=True).count() == 2


# --- direct -------------------------------------------------------------------------


def test_first_direct_message_creates_the_personal_thread_once(workspace, alice, bob):
    message, thread, created = services.message_send_direct(
        workspace=workspace, actor=alice, recipient=bob, text="hi Bob"
    )
    assert created and thread.kind == Thread.Kind.DIRECT
    assert message.thread_id == thread.id and message.text == "hi Bob"
    assert set(thread.members.all()) == {alice, bob}

    _, same_thread, created_again = services.message_send_direct(
        workspace=workspace, actor=bob, recipient=alice, text="hi Alice"
    )
    assert same_thread.id == thread.id and not created_again
    assert event_types(thread) == ["thread.created", "message.created", "message.created"]
    seqs = Event.objects.filter(thread=thread).order_by("seq").values_list("seq", flat=True)
    assert list(seqs) == [1, 2, 3]
    assert Thread.objects.filter(kind=Thread.Kind.DIRECT).count() == 1


def test_direct_message_to_oneself_is_refused(workspace, alice):
    with pytest.raises(InvalidInput):
        services.message_send_direct(workspace=workspace, actor=alice, recipient=alice, text="x")
    assert not Thread.objects.exists() and not Message.objects.exists()


def test_direct_message_to_another_workspace_is_refused(workspace, alice, outsider):
    with pytest.raises(InvalidInput):
        services.message_send_direct(workspace=workspace, actor=alice, recipient=outsider, text="x")
    assert not Thread.objects.exists()


def test_refused_first_message_leaves_no_personal_thread_behind(workspace, alice, bob):
    with pytest.raises(InvalidInput):
        services.message_send_direct(workspace=workspace, actor=alice, recipient=bob, text=" ")
    assert not Thread.objects.exists() and not Event.objects.exists()


# --- edit ---------------------------------------------------------------------------


def test_author_edits_and_subscribers_see_the_new_text(session_thread, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="typo")
    edited = services.message_edit(message=message, actor=bob, text="  fixed ")

    assert edited.text == "fixed" and edited.edited_at is not None
    assert Message.objects.get(pk=message.pk).text == "fixed"
    event = last_event(session_thread)
    assert event.type == "message.updated"
    assert event.payload["message"]["text"] == "fixed"
    assert event.payload["message"]["edited_at"] is not None


def test_only_the_author_edits_even_a_host(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="mine")
    with pytest.raises(PermissionDenied):
        services.message_edit(message=message, actor=alice, text="hijack")
    assert Message.objects.get(pk=message.pk).text == "mine"


def test_stranger_editing_gets_not_found(session_thread, bob, carol):
    message = services.message_send(thread=session_thread, actor=bob, text="mine")
    with pytest.raises(NotFound):
        services.message_edit(message=message, actor=carol, text="hijack")


def test_edit_follows_the_sending_rules(session_thread, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="short")
    with pytest.raises(InvalidInput):
        services.message_edit(message=message, actor=bob, text="   ")
    with pytest.raises(InvalidInput):
        services.message_edit(message=message, actor=bob, text="x" * 281)
    assert Message.objects.get(pk=message.pk).text == "short"
    assert event_types(session_thread)[-1] == "message.created"


def test_a_message_with_files_may_be_edited_to_no_text(custom_thread, bob):
    message = services.message_send(
        thread=custom_thread, actor=bob, text="caption", attachment_ids=[upload(bob).pk]
    )
    assert services.message_edit(message=message, actor=bob, text="").text == ""


def test_removed_message_cannot_be_edited(session_thread, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="gone")
    services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.message_edit(message=message, actor=bob, text="back?")


# --- remove / restore ---------------------------------------------------------------


def test_author_removes_own_message_and_it_disappears(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="oops")
    services.message_remove(message=message, actor=bob)

    stored = Message.objects.get(pk=message.pk)  # kept for moderators
    assert stored.is_removed and stored.removed_by == bob and stored.removed_at is not None
    assert stored.text == "oops"
    event = last_event(session_thread)
    assert event.type == "message.removed"
    assert event.payload == {"message": {"id": str(message.id), "thread": str(session_thread.id)}}
    assert message.id not in visible_ids(session_thread, alice)
    assert not selectors.thread_messages(thread_id=session_thread.id).exists()
    with pytest.raises(NotFound):
        selectors.message_get_for_user(user=bob, message_id=message.id)


def test_host_removes_anyones_message(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="rude")
    services.message_remove(message=message, actor=alice)
    stored = Message.objects.get(pk=message.pk)
    assert stored.is_removed and stored.removed_by == alice


def test_custom_thread_admin_removes_anyones_message(custom_thread, alice, bob):
    message = services.message_send(thread=custom_thread, actor=bob, text="rude")
    services.message_remove(message=message, actor=alice)
    assert Message.objects.get(pk=message.pk).is_removed


def test_participant_cannot_remove_someone_elses_message(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=alice, text="welcome")
    with pytest.raises(PermissionDenied):
        services.message_remove(message=message, actor=bob)
    assert not Message.objects.get(pk=message.pk).is_removed
    assert event_types(session_thread)[-1] == "message.created"


def test_stranger_removing_gets_not_found(session_thread, bob, carol):
    message = services.message_send(thread=session_thread, actor=bob, text="hi")
    with pytest.raises(NotFound):
        services.message_remove(message=message, actor=carol)
    assert not Message.objects.get(pk=message.pk).is_removed


def test_removed_message_cannot_be_removed_again(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="hi")
    services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.message_remove(message=message, actor=alice)
    assert event_types(session_thread).count("message.removed") == 1


def test_admin_moderation_removes_without_membership(session_thread, bob, carol):
    message = services.message_send(thread=session_thread, actor=bob, text="spam")
    services.message_remove(message=message, actor=SYSTEM, removed_by=carol)
    services.message_remove(message=message, actor=SYSTEM, removed_by=carol)  # idempotent
    stored = Message.objects.get(pk=message.pk)
    assert stored.is_removed and stored.removed_by == carol
    assert event_types(session_thread).count("message.removed") == 1


def test_host_restores_a_removed_message(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="keep me")
    services.message_remove(message=message, actor=bob)

    services.message_restore(message=message, actor=alice)

    stored = Message.objects.get(pk=message.pk)
    assert not stored.is_removed and stored.removed_by is None and stored.removed_at is None
    event = last_event(session_thread)
    assert event.type == "message.restored"
    assert event.payload["message"]["text"] == "keep me"  # subscribers can show it again
    assert message.id in visible_ids(session_thread, bob)


def test_the_threads_activity_is_its_newest_message_still_shown(session_thread, alice, bob):
    def activity():
        return Thread.objects.get(pk=session_thread.pk).last_message_at

    first = services.message_send(thread=session_thread, actor=bob, text="one")
    second = services.message_send(thread=session_thread, actor=bob, text="two")
    assert activity() == second.created_at

    services.message_remove(message=first, actor=bob)  # not the newest: nothing moves
    assert activity() == second.created_at
    services.message_remove(message=second, actor=bob)  # back to what is still shown
    assert activity() is None  # (the APIs then show the thread's creation)
    services.message_restore(message=first, actor=alice)
    assert activity() == first.created_at
    services.message_restore(message=second, actor=alice)
    assert activity() == second.created_at
    services.message_remove(message=first, actor=bob)  # older than the newest again
    assert activity() == second.created_at


def test_participant_cannot_restore_even_their_own_message(session_thread, bob, carol):
    message = services.message_send(thread=session_thread, actor=bob, text="keep me")
    services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.message_restore(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.message_restore(message=message, actor=carol)
    assert Message.objects.get(pk=message.pk).is_removed


def test_restoring_a_visible_message_announces_nothing(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="here")
    count = Event.objects.count()
    services.message_restore(message=message, actor=alice)
    services.message_restore(message=message, actor=SYSTEM)
    assert Event.objects.count() == count


def test_host_of_a_removed_thread_cannot_restore_its_messages(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, actor=bob, text="hi")
    services.message_remove(message=message, actor=alice)
    thread_services.thread_remove(thread=session_thread, actor=alice)
    with pytest.raises(NotFound):
        services.message_restore(message=message, actor=alice)
    assert Message.objects.get(pk=message.pk).is_removed
