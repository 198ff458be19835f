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


def optional_text_schema(*, max_length: int) -> dict:
    """Free text the services accept and may leave empty: at most ``max_length``
    characters, no NUL character."""
    return {"type": "string", "maxLength": max_length, "pattern": "^[^\\u0000]*$"}


# An http(s) URL as Django's ``URLValidator`` takes one: a host name with a top-level
# domain of 2+ letters, an optional port, then no whitespace.
HTTP_URL_PATTERN = (
    "^https?://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}"
    "(:[0-9]{1,4})?([/?#][!-~]*)?$"
)


def blank_or_schema(value: dict, *, max_length: int) -> dict:
    """An optional value the services check (an e-mail, a URL): empty, or ``value``, at
    most ``max_length`` characters."""
    return {
        "type": "string",
        "maxLength": max_length,
        "anyOf": [{"type": "string", "maxLength": 0}, {"type": "string", **value}],
    }
