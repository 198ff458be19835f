"""Request validation that answers the way FastAPI (pydantic v2) does.

The request shapes are DRF serializers (so the OpenAPI document describes them) built
from the fields below, whose errors carry pydantic's error ``type`` as their code and its
message as their text. ``validate`` runs the path, query and body checks of one request
together and raises one 422 listing every problem, as FastAPI does; authentication has
already happened by then (FastAPI resolves the security dependency first), and nothing
is looked up until the request is valid, so a malformed request answers 422, never 404.
"""

import email.message
import re
import uuid

from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinLengthValidator,
    MinValueValidator,
)
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail

from chatproject.api.common.bodies import loads
from chatproject.api.messenger.errors import RequestInvalid, error_item

_INTEGER = re.compile(r"^\s*[+-]?\d+\s*$")
_DROPPED_VALIDATORS = (MaxLengthValidator, MinLengthValidator, MinValueValidator, MaxValueValidator)


def _fail(type: str, msg: str):
    raise serializers.ValidationError(msg, code=type)


class _PydanticField:
    """A field that reports a JSON ``null`` as a wrong type, like pydantic, unless nullable."""

    type_error = ("value_error", "Value error")

    def run_validation(self, data=serializers.empty):
        if data is None and not self.allow_null:
            _fail(*self.type_error)
        return super().run_validation(data)

    def _drop_django_validators(self):
        # Bounds are checked in ``to_internal_value`` with pydantic's words; the attributes
        # stay for the OpenAPI document.
        self.validators = [v for v in self.validators if not isinstance(v, _DROPPED_VALIDATORS)]


class Str(_PydanticField, serializers.CharField):
    """A JSON string, kept as sent (the services trim and check text). ``schema``: what the
    document says of it beyond its type and length (the services' rules, written down)."""

    type_error = ("string_type", "Input should be a valid string")

    def __init__(self, *, schema: dict | None = None, **kwargs):
        self.schema = schema or {}
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        self._drop_django_validators()

    def to_internal_value(self, data):
        if not isinstance(data, str):
            _fail(*self.type_error)
        if self.max_length is not None and len(data) > self.max_length:
            _fail("string_too_long", f"String should have at most {self.max_length} characters")
        return data


class UUIDStr(_PydanticField, serializers.UUIDField):
    type_error = ("uuid_type", "UUID input should be a string, bytes or UUID object")

    def to_internal_value(self, data):
        if not isinstance(data, str):
            _fail(*self.type_error)
        try:
            return uuid.UUID(data)
        except ValueError:
            _fail("uuid_parsing", "Input should be a valid UUID, unable to parse string as a UUID")


class ListOf(_PydanticField, serializers.ListField):
    type_error = ("list_type", "Input should be a valid list")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._drop_django_validators()

    def to_internal_value(self, data):
        if not isinstance(data, list):
            _fail(*self.type_error)
        if self.max_length is not None and len(data) > self.max_length:
            _fail(
                "too_long",
                f"List should have at most {self.max_length} items after validation, "
                f"not {len(data)}",
            )
        return self.run_child_validation(data)


class QueryInt(_PydanticField, serializers.IntegerField):
    """An integer query parameter (a string on the wire) with pydantic's bounds messages."""

    type_error = (
        "int_parsing",
        "Input should be a valid integer, unable to parse string as an integer",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._drop_django_validators()

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | str):
            _fail(*self.type_error)
        if isinstance(data, str):
            if not _INTEGER.match(data) or len(data) > 30:
                _fail(*self.type_error)
            data = int(data)
        if self.min_value is not None and data < self.min_value:
            _fail(
                "greater_than_equal", f"Input should be greater than or equal to {self.min_value}"
            )
        if self.max_value is not None and data > self.max_value:
            _fail("less_than_equal", f"Input should be less than or equal to {self.max_value}")
        return data


class Literal(_PydanticField, serializers.Field):
    """One of a few strings (pydantic ``Literal[...]``); documented as an inline enum."""

    type_error = ("literal_error", "")

    def __init__(self, choices, **kwargs):
        self.choices = list(choices)
        super().__init__(**kwargs)
        expected = " or ".join(
            [", ".join(repr(c) for c in self.choices[:-1]), repr(self.choices[-1])]
            if len(self.choices) > 1
            else [repr(self.choices[0])]
        )
        self.type_error = ("literal_error", f"Input should be {expected}")

    def to_internal_value(self, data):
        if data not in self.choices or not isinstance(data, str):
            _fail(*self.type_error)
        return data

    def to_representation(self, value):
        return value


class StrSchema(OpenApiSerializerFieldExtension):
    """A string with its bounds (pydantic's ``max_length``: ``maxLength``)."""

    target_class = Str

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", **self.target.schema}
        if self.target.max_length is not None:
            schema["maxLength"] = self.target.max_length
        return schema


class ListOfSchema(OpenApiSerializerFieldExtension):
    """A list with its bounds (pydantic's ``max_length`` on a list: ``maxItems``)."""

    target_class = ListOf

    def map_serializer_field(self, auto_schema, direction):
        schema = {
            "type": "array",
            "items": auto_schema._map_serializer_field(self.target.child, direction),
        }
        if self.target.max_length is not None:
            schema["maxItems"] = self.target.max_length
        return schema


