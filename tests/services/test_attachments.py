"""chats.services.attachment_create: size limit, allowed types, images verified by decoding."""

import io
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from chatproject.errors import InvalidInput
from chats import services
from chats.models import Attachment
from tests.services.helpers import png_bytes, upload


def image_bytes(fmt: str, size=(5, 7)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format=fmt)
    return buffer.getvalue()


def test_png_is_stored_with_its_real_dimensions(bob):
    data = png_bytes(size=(4, 3))
    attachment = upload(bob, content=data, name="pic.png")

    stored = Attachment.objects.get(pk=attachment.pk)
    assert stored.uploaded_by == bob and stored.message is None
    assert (stored.width, stored.height) == (4, 3)
    assert stored.content_type == "image/png" and stored.size == len(data)
    assert stored.name == "pic.png" and stored.is_image
    with stored.file.open("rb") as f:
        assert f.read() == data


def test_stored_path_is_random_and_the_users_name_is_only_data(bob):
    attachment = upload(bob, name="..\\..//etc/passwd.png")
    assert attachment.name == "passwd.png"
    assert "passwd" not in attachment.file.name and ".." not in attachment.file.name


def test_image_type_is_what_the_bytes_are_not_what_the_client_says(bob):
    attachment = upload(bob, content=png_bytes(), name="photo.jpg", content_type="image/jpeg")
    assert attachment.content_type == "image/png"


def test_content_type_parameters_and_case_are_ignored(bob):
    attachment = upload(bob, content_type="Image/PNG; charset=binary")
    assert attachment.content_type == "image/png"


@pytest.mark.parametrize(("fmt", "content_type"), [("JPEG", "image/jpeg"), ("GIF", "image/gif")])
def test_other_allowed_image_formats(bob, fmt, content_type):
    attachment = upload(bob, content=image_bytes(fmt), name="x", content_type=content_type)
    assert (attachment.width, attachment.height, attachment.content_type) == (5, 7, content_type)


def test_allowed_non_image_has_no_dimensions(bob):
    attachment = upload(bob, content=b"meeting notes", name="notes.txt", content_type="text/plain")
    assert attachment.content_type == "text/plain"
    assert attachment.width is None and attachment.height is None and not attachment.is_image


def test_file_claiming_to_be_a_png_but_not_an_image_is_refused(bob):
    with pytest.raises(InvalidInput) as error:
        upload(bob, content=b"\x89PNG\r\n\x1a\n but not really a picture", name="x.png")
    assert error.value.field == "file"
    assert not Attachment.objects.exists()


def test_truncated_png_is_refused(bob):
    with pytest.raises(InvalidInput):
        upload(bob, content=png_bytes(size=(64, 64))[:60], name="cut.png")
    assert not Attachment.objects.exists()


def test_disallowed_type_is_refused(bob):
    with pytest.raises(InvalidInput) as error:
        upload(bob, content=b"MZ\x90\x00", name="x.exe", content_type="application/x-msdownload")
    assert error.value.field == "file"
    assert not Attachment.objects.exists()


def test_image_format_outside_the_allowed_list_is_refused(bob, settings):
    settings.CHAT_UPLOAD_ALLOWED_TYPES = ["image/png"]
    with pytest.raises(InvalidInput):
        upload(bob, content=image_bytes("GIF"), name="x.png", content_type="image/png")
    assert not Attachment.objects.exists()


def test_oversize_file_is_refused(bob, settings):
    settings.CHAT_UPLOAD_MAX_BYTES = 10
    upload(bob, content=b"x" * 10, name="ok.txt", content_type="text/plain")
    with pytest.raises(InvalidInput) as error:
        upload(bob, content=b"x" * 11, name="big.txt", content_type="text/plain")
    assert error.value.field == "file"
    assert error.value.detail == "The file is larger than 10 bytes."
    assert Attachment.objects.count() == 1


@pytest.mark.parametrize(
    ("limit", "said"),
    [(10 * 1024 * 1024, "10 MB"), (1536 * 1024, "1.5 MB"), (2048, "2 KB"), (1 << 30, "1 GB")],
)
def test_the_size_limit_is_said_as_people_read_it(bob, settings, limit, said):
    settings.CHAT_UPLOAD_MAX_BYTES = limit
    big = SimpleUploadedFile("big.txt", b"", content_type="text/plain")
    big.size = limit + 1  # (the check reads the size; no need to hold the bytes)

    with pytest.raises(InvalidInput) as error:
        services.attachment_create(uploaded_by=bob, file=big)

    assert error.value.detail == f"The file is larger than {said}."


def test_empty_file_is_refused(bob):
    with pytest.raises(InvalidInput):
        upload(bob, content=b"", name="empty.txt", content_type="text/plain")
    assert not Attachment.objects.exists()


# --- thumbnails and narrower type lists -----------------------------------------------------


def thumbnail_of(attachment) -> Image.Image:
    with attachment.thumbnail.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
        image.load()
    return image


