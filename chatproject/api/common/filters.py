"""List queries as django-filter ``FilterSet``s: one declaration per list.

A list's ``FilterSet`` is where its query parameters are declared: their types and
bounds (the form validates them), their defaults (a field's ``initial``), their help
text, and from all that the OpenAPI parameters (:func:`query_parameters`). The selector
the view calls does the database work (keyset pages, sorting, search), so a view reads
``SomeQuery.parse(request.query_params)`` and passes the values on.

An invalid query raises a DRF ``ValidationError`` keyed by parameter name, so every
surface renders it in its own format like any other bad input.
"""

import functools
import re

import django_filters
from django import forms
from django.http import QueryDict
from drf_spectacular.plumbing import build_choice_description_list
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers


class IntegerFilter(django_filters.Filter):
    """An integer parameter (``min_value``/``max_value`` bound it)."""

    field_class = forms.IntegerField


class _Unqueried:
    """Stands in for the queryset of a FilterSet that parses a query and filters nothing."""

    model = None


class QueryFilterSet(django_filters.FilterSet):
    """Base of every list query of the surfaces.

    ``empty_is_absent``: whether ``?after=`` means the same as no ``after`` (Team) or is
    a malformed value (Session, whose seed gives defaults for *absent* values only).
    ``names_ignore_case``: whether ``?skip=`` is ``Skip`` (Session, an ASP.NET service,
    whose query binding ignores case).
    """

    empty_is_absent = True
    names_ignore_case = False

    def __init__(self, data=None, **kwargs):
        data = {} if data is None else data
        if self.names_ignore_case:
            data = self._declared_names(data)
        if self.empty_is_absent and isinstance(data, QueryDict):
            # Keep every value of a repeated parameter (``?ids=a&ids=b``), minus empty ones.
            kept = QueryDict(mutable=True)
            for key, values in data.lists():
                if values := [v for v in values if str(v).strip()]:
                    kept.setlist(key, values)
            data = kept
        elif self.empty_is_absent:
            data = {k: v for k, v in data.items() if str(v).strip()}
        # The selector does the querying (keyset pages, sorts, search in one query), so
        # this FilterSet parses only and is never asked for ``.qs``.
        super().__init__(data, queryset=_Unqueried(), **kwargs)
        for name, filter_ in self.filters.items():
            if filter_._label is None:
                filter_.label = name  # (django-filter would look the name up in a model)

    def _declared_names(self, data):
        """``data`` with each parameter named as declared, whatever case it came in."""
        names = {name.lower(): name for name in self.base_filters}
        if isinstance(data, QueryDict):
            renamed = QueryDict(mutable=True)
            for key, values in data.lists():
                for value in values:
                    renamed.appendlist(names.get(key.lower(), key), value)
            return renamed
        return {names.get(key.lower(), key): value for key, value in data.items()}

    @classmethod
    def parse(cls, data) -> dict:
        """``cls(data).cleaned()``, remembered per query string.

        Building a FilterSet deep-copies its filters, makes a form class and a form, and
        cleans every field: about 0.45 ms, a sixth of a whole cached history read. A query
        is a few short strings, and clients ask the same ones over and over (``limit=20``
        for every re-read), so the answer to each recent well-formed query is kept (see
        ``_parse_remembered``). A bad query is not remembered: its error is rendered in the
        caller's language each time.
        """
        key = _query_key(data)
        if key is None:
            return cls(data).cleaned()
        return {
            name: list(value) if isinstance(value, list) else value
            for name, value in _parse_remembered(cls, key).items()
        }

    def cleaned(self) -> dict:
        """The parameters given, plus defaults of those absent; raises a 400 if any is bad.

        An absent parameter without a default is not in the answer (as with serializers).
        """
        if not self.is_valid():
            raise serializers.ValidationError(
                {
                    name: [message for error in errors for message in error.messages]
                    for name, errors in self.form.errors.as_data().items()
                }
            )
        data = {}
        for name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(name)
            if value in (None, ""):
                value = field.initial
            if value is not None:
                data[name] = value
        return data


# Bounds on what ``QueryFilterSet.parse`` remembers: queries are attacker-chosen, so only
# short ones are kept, and only the most recent of them.
_REMEMBERED_QUERIES = 1024
_REMEMBERED_QUERY_CHARS = 1024


def _query_key(data) -> tuple | None:
    """The query as a hashable key, or ``None`` when it is not one to remember."""
    if not isinstance(data, QueryDict):
        return None
    key = tuple((name, tuple(values)) for name, values in data.lists())
    if sum(len(name) + sum(map(len, values)) for name, values in key) > _REMEMBERED_QUERY_CHARS:
        return None
    return key


@functools.lru_cache(maxsize=_REMEMBERED_QUERIES)
def _parse_remembered(cls: type[QueryFilterSet], key: tuple) -> dict:
    """The cleaned query of ``key`` (shared: ``parse`` hands out copies). ``lru_cache``
    keeps no answer when the query is bad (it raises)."""
    data = QueryDict(mutable=True)
    for name, values in key:
        data.setlist(name, list(values))
    return cls(data).cleaned()


# --- strict fields: a value that is present must parse, even when empty ---------------


class StrictIntegerField(forms.IntegerField):
    """Digits only: ``5.0`` or ``1e3`` is malformed, not rounded; ``?Take=`` is malformed."""

    empty_values = [None]
    default_error_messages = {"invalid": "A valid integer is required."}

    def to_python(self, value):
        if value is None:
            return None
        if not isinstance(value, str) or not re.fullmatch(r"\s*[+-]?\d{1,12}\s*", value):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(value)