class LiteralSchema(OpenApiSerializerFieldExtension):
    target_class = Literal

    def map_serializer_field(self, auto_schema, direction):
        return {"type": "string", "enum": self.target.choices}


# --- running the checks ------------------------------------------------------------------


def _items(errors, data, loc: tuple) -> list[dict]:
    """Flatten DRF's nested errors into FastAPI items, each with the value at fault."""
    if isinstance(errors, dict):
        found = []
        for key, sub in errors.items():
            if key == serializers.api_settings.NON_FIELD_ERRORS_KEY:
                found += _items(sub, data, loc)
            else:
                found += _items(sub, _child(data, key), (*loc, key)) if sub else []
        return found
    found = []
    for error in errors if isinstance(errors, list) else [errors]:
        if isinstance(error, dict | list) and not isinstance(error, ErrorDetail):
            found += _items(error, data, loc)
            continue
        code = getattr(error, "code", None)
        if code == "required":
            found.append(error_item(loc, "missing", "Field required", _MISSING_INPUT))
        elif code in PYDANTIC_TYPES:
            found.append(error_item(loc, code, str(error), data))
        else:
            found.append(error_item(loc, "value_error", f"Value error, {error}", data))
    return found


# The error types the fields above raise, reported as they are; any other check's failure
# is pydantic's generic ``value_error``.
PYDANTIC_TYPES = {
    "missing",
    "string_type",
    "string_too_long",
    "uuid_type",
    "uuid_parsing",
    "list_type",
    "too_long",
    "int_parsing",
    "greater_than_equal",
    "less_than_equal",
    "literal_error",
}
_MISSING_INPUT = object()
_ABSENT = object()


def _child(data, key):
    if isinstance(data, dict):
        return data.get(key, _ABSENT)
    if isinstance(data, list) and isinstance(key, int) and 0 <= key < len(data):
        return data[key]
    return _ABSENT


def _fill_missing_inputs(items: list[dict], roots: dict) -> list[dict]:
    """pydantic reports a missing field with its parent object as the input."""
    for item in items:
        if item["input"] is _MISSING_INPUT or item["input"] is _ABSENT:
            parent = roots.get(item["loc"][0])
            for key in item["loc"][1:-1]:
                parent = _child(parent, key)
            item["input"] = None if parent is _ABSENT else parent
    return items


def check(serializer_class, data, source: str) -> tuple[dict | None, list[dict]]:
    """Validate ``data`` from ``source`` (``path``, ``query``, ``body``): (values, errors)."""
    serializer = serializer_class(data=data)
    if serializer.is_valid():
        return serializer.validated_data, []
    items = _items(serializer.errors, data, (source,))
    return None, _fill_missing_inputs(items, {source: data})


def query_dict(request) -> dict:
    """Query parameters as sent (the last value of a repeated one, as FastAPI takes)."""
    return {key: request.query_params.get(key) for key in request.query_params}


class _Unparsed:
    pass


def _declares_json(content_type: str) -> bool:
    """FastAPI's test: ``application/json`` or ``application/<anything>+json``."""
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def json_body(request) -> tuple[object, list[dict]]:
    """The JSON body as FastAPI reads one for a model, or 422 items.

    An empty body is a missing one. FastAPI parses the body as JSON when the request has
    no ``Content-Type`` or a JSON one; under any other the body is its text, which is not
    the model's object. A body that is not JSON, or nested deeper than the project's limit
    (``common.bodies``), is ``json_invalid``; anything but an object cannot be the model.
    """
    raw = request.body
    if not raw.strip():
        return _Unparsed, [error_item(("body",), "missing", "Field required", None)]
    content_type = request.META.get("CONTENT_TYPE")
    if content_type and not _declares_json(content_type):
        return _Unparsed, [_not_an_object(raw.decode("utf-8", "replace"))]
    try:
        data = loads(raw)
    except ValueError as exc:
        position = getattr(exc, "pos", 0)
        return _Unparsed, [error_item(("body", position), "json_invalid", "JSON decode error", {})]
    if not isinstance(data, dict):
        return _Unparsed, [_not_an_object(data)]
    return data, []


def _not_an_object(value) -> dict:
    return error_item(
        ("body",),
        "model_attributes_type",
        "Input should be a valid dictionary or object to extract fields from",
        value,
    )


def validate(request, *, path=None, query=None, body=None) -> dict:
    """Run every check of one request; one 422 with all problems, or the parsed values.

    ``path``/``query``/``body`` are ``(serializer_class, data)`` pairs (``data`` ``None``
    for the body means "read the JSON body"). Returns ``{"path": ..., "query": ...,
    "body": ...}``.
    """
    values: dict = {}
    errors: list[dict] = []
    for source, spec in (("path", path), ("query", query), ("body", body)):
        if spec is None:
            continue
        serializer_class, data = spec
        if source == "body" and data is None:
            data, problems = json_body(request)
            request.messenger_body = data if isinstance(data, dict) else None
            if problems:
                errors += problems
                continue
        values[source], problems = check(serializer_class, data, source)
        errors += problems
    if errors:
        raise RequestInvalid(errors)
    return values