def test_an_opaque_image_gets_a_jpeg_thumbnail_within_the_size_limit(bob, settings):
    settings.CHAT_THUMBNAIL_MAX_PX = 50
    attachment = upload(bob, content=image_bytes("PNG", size=(200, 100)), name="wide.png")

    thumbnail = thumbnail_of(Attachment.objects.get(pk=attachment.pk))
    assert thumbnail.format == "JPEG" and thumbnail.size == (50, 25)
    assert attachment.thumbnail.name.endswith(".jpg")


def test_a_transparent_image_keeps_its_transparency_in_a_png_thumbnail(bob):
    buffer = io.BytesIO()
    Image.new("RGBA", (8, 8), (0, 0, 0, 0)).save(buffer, format="PNG")
    attachment = upload(bob, content=buffer.getvalue(), name="clear.png")

    thumbnail = thumbnail_of(attachment)
    assert thumbnail.format == "PNG" and thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((0, 0))[3] == 0


def test_a_small_image_is_not_enlarged(bob):
    attachment = upload(bob, content=image_bytes("PNG", size=(5, 7)))
    assert thumbnail_of(attachment).size == (5, 7)


def test_other_files_have_no_thumbnail(bob):
    attachment = upload(bob, content=b"notes", name="notes.txt", content_type="text/plain")
    assert not attachment.thumbnail


def test_allowed_types_narrows_the_settings_list(bob):
    with pytest.raises(InvalidInput) as error:
        upload(
            bob,
            content=b"notes",
            name="notes.txt",
            content_type="text/plain",
            allowed_types=["image/png"],
        )
    assert error.value.field == "file"
    assert not Attachment.objects.exists()


def test_allowed_types_cannot_widen_the_settings_list(bob, settings):
    settings.CHAT_UPLOAD_ALLOWED_TYPES = ["image/png"]
    with pytest.raises(InvalidInput):
        upload(
            bob,
            content=image_bytes("GIF"),
            name="a.gif",
            content_type="image/gif",
            allowed_types=["image/gif"],
        )
    assert not Attachment.objects.exists()


def test_an_image_with_too_many_pixels_is_refused_before_decoding(bob, settings):
    settings.CHAT_IMAGE_MAX_PIXELS = 99
    with pytest.raises(InvalidInput) as error:
        upload(bob, content=image_bytes("PNG", size=(10, 10)))
    assert error.value.field == "file"
    assert not Attachment.objects.exists()


def test_a_photo_taken_sideways_gets_an_upright_thumbnail(bob, settings):
    settings.CHAT_THUMBNAIL_MAX_PX = 50
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: the camera was turned; show it rotated 90° clockwise
    buffer = io.BytesIO()
    Image.new("RGB", (200, 100), (200, 30, 30)).save(buffer, format="JPEG", exif=exif)

    attachment = upload(bob, content=buffer.getvalue(), name="photo.jpg", content_type="image/jpeg")

    assert (attachment.width, attachment.height) == (200, 100)  # the file as stored
    assert thumbnail_of(attachment).size == (25, 50)  # shown upright, within the limit


def test_an_image_costs_one_decoded_bitmap_not_copies_of_it(tmp_path):
    """Peak memory of checking a 36-megapixel image (a 108 MB bitmap), in a fresh process
    so that the peak is this image's alone: the thumbnail is made without full-size copies
    (before, turning and converting each copied the bitmap)."""
    script = tmp_path / "measure.py"
    script.write_text(
        "import io, resource\n"
        "import django; django.setup()\n"
        "from PIL import Image\n"
        "from django.core.files.uploadedfile import SimpleUploadedFile\n"
        "from chats.services import _verify_image\n"
        "buffer = io.BytesIO()\n"
        "Image.new('RGB', (6000, 6000), (10, 20, 30)).save(buffer, format='PNG')\n"
        "data = buffer.getvalue()\n"
        "import gc; gc.collect()\n"
        "def peak(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024\n"
        "before = peak()\n"
        "_verify_image(SimpleUploadedFile('x.png', data), allowed={'image/png'})\n"
        "print(peak() - before)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatproject.settings",
        "SECRET_KEY": "x",
        "PYTHONPATH": str(django_settings.BASE_DIR),  # this checkout, not an installed copy
    }
    out = subprocess.run(
        [sys.executable, str(script)],
        env=env,
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    bitmap = 6000 * 6000 * 3
    # Creating the test image already took one bitmap's worth of peak before measuring,
    # so what shows is the growth past it: with copies it was about two bitmaps more.
    assert int(out.split()[-1]) < bitmap * 0.6, out


def test_images_are_decoded_one_at_a_time(bob, monkeypatch):
    from chats import services

    seen = []
    original = Image.Image.load

    def load(self):
        seen.append(services._DECODING.locked())
        return original(self)

    content = image_bytes("PNG", size=(10, 10))
    monkeypatch.setattr(Image.Image, "load", load)
    upload(bob, content=content)

    assert seen and all(seen)