class StrictBooleanField(forms.Field):
    """``true``/``false`` only (any case): ``maybe`` is an error, not a guess."""

    empty_values = [None]
    default_error_messages = {"invalid": "Must be a valid boolean."}

    def to_python(self, value):
        if value is None:
            return None
        if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
            return value.strip().lower() == "true"
        raise forms.ValidationError(self.error_messages["invalid"], code="invalid")


class StrictChoiceField(forms.ChoiceField):
    """One of the choices, or one of their ``aliases`` (other spellings of the same value)."""

    empty_values = [None]

    def __init__(self, *, aliases: dict | None = None, **kwargs):
        self.aliases = aliases or {}
        super().__init__(**kwargs)

    def to_python(self, value):
        if value is None:
            return None
        value = self.aliases.get(value, value)
        if not self.valid_value(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return value


class MultiValueField(forms.Field):
    """One value or many: ``?ids=a&ids=b``, and also ``?ids=a,b`` (no value of ours holds a
    comma: ids are UUIDs, choices are words). Each value is cleaned by ``child``; the
    answer is a list without repeats, in the order given (``[]`` when absent)."""

    widget = forms.MultipleHiddenInput  # reads every value of a repeated parameter

    def __init__(self, *, child: forms.Field, max_values: int = 100, **kwargs):
        self.child = child
        self.max_values = max_values
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def to_python(self, value):
        if value in (None, "", []):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        parts = [p.strip() for v in values for p in str(v).split(",") if p.strip()]
        if len(parts) > self.max_values:
            raise forms.ValidationError(f"At most {self.max_values} values.", code="max_values")
        cleaned = [self.child.clean(p) for p in parts]
        return list(dict.fromkeys(cleaned))


class MultiUUIDFilter(django_filters.Filter):
    """A list of UUIDs (see :class:`MultiValueField`)."""

    field_class = MultiValueField

    def __init__(self, **kwargs):
        kwargs.setdefault("child", forms.UUIDField())
        super().__init__(**kwargs)


class MultiChoiceFilter(django_filters.Filter):
    """A list of choices (see :class:`MultiValueField`)."""

    field_class = MultiValueField

    def __init__(self, *, choices, **kwargs):
        kwargs.setdefault("child", forms.ChoiceField(choices=choices))
        super().__init__(**kwargs)


class DateTimeFilter(django_filters.Filter):
    """An ISO 8601 date-time (``2026-01-31T12:00:00Z``); without an offset, UTC."""

    field_class = django_filters.fields.IsoDateTimeField


class StrictIntegerFilter(django_filters.Filter):
    field_class = StrictIntegerField


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class StrictChoiceFilter(django_filters.Filter):
    field_class = StrictChoiceField


# --- OpenAPI ---------------------------------------------------------------------------


def _schema(field: forms.Field) -> dict:
    if isinstance(field, MultiValueField):
        schema = {"type": "array", "items": _schema(field.child)}
        schema["items"].pop("minLength", None)
        schema["maxItems"] = field.max_values
        return schema
    if isinstance(field, forms.DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, forms.IntegerField):
        schema: dict = {"type": "integer"}
        if field.max_value is not None:
            schema["maximum"] = field.max_value
        if field.min_value is not None:
            schema["minimum"] = field.min_value
    elif isinstance(field, StrictBooleanField | forms.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, forms.UUIDField):
        schema = {"type": "string", "format": "uuid"}
    elif isinstance(field, forms.ChoiceField):
        schema = {"enum": [value for value, _ in field.choices], "type": "string"}
    elif isinstance(field, forms.CharField):
        schema = {"type": "string", "minLength": 1}
        if field.max_length is not None:
            schema["maxLength"] = field.max_length
    else:
        raise TypeError(f"No OpenAPI type for {type(field).__name__}")
    if field.initial is not None:
        schema["default"] = field.initial
    if isinstance(field, forms.ChoiceField):
        schema["minLength"] = 1
    return schema


# Marks a parameter whose empty value means "absent" (OpenAPI ``allowEmptyValue``, which
# drf-spectacular's ``OpenApiParameter`` cannot set; ``SurfaceAutoSchema`` swaps it in).
EMPTY_IS_ABSENT = "x-empty-is-absent"


def query_parameters(filterset_class: type[QueryFilterSet]) -> list[OpenApiParameter]:
    """The OpenAPI query parameters of a list, from its ``FilterSet`` (for ``extend_schema``)."""
    form = filterset_class().form
    parameters = []
    for name, field in form.fields.items():
        description = str(field.help_text) or None
        if isinstance(field, forms.ChoiceField) and not description:
            description = build_choice_description_list(field.choices)
        schema = _schema(field)
        extensions = None
        if filterset_class.empty_is_absent:
            # ``?search=`` or ``?after=`` is no filter, not a malformed one: the document
            # says so with ``allowEmptyValue`` (``SurfaceAutoSchema`` writes it).
            schema.pop("minLength", None)
            extensions = {EMPTY_IS_ABSENT: True}
        parameters.append(
            OpenApiParameter(
                name,
                type=schema,
                location=OpenApiParameter.QUERY,
                description=description,
                # A list is the parameter repeated: ``?ids=a&ids=b``.
                explode=True if schema["type"] == "array" else None,
                extensions=extensions,
            )
        )
    return parameters
