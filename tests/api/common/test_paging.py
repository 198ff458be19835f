"""Paging queries: bounds the database can always honour, so a huge offset is a 400."""

import pytest

from chatproject.api.common.paging import OFFSET_MAX
from tests.api.session.conftest import assert_problem
from tests.api.team.conftest import assert_error

HUGE = ["99999999999999999999", str(2**63), str(2**63 - 1), str(OFFSET_MAX + 1)]


@pytest.mark.parametrize("path", ["/api/v1/chat/threads", "/api/v1/users"])
@pytest.mark.parametrize("offset", HUGE)
def test_team_refuses_an_offset_past_the_bound(as_alice, path, offset):
    assert_error(as_alice.get(path, {"offset": offset}), 400, field="offset")


@pytest.mark.parametrize("path", ["/api/v1/chat/threads", "/api/v1/users"])
def test_team_offset_at_the_bound_is_an_empty_page(as_alice, custom_thread, path):
    response = as_alice.get(path, {"offset": OFFSET_MAX})

    assert response.status_code == 200, response.content
    assert response.json() == []


@pytest.mark.parametrize("path", ["/api/v1/chat/threads", "/api/v1/users"])
def test_team_empty_paging_parameters_mean_the_defaults(as_alice, custom_thread, path):
    response = as_alice.get(path, {"offset": "", "limit": " "})

    assert response.status_code == 200, response.content
    assert response.json()


@pytest.mark.parametrize("skip", HUGE)
def test_session_refuses_a_skip_past_the_bound(as_guest, skip):
    body = assert_problem(as_guest.get("/v1/chats", {"Skip": skip}), 400)

    assert "Skip" in body["errors"]
