"""POST /api/v1/files and GET /api/v1/files/{id}: validation and who may download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chatproject.errors import NotFound
from chats import selectors as chat_selectors
from chats import services as chat_services
from chats.models import Attachment
from tests.api.team.conftest import TeamClient, assert_error, png_bytes, send, upload

URL = "/api/v1/files"


def post_file(client, data: bytes, name="pic.png", content_type="image/png"):
    return client.post(
        URL, {"file": SimpleUploadedFile(name, data, content_type)}, format="multipart"
    )


def test_real_png_is_stored_with_its_dimensions(as_bob, bob):
    data = png_bytes(size=(6, 5))

    response = post_file(as_bob, data, name="chart.png")

    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get(pk=body["_id"])
    assert body == {
        "_id": str(attachment.id),
        "name": "chart.png",
        "size": len(data),
        "type": "image/png",
        "url": f"http://testserver/api/v1/files/{attachment.id}",
    }
    assert (attachment.width, attachment.height) == (6, 5)
    assert attachment.uploaded_by == bob and attachment.message is None


def test_text_pretending_to_be_a_png_is_refused(as_bob):
    response = post_file(as_bob, b"definitely not an image", name="evil.png")
    assert_error(response, 400, field="file")
    assert not Attachment.objects.exists()


def test_oversize_file_is_refused(as_bob, settings):
    settings.CHAT_UPLOAD_MAX_BYTES = 100
    response = post_file(as_bob, b"x" * 101, name="notes.txt", content_type="text/plain")
    assert_error(response, 400, field="file")
    assert not Attachment.objects.exists()


def test_disallowed_type_is_refused(as_bob):
    response = post_file(as_bob, b"<script>", name="page.html", content_type="text/html")
    assert_error(response, 400, field="file")
    assert not Attachment.objects.exists()


def test_missing_file_is_a_400(as_bob):
    response = as_bob.post(URL, {"other": "x"}, format="multipart")
    assert_error(response, 400, field="file")


def test_json_upload_is_a_415(as_bob):
    assert_error(as_bob.post(URL, {"file": "x"}), 415)


def test_upload_needs_a_token():
    assert_error(post_file(TeamClient(), png_bytes()), 401)


# --- downloads ------------------------------------------------------------------------------


def download(client, attachment):
    return client.get(f"{URL}/{attachment.id}")


def test_uploader_downloads_an_unsent_file(as_bob, bob):
    data = png_bytes()
    attachment = upload(bob, content=data, name="mine.png")

    response = download(as_bob, attachment)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == 'attachment; filename="mine.png"'


def test_member_of_the_thread_where_it_was_shared_downloads_it(as_alice, custom_thread, bob):
    attachment = upload(bob, name="shared.png")
    send(custom_thread, bob, "", attachments=[attachment])
    assert download(as_alice, attachment).status_code == 200


def test_unsent_file_is_a_404_for_everyone_else(as_alice, bob):
    assert_error(download(as_alice, upload(bob)), 404)


def test_stranger_gets_a_404(as_carol, custom_thread, bob):
    attachment = upload(bob)
    send(custom_thread, bob, "", attachments=[attachment])
    assert_error(download(as_carol, attachment), 404)


def test_file_of_a_removed_message_is_only_the_uploaders(as_alice, as_bob, custom_thread, bob):
    attachment = upload(bob)
    message = send(custom_thread, bob, "", attachments=[attachment])
    chat_services.message_remove(message=message, actor=bob)
    assert_error(download(as_alice, attachment), 404)
    assert download(as_bob, attachment).status_code == 200


@pytest.mark.parametrize("file_id", ["nope", "00000000-0000-0000-0000-000000000000"])
def test_unknown_file_is_a_404(as_bob, file_id):
    assert_error(as_bob.get(f"{URL}/{file_id}"), 404)


def test_download_permission_selector_agrees(custom_thread, alice, bob, carol):
    attachment = upload(bob)
    send(custom_thread, bob, "", attachments=[attachment])
    assert chat_selectors.attachment_get_for_user(user=alice, attachment_id=attachment.id)
    with pytest.raises(NotFound):
        chat_selectors.attachment_get_for_user(user=carol, attachment_id=attachment.id)


def test_file_sent_in_the_api_is_listed_with_its_download_url(as_bob, as_alice, custom_thread):
    file_id = post_file(as_bob, png_bytes()).json()["_id"]
    as_bob.post("/api/v1/chat/messages", {"thread": str(custom_thread.id), "files": [file_id]})
    [message] = as_alice.get(f"/api/v1/chat/threads/{custom_thread.id}/messages").json()
    [file] = message["files"]
    assert file["_id"] == file_id
    response = as_alice.get(file["url"].removeprefix("http://testserver"))
    assert response.status_code == 200
