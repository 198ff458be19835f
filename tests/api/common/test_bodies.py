"""JSON bodies on every surface: too deep, not an object or not JSON is a 400 in the
surface's own format, never a 500, and changes nothing."""

import pytest

from chatproject.api.common.bodies import MAX_DEPTH, TooDeep, loads
from chats.models import Message
from tests.api.session.conftest import assert_problem
from tests.api.team.conftest import assert_error

VERY_DEEP = "[" * 10_000 + "]" * 10_000
# Parses without exhausting the stack, but still deeper than any document of ours.
DEEP = '{"message": ' + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "}"


def test_loads_refuses_nesting_past_the_limit_with_a_value_error():
    with pytest.raises(TooDeep):
        loads(VERY_DEEP)
    with pytest.raises(TooDeep):
        loads("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    assert loads("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None
    assert issubclass(TooDeep, ValueError)


def test_loads_refuses_non_json_constants():
    with pytest.raises(ValueError):
        loads('{"a": NaN}')


@pytest.mark.parametrize("body", [VERY_DEEP, DEEP, "{", "NaN"])
def test_session_answers_a_bad_json_body_with_a_problem(as_guest, body):
    response = as_guest.post("/v1/chats", body, content_type="application/json")

    assert_problem(response, 400)
    assert not Message.objects.exists()


def test_session_parses_its_other_json_media_types_with_the_same_limit(as_guest):
    for media_type in ("text/json", "application/problem+json"):
        response = as_guest.post("/v1/chats", VERY_DEEP, content_type=media_type)
        assert_problem(response, 400)


@pytest.mark.parametrize("body", ["[]", '"hi"', "5", "null"])
def test_session_wants_a_json_object(as_guest, body):
    body = assert_problem(as_guest.post("/v1/chats", body, content_type="application/json"), 400)

    assert body["errors"] == {"body": ["A JSON object is required."]}


@pytest.mark.parametrize("body", [VERY_DEEP, DEEP.replace("message", "content"), "{"])
def test_team_answers_a_bad_json_body_with_its_error(as_alice, custom_thread, body):
    response = as_alice.post("/api/v1/chat/messages", body, content_type="application/json")

    assert_error(response, 400, field=None)
    assert not Message.objects.exists()


@pytest.mark.parametrize("body", ["[]", '"hi"', "5"])
def test_team_wants_a_json_object(as_alice, body):
    response = as_alice.post("/api/v1/chat/messages", body, content_type="application/json")

    assert_error(response, 400, field=None)


def test_every_surface_parses_json_with_the_depth_limited_parser():
    """New surfaces get the limit by default (it is the project's default JSON parser)."""
    from rest_framework.settings import api_settings

    from chatproject.api.common.bodies import JSONParser

    json_parsers = [p for p in api_settings.DEFAULT_PARSER_CLASSES if "json" in p.media_type]
    assert json_parsers and all(issubclass(p, JSONParser) for p in json_parsers)
