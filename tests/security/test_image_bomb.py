"""Issue 12, item 6: an image whose header declares more than ``CHAT_IMAGE_MAX_PIXELS`` is
refused with 400 before it is decoded (the attack: a 140 KB PNG of 12000x12000)."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from chats.models import Attachment
from tests import factories

pytestmark = pytest.mark.django_db


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` but carries almost no data: decoding it
    would allocate the whole bitmap, reading its header costs nothing."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_12000_by_12000_png_is_refused_with_400(bob, settings):
    settings.CHAT_IMAGE_MAX_PIXELS = 40_000_000
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {factories.user_token(bob)}")
    bomb = SimpleUploadedFile("bomb.png", png_header_only(12000, 12000), content_type="image/png")

    response = client.post("/api/v1/files", {"file": bomb}, format="multipart")

    assert response.status_code == 400, response.content
    assert "error" in response.json()
    assert not Attachment.objects.exists()
