"""chats.services: sending, replying, attachments, editing, removing and restoring."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from chats import services
from chats.models import Attachment, Message
from threads.models import Event, Thread


def png_bytes(size=(4, 3)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="PNG")
    return buffer.getvalue()


def upload(user, content=None, name="pic.png", content_type="image/png"):
    file = SimpleUploadedFile(name, png_bytes() if content is None else content, content_type)
    return services.attachment_create(uploaded_by=user, file=file)


def last_event(thread) -> Event:
    return Event.objects.filter(thread=thread).latest("id")


def test_send_trims_text_and_records_message_created(session_thread, bob):
    message = services.message_send(thread=session_thread, author=bob, text="  hello  ")

    assert message.text == "hello"
    event = last_event(session_thread)
    assert event.type == "message.created"
    assert event.payload["message"]["id"] == str(message.id)
    assert event.payload["message"]["author"] == {"id": str(bob.id), "name": "Bob"}
    assert event.payload["message"]["text"] == "hello"
    session_thread.refresh_from_db()
    assert session_thread.last_message_at == message.created_at


def test_each_event_takes_the_next_sequence_number(session_thread, bob):
    before = last_event(session_thread).seq
    services.message_send(thread=session_thread, author=bob, text="one")
    services.message_send(thread=session_thread, author=bob, text="two")
    seqs = list(
        Event.objects.filter(thread=session_thread, seq__gt=before)
        .order_by("id")
        .values_list("seq", flat=True)
    )
    assert seqs == [before + 1, before + 2]


@pytest.mark.parametrize("text", ["", "   ", None])
def test_empty_message_is_refused(session_thread, bob, text):
    with pytest.raises(InvalidInput) as error:
        services.message_send(thread=session_thread, author=bob, text=text)
    assert error.value.field == "text"
    assert not Message.objects.exists()


def test_session_messages_are_capped_at_280_characters(session_thread, bob):
    services.message_send(thread=session_thread, author=bob, text="x" * 280)
    with pytest.raises(InvalidInput):
        services.message_send(thread=session_thread, author=bob, text="x" * 281)
    assert Message.objects.count() == 1


def test_other_threads_use_the_general_limit(custom_thread, bob, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 500
    services.message_send(thread=custom_thread, author=bob, text="x" * 500)
    with pytest.raises(InvalidInput):
        services.message_send(thread=custom_thread, author=bob, text="x" * 501)


def test_non_member_cannot_send_and_learns_nothing(session_thread, carol):
    with pytest.raises(NotFound):
        services.message_send(thread=session_thread, author=carol, text="hi")
    assert not Message.objects.exists()


def test_reply_must_be_in_the_same_thread(session_thread, custom_thread, alice, bob):
    here = services.message_send(thread=session_thread, author=bob, text="question")
    elsewhere = services.message_send(thread=custom_thread, author=bob, text="other")

    reply = services.message_send(thread=session_thread, author=alice, text="answer", reply_to=here)
    assert reply.reply_to_id == here.id
    with pytest.raises(InvalidInput) as error:
        services.message_send(thread=session_thread, author=alice, text="x", reply_to=elsewhere)
    assert error.value.field == "reply_to"


def test_message_with_only_a_file_is_accepted(custom_thread, bob):
    attachment = upload(bob)
    message = services.message_send(thread=custom_thread, author=bob, attachments=[attachment])
    attachment.refresh_from_db()
    assert attachment.message_id == message.id
    payload = last_event(custom_thread).payload["message"]
    assert payload["attachments"][0]["id"] == str(attachment.id)


def test_cannot_send_someone_elses_or_an_already_sent_file(custom_thread, alice, bob):
    alices = upload(alice)
    with pytest.raises(InvalidInput) as error:
        services.message_send(thread=custom_thread, author=bob, attachments=[alices])
    assert error.value.field == "files"
    mine = upload(bob)
    services.message_send(thread=custom_thread, author=bob, attachments=[mine])
    with pytest.raises(InvalidInput):
        services.message_send(thread=custom_thread, author=bob, attachments=[mine])


def test_client_id_makes_a_retried_send_idempotent(custom_thread, bob):
    first = services.message_send(thread=custom_thread, author=bob, text="hi", client_id="c-1")
    again = services.message_send(thread=custom_thread, author=bob, text="hi", client_id="c-1")
    assert again.id == first.id
    assert Message.objects.count() == 1
    assert Event.objects.filter(thread=custom_thread, type="message.created").count() == 1


def test_first_direct_message_creates_the_personal_thread_once(workspace, alice, bob):
    _, thread, created = services.message_send_direct(
        workspace=workspace, author=alice, recipient=bob, text="hi Bob"
    )
    assert created and thread.kind == Thread.Kind.DIRECT
    assert set(thread.members.all()) == {alice, bob}
    _, same_thread, created_again = services.message_send_direct(
        workspace=workspace, author=bob, recipient=alice, text="hi Alice"
    )
    assert same_thread.id == thread.id and not created_again
    assert [e.type for e in Event.objects.filter(thread=thread).order_by("seq")] == [
        "thread.created",
        "message.created",
        "message.created",
    ]


def test_direct_message_to_oneself_is_refused(workspace, alice):
    with pytest.raises(InvalidInput):
        services.message_send_direct(workspace=workspace, author=alice, recipient=alice, text="x")
    assert not Thread.objects.filter(kind=Thread.Kind.DIRECT).exists()


def test_only_the_author_edits(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, author=bob, text="typo")
    with pytest.raises(PermissionDenied):
        services.message_edit(message=message, actor=alice, text="hijack")
    edited = services.message_edit(message=message, actor=bob, text="fixed")
    assert edited.text == "fixed" and edited.edited_at is not None
    assert last_event(session_thread).type == "message.updated"


def test_author_removes_own_message(session_thread, bob):
    message = services.message_send(thread=session_thread, author=bob, text="oops")
    services.message_remove(message=message, actor=bob)
    message.refresh_from_db()
    assert message.is_removed and message.removed_by == bob
    event = last_event(session_thread)
    assert event.type == "message.removed"
    assert "text" not in event.payload["message"]


def test_host_removes_anyones_message(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, author=bob, text="rude")
    services.message_remove(message=message, actor=alice)
    assert Message.objects.get(pk=message.pk).is_removed


def test_participant_cannot_remove_someone_elses_message(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, author=alice, text="welcome")
    with pytest.raises(PermissionDenied):
        services.message_remove(message=message, actor=bob)
    assert not Message.objects.get(pk=message.pk).is_removed


def test_stranger_removing_gets_not_found(session_thread, bob, carol):
    message = services.message_send(thread=session_thread, author=bob, text="hi")
    with pytest.raises(NotFound):
        services.message_remove(message=message, actor=carol)


def test_removed_message_cannot_be_removed_again(session_thread, bob):
    message = services.message_send(thread=session_thread, author=bob, text="hi")
    services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.message_remove(message=message, actor=bob)


def test_host_restores_a_removed_message(session_thread, alice, bob):
    message = services.message_send(thread=session_thread, author=bob, text="keep me")
    services.message_remove(message=message, actor=bob)
    with pytest.raises(NotFound):
        services.message_restore(message=message, actor=bob)
    services.message_restore(message=message, actor=alice)
    assert not Message.objects.get(pk=message.pk).is_removed
    assert last_event(session_thread).type == "message.restored"


def test_image_upload_records_real_format_and_size(bob):
    attachment = upload(bob, name="../../etc/passwd.png")
    assert (attachment.width, attachment.height) == (4, 3)
    assert attachment.content_type == "image/png"
    assert attachment.name == "passwd.png"
    assert "passwd" not in attachment.file.name


def test_file_claiming_to_be_an_image_is_refused(bob):
    with pytest.raises(InvalidInput) as error:
        upload(bob, content=b"not really a picture", name="x.png")
    assert error.value.field == "file"
    assert not Attachment.objects.exists()


def test_disallowed_type_and_oversize_files_are_refused(bob, settings):
    with pytest.raises(InvalidInput):
        upload(bob, content=b"MZ...", name="x.exe", content_type="application/x-msdownload")
    settings.CHAT_UPLOAD_MAX_BYTES = 10
    with pytest.raises(InvalidInput):
        upload(bob, content=b"x" * 11, name="a.txt", content_type="text/plain")
    assert not Attachment.objects.exists()


def test_rolled_back_send_leaves_no_message_no_event_and_publishes_nothing(
    session_thread, bob, django_capture_on_commit_callbacks
):
    events_before = Event.objects.count()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.message_send(thread=session_thread, author=bob, text="never")
        raise RuntimeError("the surrounding work failed")
    assert callbacks == []
    assert not Message.objects.exists()
    assert Event.objects.count() == events_before
