"""JSON request bodies: parsed with a nesting limit, and required to be an object.

Python's parser recurses once per ``[``/``{``; ten thousand of them exhaust the stack
and DRF would answer a 500. No document of ours nests deeper than a few levels, so a
body deeper than ``MAX_DEPTH`` is refused as malformed (a 400 in the surface's format),
whether the parser ran out of stack or not. Every surface parses JSON with
:class:`JSONParser` (it is also the project's default parser).
"""

import codecs
import json

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions, parsers, serializers
from rest_framework.utils.json import strict_constant

MAX_DEPTH = 64


class TooDeep(ValueError):
    """A JSON document nested deeper than ``MAX_DEPTH``."""


def _check_depth(value, limit: int) -> None:
    # Iterative, so checking a deep document cannot itself exhaust the stack.
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise TooDeep(f"JSON nested deeper than {limit} levels.")
        stack.extend((child, depth + 1) for child in children)


def loads(text: str | bytes, *, max_depth: int = MAX_DEPTH, strict: bool = True):
    """``json.loads`` that raises ``ValueError`` (never ``RecursionError``) for deep input.

    For any caller that reads JSON from a client, e.g. a websocket frame. ``strict``
    refuses ``NaN``/``Infinity``, which are not JSON.
    """
    try:
        value = json.loads(text, parse_constant=strict_constant if strict else None)
    except RecursionError:
        raise TooDeep(f"JSON nested deeper than {max_depth} levels.") from None
    _check_depth(value, max_depth)
    return value


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with the nesting limit; a too-deep body is a ``ParseError`` (400)."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        # Django checks DATA_UPLOAD_MAX_MEMORY_SIZE for forms but not for a body read as a
        # stream: a JSON document is held whole (and its objects are bigger still), so it
        # gets the same limit (``RequestDataTooBig``, a 413 in the surface's format).
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("Request body exceeded settings.DATA_UPLOAD_MAX_MEMORY_SIZE.")
        try:
            text = codecs.decode(raw, encoding)
            return loads(text, strict=self.strict)
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None


def parse_body(request, serializer_class, **kwargs) -> dict:
    """The request's JSON object, validated by ``serializer_class``.

    A body that is not a JSON object (an array, a string, nothing) is a validation error
    on ``body``; each surface renders it in its own format.
    """
    if not isinstance(request.data, dict):
        raise serializers.ValidationError({"body": ["A JSON object is required."]})
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class PatchBody(serializers.Serializer):
    """A PATCH body: a field it does not take is refused, named, rather than ignored.

    A client that sends ``{"isRemoved": true}`` in a PATCH must not be told 200 and believe
    it changed something; a POST may carry fields a client keeps for itself, a PATCH says
    what to change. The schema says so (``additionalProperties: false``, through
    ``common.schema.DocumentedRules``).
    """

    schema_rules = {"additionalProperties": False}

    def validate(self, attrs):
        if isinstance(self.initial_data, dict):
            for name in self.initial_data:
                if name not in self.fields:
                    allowed = ", ".join(self.fields)
                    raise serializers.ValidationError(
                        {name: [f"This field cannot be changed here (only {allowed})."]}
                    )
        return attrs
