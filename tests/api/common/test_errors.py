"""One classification of errors; the surfaces only render it."""

import pytest
from django.http import Http404
from rest_framework import exceptions, serializers

from chatproject.api.common.errors import Kind, classify
from chatproject.errors import Conflict, InvalidInput, NotFound

WIRE = {"text": "content", "reply_to": "replyTo"}


def test_a_domain_error_keeps_its_status_and_names_the_wire_field():
    failure = classify(InvalidInput("Too long.", field="text"), wire_fields=WIRE)

    assert (failure.kind, failure.status, failure.field) == (Kind.DOMAIN, 400, "content")
    assert failure.errors == {"content": ["Too long."]}


def test_a_domain_field_without_a_wire_name_keeps_its_name():
    assert classify(InvalidInput("x", field="files"), wire_fields=WIRE).field == "files"


@pytest.mark.parametrize(("exc", "status"), [(NotFound("x"), 404), (Conflict("x"), 409)])
def test_domain_errors_without_a_field(exc, status):
    failure = classify(exc, wire_fields=WIRE)

    assert (failure.status, failure.field, failure.errors) == (status, None, {})


def test_http404_is_a_plain_not_found():
    failure = classify(Http404("secret detail"), wire_fields=WIRE)

    assert (failure.kind, failure.status, failure.message) == (Kind.NOT_FOUND, 404, "Not found.")


def test_a_validation_error_names_its_first_field_and_flattens_nested_messages():
    exc = serializers.ValidationError({"files": {0: ["Must be a valid UUID."]}, "to": ["No."]})

    failure = classify(exc, wire_fields=WIRE)

    assert (failure.kind, failure.field, failure.message) == (
        Kind.VALIDATION,
        "files",
        "Must be a valid UUID.",
    )
    assert failure.errors == {"files": ["Must be a valid UUID."], "to": ["No."]}


@pytest.mark.parametrize("key", ["body", "non_field_errors"])
def test_a_validation_error_of_the_whole_body_names_no_field(key):
    failure = classify(serializers.ValidationError({key: ["Bad."]}), wire_fields=WIRE)

    assert (failure.field, failure.message) == (None, "Bad.")


def test_authentication_failures_carry_the_views_challenge():
    exc = exceptions.AuthenticationFailed("Invalid token.")
    exc.auth_header = 'Bearer realm="api"'

    failure = classify(exc, wire_fields=WIRE)

    assert (failure.kind, failure.status, failure.www_authenticate) == (
        Kind.AUTH,
        401,
        'Bearer realm="api"',
    )


def test_throttling_says_when_to_retry():
    failure = classify(exceptions.Throttled(wait=7), wire_fields=WIRE)

    assert (failure.kind, failure.status, failure.headers()) == (
        Kind.THROTTLED,
        429,
        {"Retry-After": "7"},
    )


def test_other_api_errors_keep_their_status():
    failure = classify(exceptions.MethodNotAllowed("PUT"), wire_fields=WIRE)

    assert (failure.kind, failure.status) == (Kind.API, 405)


def test_a_bug_is_not_classified():
    assert classify(ZeroDivisionError(), wire_fields=WIRE) is None
