"""POST /uploads (images only, verified, thumbnailed) and the access-checked image views."""

import io
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chats.models import Attachment
from tests.api.messenger.conftest import assert_422, assert_detail, image_bytes, post_upload


def read(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_real_image_is_201_with_its_facts(as_alice, alice):
    data = image_bytes(size=(40, 30))

    response = post_upload(as_alice, data, name="photo.png")

    assert response.status_code == 201, response.content
    body = response.json()
    attachment = Attachment.objects.get(pk=body["id"])
    assert body == {
        "id": str(attachment.pk),
        "url": f"http://testserver/uploads/{attachment.pk}",
        "thumbnail_url": f"http://testserver/uploads/{attachment.pk}/thumbnail",
        "content_type": "image/png",
        "size": len(data),
        "width": 40,
        "height": 30,
    }
    assert attachment.uploaded_by == alice and attachment.message is None
    assert attachment.thumbnail


def test_the_format_is_what_the_bytes_are(as_alice):
    response = post_upload(as_alice, image_bytes(format="JPEG"), name="x.png")
    assert response.json()["content_type"] == "image/jpeg"


def test_a_fake_image_is_422_and_stores_nothing(as_alice):
    response = post_upload(as_alice, b"GIF89a but not really", name="evil.gif")

    assert_422(response, (("body", "file"), "value_error"))
    assert not Attachment.objects.exists()


def test_a_non_image_is_422_here_though_the_team_api_accepts_it(as_alice):
    response = post_upload(as_alice, b"%PDF-1.4", name="doc.pdf", content_type="application/pdf")

    assert_422(response, (("body", "file"), "value_error"))
    assert not Attachment.objects.exists()


def test_a_too_large_image_is_422(as_alice, settings):
    data = image_bytes(size=(64, 64))
    settings.CHAT_UPLOAD_MAX_BYTES = len(data) - 1

    assert_422(post_upload(as_alice, data), (("body", "file"), "value_error"))
    assert not Attachment.objects.exists()


def test_an_image_with_too_many_pixels_is_422(as_alice, settings):
    settings.CHAT_IMAGE_MAX_PIXELS = 100
    assert_422(post_upload(as_alice, image_bytes(size=(20, 20))), (("body", "file"), "value_error"))


def test_no_file_is_422_missing(as_alice):
    response = as_alice.post("/uploads", {"other": "x"}, format="multipart")
    assert_422(response, (("body", "file"), "missing"))


def test_a_json_body_is_422_missing(as_alice):
    assert_422(as_alice.post("/uploads", {"file": "x"}), (("body", "file"), "missing"))


def test_a_text_field_named_file_is_422(as_alice):
    response = as_alice.post("/uploads", {"file": "just text"}, format="multipart")
    assert_422(response, (("body", "file"), "value_error"))


# --- serving ----------------------------------------------------------------------------------


def test_the_uploader_gets_the_image_and_its_thumbnail(as_alice, settings):
    settings.CHAT_THUMBNAIL_MAX_PX = 16
    data = image_bytes(size=(64, 32))
    image = post_upload(as_alice, data).json()

    original = as_alice.get(f"/uploads/{image['id']}")
    thumbnail = as_alice.get(f"/uploads/{image['id']}/thumbnail")

    assert original.status_code == 200
    assert original["Content-Type"] == "image/png"
    assert original["X-Content-Type-Options"] == "nosniff"
    assert read(original) == data
    assert thumbnail.status_code == 200
    assert thumbnail["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(read(thumbnail))).size == (16, 8)


def test_chat_members_see_a_sent_image(as_alice, as_bob, direct_chat):
    image = post_upload(as_alice, image_bytes()).json()
    as_alice.post(f"/chats/{direct_chat.pk}/messages", {"type": "image", "image_id": image["id"]})

    assert as_bob.get(f"/uploads/{image['id']}").status_code == 200
    assert as_bob.get(f"/uploads/{image['id']}/thumbnail").status_code == 200


def test_others_get_404_for_unsent_and_sent_images(as_alice, as_bob, as_carol, direct_chat):
    unsent = post_upload(as_alice, image_bytes()).json()["id"]
    sent = post_upload(as_alice, image_bytes()).json()["id"]
    as_alice.post(f"/chats/{direct_chat.pk}/messages", {"type": "image", "image_id": sent})

    assert_detail(as_bob.get(f"/uploads/{unsent}"), 404, "Image not found")
    assert_detail(as_carol.get(f"/uploads/{sent}"), 404, "Image not found")
    assert_detail(as_carol.get(f"/uploads/{sent}/thumbnail"), 404, "Image not found")


def test_an_unknown_image_is_404_and_a_malformed_id_422(as_alice):
    assert_detail(as_alice.get(f"/uploads/{uuid.uuid4()}"), 404, "Image not found")
    assert_422(as_alice.get("/uploads/nope"), (("path", "upload_id"), "uuid_parsing"))


def test_a_team_file_that_is_not_an_image_is_not_served_here(as_alice, client_for, alice):
    upload = SimpleUploadedFile("notes.txt", b"notes", "text/plain")
    file_id = (
        client_for(alice).post("/api/v1/files", {"file": upload}, format="multipart").json()["_id"]
    )

    assert_detail(as_alice.get(f"/uploads/{file_id}"), 404, "Image not found")


def test_media_files_are_not_served_raw(as_alice, settings):
    image = Attachment.objects.get(pk=post_upload(as_alice, image_bytes()).json()["id"])

    for name in (image.file.name, image.thumbnail.name):
        response = as_alice.get(f"{settings.MEDIA_URL}{name}")
        assert response.status_code == 404
