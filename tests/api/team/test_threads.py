"""GET/POST /api/v1/chat/threads and GET /api/v1/chat/threads/{id}: shape, activity order,
unread state, visibility, creation and query counts."""

import pytest
from django.utils import timezone

from chatproject.actors import SYSTEM
from chatproject.api.team.serializers import epoch_ms
from chats import services as chat_services
from reactions import services as reaction_services
from tests import factories
from tests.api.team.conftest import assert_error, event_types_since, last_event_id, send
from threads import services as thread_services
from threads.models import Membership, Thread, WorkspaceMember

THREAD_KEYS = {
    "_id",
    "type",
    "users",
    "activity",
    "access",
    "lastMessage",
    "newActivityCount",
    "createdAt",
}
MESSAGE_KEYS = {
    "_id",
    "thread",
    "from",
    "content",
    "files",
    "likes",
    "dislikes",
    "replyTo",
    "createdAt",
}


def by_id(response) -> dict:
    return {t["_id"]: t for t in response.json()}


def test_personal_thread_has_exactly_the_seed_fields(as_alice, personal_thread, alice, bob):
    message = send(personal_thread, bob, "hello")
    personal_thread.refresh_from_db()

    response = as_alice.get("/api/v1/chat/threads")

    assert response.status_code == 200
    [thread] = response.json()
    assert set(thread) == THREAD_KEYS
    assert thread["_id"] == str(personal_thread.id)
    assert thread["type"] == "personal"
    assert sorted(thread["users"]) == sorted([str(alice.id), str(bob.id)])
    assert thread["activity"] == epoch_ms(personal_thread.last_message_at)
    assert thread["createdAt"] == epoch_ms(personal_thread.created_at)
    assert thread["access"] == 0
    assert thread["newActivityCount"] == 1
    assert set(thread["lastMessage"]) == MESSAGE_KEYS
    assert thread["lastMessage"]["_id"] == str(message.id)
    assert thread["lastMessage"]["from"] == str(bob.id)
    assert thread["lastMessage"]["content"] == "hello"
    assert isinstance(thread["activity"], int) and isinstance(thread["createdAt"], int)


def test_custom_thread_carries_its_name_and_group_thread_its_project(
    as_alice, workspace, alice, bob, custom_thread
):
    group = thread_services.group_thread_create(
        actor=SYSTEM,
        workspace=workspace,
        creator=alice,
        project_ref="proj-42",
        title="Project 42",
        members=[bob],
    )

    threads = by_id(as_alice.get("/api/v1/chat/threads"))

    custom = threads[str(custom_thread.id)]
    assert set(custom) == THREAD_KEYS | {"name"}
    assert custom["type"] == "custom" and custom["name"] == "Launch"
    assert sorted(custom["users"]) == sorted([str(alice.id), str(bob.id)])
    grouped = threads[str(group.id)]
    assert set(grouped) == THREAD_KEYS | {"group"}
    assert grouped["type"] == "group" and grouped["group"] == "proj-42"
    assert sorted(grouped["users"]) == sorted([str(alice.id), str(bob.id)])


def test_empty_thread_has_no_last_message_and_activity_is_its_creation(as_alice, custom_thread):
    [thread] = as_alice.get("/api/v1/chat/threads").json()
    assert thread["lastMessage"] is None
    assert thread["activity"] == thread["createdAt"] == epoch_ms(custom_thread.created_at)
    assert thread["newActivityCount"] == 0


def test_threads_are_ordered_by_latest_activity(as_alice, workspace, alice, bob, carol):
    first = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="first", members=[bob]
    )
    second = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="second", members=[carol]
    )
    third = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="third", members=[]
    )
    send(second, carol, "x")
    send(first, bob, "y")

    ids = [t["_id"] for t in as_alice.get("/api/v1/chat/threads").json()]

    assert ids == [str(first.id), str(second.id), str(third.id)]


def test_last_message_skips_removed_messages(as_alice, personal_thread, alice, bob):
    kept = send(personal_thread, bob, "kept")
    gone = send(personal_thread, bob, "gone")
    chat_services.message_remove(message=gone, actor=bob)

    [thread] = as_alice.get("/api/v1/chat/threads").json()

    assert thread["lastMessage"]["_id"] == str(kept.id)
    assert thread["newActivityCount"] == 1


