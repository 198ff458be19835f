"""Malformed ids: in a path they name nothing (404); in a body or query they are bad
input naming the field (400)."""

import uuid

import pytest

from chatproject.api.common.ids import body_id, body_ids, path_id
from chatproject.errors import InvalidInput, NotFound
from chats.models import Message
from tests.api.session.conftest import assert_problem
from tests.api.team.conftest import assert_error

MALFORMED = ["nope", "1234", "00000000-0000-0000-0000-00000000000g", "x" * 5000]


@pytest.mark.parametrize("value", MALFORMED)
def test_path_id_is_a_404(value):
    with pytest.raises(NotFound):
        path_id(value)


@pytest.mark.parametrize("value", [*MALFORMED, 5, None, ["a"]])
def test_body_id_is_a_400_naming_the_field(value):
    with pytest.raises(InvalidInput) as raised:
        body_id(value, field="replyTo")

    assert raised.value.field == "replyTo"


def test_body_ids_parse_every_value_or_none():
    good = uuid.uuid4()

    assert body_ids([str(good), f" {good} "], field="ids") == [good, good]
    with pytest.raises(InvalidInput):
        body_ids([str(good), "nope"], field="ids")


def test_team_malformed_id_in_path_is_a_404(as_alice):
    assert_error(as_alice.get("/api/v1/chat/threads/nope"), 404)
    assert_error(as_alice.get("/api/v1/chat/threads/nope/messages"), 404)
    assert_error(as_alice.post("/api/v1/chat/messages/nope/likes"), 404)
    assert_error(as_alice.get("/api/v1/files/nope"), 404)


@pytest.mark.parametrize("field", ["thread", "to", "replyTo"])
def test_team_malformed_id_in_body_is_a_400_naming_the_field(as_alice, custom_thread, field):
    body = {"thread": str(custom_thread.pk), "content": "hi"}
    if field == "to":
        body = {"to": "nope", "content": "hi"}
    else:
        body[field] = "nope"

    assert_error(as_alice.post("/api/v1/chat/messages", body), 400, field=field)
    assert not Message.objects.exists()


def test_team_malformed_id_in_query_is_a_400_naming_the_parameter(as_alice, custom_thread):
    path = f"/api/v1/chat/threads/{custom_thread.pk}/messages"

    assert_error(as_alice.get(path, {"after": "nope"}), 400, field="after")


def test_session_malformed_id_in_path_is_a_404(as_guest):
    assert_problem(as_guest.delete("/v1/chats/nope"), 404)
    assert_problem(as_guest.post("/v1/chats/nope/reactions", {"reaction": "x"}), 404)
    assert_problem(as_guest.post("/v1/chats/nope/pins"), 404)


def test_session_malformed_id_in_query_is_a_400_naming_the_parameter(as_guest):
    body = assert_problem(as_guest.get("/v1/chats/reactions", {"chatId": "nope"}), 400)

    assert set(body["errors"]) == {"chatId"}
