"""POST /api/v1/chat/threads/{id}/users and DELETE .../users/{userId}."""

import pytest

from chatproject.actors import SYSTEM
from tests.api.team.conftest import assert_error, event_types_since, last_event_id
from threads import services as thread_services
from threads.models import Membership


def members(thread) -> set:
    return set(Membership.objects.filter(thread=thread).values_list("user_id", flat=True))


def test_member_adds_people_to_a_custom_thread(as_bob, custom_thread, alice, bob, carol, make_user):
    dave = make_user(username="dave")
    since = last_event_id()

    response = as_bob.post(
        f"/api/v1/chat/threads/{custom_thread.id}/users", {"users": [str(carol.id), str(dave.id)]}
    )

    assert response.status_code == 200, response.content
    assert sorted(response.json()["users"]) == sorted(str(u.id) for u in (alice, bob, carol, dave))
    assert members(custom_thread) == {alice.id, bob.id, carol.id, dave.id}
    assert event_types_since(since) == ["member.added", "member.added"]


def test_adding_an_existing_member_changes_nothing(as_bob, custom_thread, alice):
    since = last_event_id()
    response = as_bob.post(
        f"/api/v1/chat/threads/{custom_thread.id}/users", {"users": [str(alice.id)]}
    )
    assert response.status_code == 200
    assert event_types_since(since) == []


def test_one_unknown_user_adds_nobody(as_bob, custom_thread, alice, bob, carol, outsider):
    response = as_bob.post(
        f"/api/v1/chat/threads/{custom_thread.id}/users",
        {"users": [str(carol.id), str(outsider.id)]},
    )
    assert_error(response, 400, field="users")
    assert members(custom_thread) == {alice.id, bob.id}


@pytest.mark.parametrize("body", [{"users": []}, {}, {"users": "x"}])
def test_users_are_required(as_bob, custom_thread, body):
    response = as_bob.post(f"/api/v1/chat/threads/{custom_thread.id}/users", body)
    assert_error(response, 400, field="users")


def test_personal_thread_members_never_change(as_alice, personal_thread, carol):
    response = as_alice.post(
        f"/api/v1/chat/threads/{personal_thread.id}/users", {"users": [str(carol.id)]}
    )
    assert_error(response, 400, field="users")
    assert carol.id not in members(personal_thread)


def test_plain_member_may_not_add_to_a_group_thread(as_bob, workspace, alice, bob, carol):
    group = thread_services.group_thread_create(
        actor=SYSTEM, workspace=workspace, creator=alice, project_ref="p1", members=[bob]
    )
    response = as_bob.post(f"/api/v1/chat/threads/{group.id}/users", {"users": [str(carol.id)]})
    assert_error(response, 403)
    assert carol.id not in members(group)


def test_non_member_cannot_add_and_gets_a_404(as_carol, custom_thread, carol):
    response = as_carol.post(
        f"/api/v1/chat/threads/{custom_thread.id}/users", {"users": [str(carol.id)]}
    )
    assert_error(response, 404)
    assert carol.id not in members(custom_thread)


def test_member_leaves_a_custom_thread(as_bob, custom_thread, alice, bob):
    since = last_event_id()
    response = as_bob.delete(f"/api/v1/chat/threads/{custom_thread.id}/users/{bob.id}")
    assert response.status_code == 204
    assert members(custom_thread) == {alice.id}
    assert event_types_since(since) == ["member.removed"]
    assert_error(as_bob.get(f"/api/v1/chat/threads/{custom_thread.id}"), 404)


def test_thread_admin_removes_a_member(as_alice, custom_thread, alice, bob):
    response = as_alice.delete(f"/api/v1/chat/threads/{custom_thread.id}/users/{bob.id}")
    assert response.status_code == 204
    assert members(custom_thread) == {alice.id}


def test_plain_member_may_not_remove_others(as_bob, custom_thread, alice, bob):
    response = as_bob.delete(f"/api/v1/chat/threads/{custom_thread.id}/users/{alice.id}")
    assert_error(response, 403)
    assert members(custom_thread) == {alice.id, bob.id}


@pytest.mark.parametrize("who", ["carol", "nobody", "garbage"])
def test_removing_a_non_member_is_a_404(as_alice, custom_thread, carol, who):
    user_id = {"carol": carol.id, "nobody": "00000000-0000-0000-0000-000000000000"}.get(
        who, "garbage"
    )
    response = as_alice.delete(f"/api/v1/chat/threads/{custom_thread.id}/users/{user_id}")
    assert_error(response, 404)