def test_new_activity_counts_only_others_messages_since_access(
    as_alice, personal_thread, alice, bob
):
    send(personal_thread, bob, "one")
    send(personal_thread, alice, "mine")
    send(personal_thread, bob, "two")

    [before] = as_alice.get("/api/v1/chat/threads").json()
    assert before["access"] == 0
    assert before["newActivityCount"] == 2

    as_alice.get(f"/api/v1/chat/threads/{personal_thread.id}/messages")
    [after_read] = as_alice.get("/api/v1/chat/threads").json()
    mark = Membership.objects.get(thread=personal_thread, user=alice).last_read_at
    assert after_read["access"] == epoch_ms(mark) > 0
    assert after_read["newActivityCount"] == 0

    send(personal_thread, alice, "mine again")
    send(personal_thread, bob, "three")
    [later] = as_alice.get("/api/v1/chat/threads").json()
    assert later["newActivityCount"] == 1
    assert later["access"] == after_read["access"]


def test_read_state_is_per_user(as_alice, as_bob, personal_thread, alice, bob):
    send(personal_thread, bob, "ping")
    as_alice.get(f"/api/v1/chat/threads/{personal_thread.id}/messages")
    send(personal_thread, alice, "pong")

    [bobs] = as_bob.get("/api/v1/chat/threads").json()
    assert bobs["access"] == 0
    assert bobs["newActivityCount"] == 1


def test_only_the_callers_team_threads_are_listed(
    as_carol, workspace, alice, bob, carol, session_thread, personal_thread
):
    send(personal_thread, alice, "private")
    thread_services.membership_add(actor=SYSTEM, thread=session_thread, user=carol)
    removed = thread_services.custom_thread_create(
        workspace=workspace, creator=carol, title="gone", members=[]
    )
    thread_services.thread_remove(thread=removed, actor=carol)
    mine = thread_services.custom_thread_create(
        workspace=workspace, creator=carol, title="mine", members=[]
    )

    ids = [t["_id"] for t in as_carol.get("/api/v1/chat/threads").json()]

    assert ids == [str(mine.id)]


def test_limit_and_offset_page_the_list(as_alice, workspace, alice):
    threads = [
        thread_services.custom_thread_create(
            workspace=workspace, creator=alice, title=f"t{i}", members=[]
        )
        for i in range(5)
    ]
    for thread in threads:
        send(thread, alice, "bump")
    newest_first = [str(t.id) for t in reversed(threads)]

    page1 = as_alice.get("/api/v1/chat/threads", {"limit": 2})
    page2 = as_alice.get("/api/v1/chat/threads", {"limit": 2, "offset": 2})
    page3 = as_alice.get("/api/v1/chat/threads", {"limit": 2, "offset": 4})

    pages = [t["_id"] for p in (page1, page2, page3) for t in p.json()]
    assert pages == newest_first


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"limit": 501}, {"limit": "many"}, {"offset": -1}]
)
def test_bad_paging_is_a_400_naming_the_parameter(as_alice, params):
    assert_error(as_alice.get("/api/v1/chat/threads", params), 400, field=next(iter(params)))


def _many_threads(workspace, alice, bob, carol, n):
    for i in range(n):
        thread = thread_services.custom_thread_create(
            workspace=workspace, creator=alice, title=f"t{i}", members=[bob, carol]
        )
        message = send(thread, bob, f"m{i}", attachments=[])
        reaction_services.reaction_add(message=message, actor=carol, name=":thumbsup:")


@pytest.mark.parametrize("n", [2, 12])
def test_thread_list_takes_the_same_queries_at_any_size(
    as_alice, workspace, alice, bob, carol, n, django_assert_num_queries
):
    _many_threads(workspace, alice, bob, carol, n)
    as_alice.get("/api/v1/users/me")  # the token's first use records it (one UPDATE)
    # token, threads (counts and last ids annotated), members, last messages, their files,
    # their reactions
    with django_assert_num_queries(6):
        response = as_alice.get("/api/v1/chat/threads")
    assert len(response.json()) == n
    assert all(t["lastMessage"]["likes"] == [str(carol.id)] for t in response.json())


def test_get_one_thread(as_bob, custom_thread):
    response = as_bob.get(f"/api/v1/chat/threads/{custom_thread.id}")
    assert response.status_code == 200
    assert response.json()["_id"] == str(custom_thread.id)
    assert response.json()["name"] == "Launch"


