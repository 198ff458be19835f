"""GET /api/v1/users and /api/v1/users/me."""

import pytest

from chatproject.accounts.models import AccessToken
from chatproject.accounts.services import token_authenticate, token_issue, token_revoke
from tests import factories
from tests.api.team.conftest import TeamClient, assert_error
from threads import services as thread_services


def test_me(as_alice, alice):
    assert as_alice.get("/api/v1/users/me").json() == {
        "_id": str(alice.id),
        "username": "alice",
        "name": "Alice",
    }


def test_people_are_those_of_my_workspaces_by_username(as_alice, alice, bob, carol, outsider):
    response = as_alice.get("/api/v1/users")
    assert response.status_code == 200
    assert [p["username"] for p in response.json()] == ["alice", "bob", "carol"]
    assert set(response.json()[1]) == {"_id", "username", "name"}


def test_people_of_a_second_workspace_are_included(client_for, alice, outsider):
    thread_services.workspace_member_add(
        workspace=outsider.workspace_memberships.get().workspace, user=alice
    )
    usernames = [p["username"] for p in client_for(alice).get("/api/v1/users").json()]
    assert "outsider" in usernames


def test_inactive_users_are_not_listed(as_alice, make_user):
    make_user(username="ghost", is_active=False)
    assert "ghost" not in [p["username"] for p in as_alice.get("/api/v1/users").json()]


def test_people_are_paged(as_alice, make_user, alice):
    for i in range(5):
        make_user(username=f"p{i}")
    page1 = as_alice.get("/api/v1/users", {"limit": 3}).json()
    page2 = as_alice.get("/api/v1/users", {"limit": 3, "offset": 3}).json()
    assert [p["username"] for p in page1 + page2] == ["alice", "p0", "p1", "p2", "p3", "p4"]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"offset": "x"}])
def test_bad_paging_is_a_400(as_alice, params):
    assert_error(as_alice.get("/api/v1/users", params), 400, field=next(iter(params)))


@pytest.mark.parametrize("n", [3, 30])
def test_people_list_takes_the_same_queries_at_any_size(
    as_alice, make_user, n, django_assert_num_queries
):
    for _ in range(n):
        make_user()
    as_alice.get("/api/v1/users/me")  # the token's first use records it (one UPDATE)
    with django_assert_num_queries(2):  # token, page
        response = as_alice.get("/api/v1/users", {"limit": 500})
    assert len(response.json()) == n + 1


def test_people_need_a_token(db):
    assert_error(TeamClient().get("/api/v1/users"), 401)


def test_session_token_means_nothing_here(session_thread, bob):
    _, token = token_issue(user=bob, thread=session_thread)
    assert_error(TeamClient(token).get("/api/v1/users/me"), 401)


def test_revoked_token_is_a_401(alice):
    raw = factories.user_token(alice)
    token_revoke(token=token_authenticate(raw, kind=AccessToken.Kind.USER))
    assert_error(TeamClient(raw).get("/api/v1/users/me"), 401)
