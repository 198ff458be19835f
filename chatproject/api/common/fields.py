"""Serializer fields that take a JSON value only in the type the documents declare.

DRF is lenient by default (``5`` becomes the text ``"5"``, an integer becomes a UUID);
a client that sends the wrong type has a bug we should tell it about, not guess around.
"""

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A JSON string only: ``{"text": 5}`` is an error, not the text "5"."""

    default_error_messages = {"invalid": "Must be a string."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID string only (DRF would also take an integer)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


# What ``str.strip()`` removes (``str.isspace()``), and NUL, in regex character-class form.
_TRIMMED = (
    "\\u0000\\t-\\r\\u001c-\\u0020\\u0085\\u00a0\\u1680\\u2000-\\u200a"
    "\\u2028\\u2029\\u202f\\u205f\\u3000"
)


def text_schema(*, max_length: int) -> dict:
    """The OpenAPI schema of a message text the services accept: 1..``max_length``
    characters, not only whitespace (the text is trimmed), no NUL character."""
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_length,
        "pattern": f"^[^\\u0000]*[^{_TRIMMED}][^\\u0000]*$",
    }