@pytest.mark.parametrize("thread_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_unknown_thread_is_a_404(as_bob, thread_id):
    assert_error(as_bob.get(f"/api/v1/chat/threads/{thread_id}"), 404)


def test_someone_elses_thread_is_a_404(as_carol, custom_thread, session_thread, bob):
    assert_error(as_carol.get(f"/api/v1/chat/threads/{custom_thread.id}"), 404)


def test_session_thread_is_not_a_team_thread(as_bob, session_thread):
    assert_error(as_bob.get(f"/api/v1/chat/threads/{session_thread.id}"), 404)


# --- creating threads ------------------------------------------------------------------


def test_create_custom_thread(as_alice, alice, bob, carol):
    since = last_event_id()
    response = as_alice.post(
        "/api/v1/chat/threads", {"name": " Crew ", "users": [str(bob.id), str(carol.id)]}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == THREAD_KEYS | {"name"}
    assert body["type"] == "custom" and body["name"] == "Crew"
    assert sorted(body["users"]) == sorted(str(u.id) for u in (alice, bob, carol))
    assert body["lastMessage"] is None and body["access"] == 0
    thread = Thread.objects.get(pk=body["_id"])
    assert thread.kind == Thread.Kind.CUSTOM and thread.created_by == alice
    assert event_types_since(since) == ["thread.created"]


def test_a_custom_thread_among_people_of_a_shared_workspace_is_made_there(as_alice, alice):
    other = factories.WorkspaceFactory(slug="second")
    WorkspaceMember.objects.create(workspace=other, user=alice)
    erin = factories.UserFactory(username="erin", workspace=other)

    response = as_alice.post("/api/v1/chat/threads", {"name": "Side", "users": [str(erin.id)]})

    assert response.status_code == 201, response.content
    assert Thread.objects.get(pk=response.json()["_id"]).workspace == other


def test_a_removed_newest_message_no_longer_dates_the_threads_activity(
    as_alice, alice, bob, personal_thread
):
    older = send(personal_thread, bob, "older")
    newest = send(personal_thread, bob, "newest")
    chat_services.message_remove(message=newest, actor=bob)

    [thread] = [
        t
        for t in as_alice.get("/api/v1/chat/threads").json()
        if t["_id"] == str(personal_thread.pk)
    ]

    assert thread["lastMessage"]["_id"] == str(older.id)
    assert thread["activity"] == epoch_ms(older.created_at)


def test_custom_thread_needs_a_name(as_alice, bob):
    before = Thread.objects.count()
    response = as_alice.post("/api/v1/chat/threads", {"name": "  ", "users": [str(bob.id)]})
    assert_error(response, 400, field="name")
    assert Thread.objects.count() == before


@pytest.mark.parametrize("who", ["outsider", "nobody"])
def test_custom_thread_with_unknown_user_is_a_400(as_alice, outsider, who):
    user_id = str(outsider.id) if who == "outsider" else "00000000-0000-0000-0000-000000000001"
    response = as_alice.post("/api/v1/chat/threads", {"name": "x", "users": [user_id]})
    assert_error(response, 400, field="users")
    assert not Thread.objects.filter(kind=Thread.Kind.CUSTOM).exists()


def test_malformed_user_id_is_a_400(as_alice):
    response = as_alice.post("/api/v1/chat/threads", {"name": "x", "users": ["nope"]})
    assert_error(response, 400, field="users")


def test_workspace_admin_creates_a_project_group_thread(client_for, bob):
    admin = factories.UserFactory(workspace__role="admin")
    since = last_event_id()

    response = client_for(admin).post(
        "/api/v1/chat/threads", {"type": "group", "group": "proj-7", "users": [str(bob.id)]}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["type"] == "group" and body["group"] == "proj-7"
    assert "name" not in body
    assert sorted(body["users"]) == sorted([str(admin.id), str(bob.id)])
    assert event_types_since(since) == ["thread.created"]


def test_second_group_thread_for_a_project_is_a_400(client_for):
    as_admin = client_for(factories.UserFactory(workspace__role="admin"))
    as_admin.post("/api/v1/chat/threads", {"type": "group", "group": "p", "users": []})
    response = as_admin.post("/api/v1/chat/threads", {"type": "group", "group": "p", "users": []})
    assert_error(response, 400, field="group")
    assert Thread.objects.filter(kind=Thread.Kind.GROUP).count() == 1


def test_member_may_not_create_a_group_thread(as_alice):
    response = as_alice.post("/api/v1/chat/threads", {"type": "group", "group": "p", "users": []})
    assert_error(response, 403)
    assert not Thread.objects.filter(kind=Thread.Kind.GROUP).exists()


def test_personal_threads_are_not_created_here(as_alice, bob):
    response = as_alice.post("/api/v1/chat/threads", {"type": "personal", "users": [str(bob.id)]})
    assert_error(response, 400, field="type")


def test_body_must_be_a_json_object(as_alice):
    response = as_alice.post("/api/v1/chat/threads", ["x"], format="json")
    assert_error(response, 400)


def test_activity_follows_the_last_message_time(as_alice, personal_thread, bob):
    message = send(personal_thread, bob, "now")
    [thread] = as_alice.get("/api/v1/chat/threads").json()
    assert thread["activity"] == epoch_ms(message.created_at)
    assert abs(thread["activity"] - epoch_ms(timezone.now())) < 60_000
