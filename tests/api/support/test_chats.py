"""Seed 003's chat rows: create, read, update, remove; bad input changes nothing."""

import uuid

import pytest

from tests import factories
from threads.models import Event, Thread

ROW_FIELDS = {
    "createdAt",
    "id",
    "isRemoved",
    "updatedAt",
    "channelId",
    "currentResponderId",
    "lastChatMessageCreatedAt",
    "ownerId",
    "responderId",
    "title",
    "workspaceId",
}


def test_creating_a_chat_answers_200_with_the_seeds_row(api, workspace, customer, channel):
    response = api.post(
        "/api/v1/chats",
        {"channelId": str(channel.id), "ownerId": str(customer.super_identity_id), "title": "Hi"},
    )

    assert response.status_code == 200, response.content
    row = response.json()
    assert set(row) == ROW_FIELDS
    chat = Thread.objects.get(pk=row["id"])
    default = workspace.__class__.objects.get(pk=workspace.pk).default_responder
    assert row["ownerId"] == str(customer.super_identity_id)
    assert row["responderId"] == row["currentResponderId"] == str(default.super_identity_id)
    assert (row["channelId"], row["title"], row["isRemoved"]) == (str(channel.id), "Hi", False)
    assert (row["workspaceId"], row["lastChatMessageCreatedAt"]) == (str(workspace.id), None)
    assert chat.kind == Thread.Kind.SUPPORT and chat.owner == customer
    assert Event.objects.get(thread=chat).type == "thread.created"


def test_a_chat_without_channel_or_title_and_with_a_platform_user_owner(api, alice):
    response = api.post(
        "/api/v1/chats",
        {"channelId": None, "ownerId": str(alice.super_identity_id), "title": None},
    )

    assert response.status_code == 200, response.content
    row = response.json()
    assert (row["channelId"], row["title"], row["ownerId"]) == (
        None,
        None,
        str(alice.super_identity_id),
    )


def test_the_responder_is_the_requests_else_the_channels(api, workspace, customer):
    helper = factories.ResponderFactory(workspace=workspace)
    other = factories.ResponderFactory(workspace=workspace)
    channel = factories.ChannelFactory(workspace=workspace, responder=helper)
    owner = str(customer.super_identity_id)

    via_channel = api.post(
        "/api/v1/chats", {"channelId": str(channel.id), "ownerId": owner, "title": None}
    ).json()
    chosen = api.post(
        "/api/v1/chats",
        {
            "channelId": str(channel.id),
            "ownerId": owner,
            "title": None,
            "responderId": str(other.super_identity_id),
        },
    ).json()

    assert via_channel["responderId"] == str(helper.super_identity_id)
    assert chosen["responderId"] == str(other.super_identity_id)


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"channelId": None, "title": None}, "ownerId"),
        ({"channelId": None, "ownerId": "nope", "title": None}, "ownerId"),
        ({"channelId": None, "ownerId": 5, "title": None}, "ownerId"),
        ({"channelId": None, "ownerId": str(uuid.uuid4()), "title": None}, "ownerId"),
        ({"channelId": str(uuid.uuid4()), "ownerId": "OWNER", "title": None}, "channelId"),
        ({"channelId": "x", "ownerId": "OWNER", "title": None}, "channelId"),
        ({"ownerId": "OWNER", "title": None}, "channelId"),
        ({"channelId": None, "ownerId": "OWNER", "title": 5}, "title"),
        ({"channelId": None, "ownerId": "OWNER", "title": "x" * 201}, "title"),
        (
            {
                "channelId": None,
                "ownerId": "OWNER",
                "title": None,
                "responderId": str(uuid.uuid4()),
            },
            "responderId",
        ),
    ],
)
def test_bad_chat_bodies_are_400_naming_the_field_and_change_nothing(
    api, customer, body, parameter
):
    body = {k: str(customer.super_identity_id) if v == "OWNER" else v for k, v in body.items()}
    response = api.post("/api/v1/chats", body)

    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert response.json()["parameter"] == parameter
    assert not Thread.objects.exists()


def test_a_body_that_is_not_a_json_object_is_400(api):
    response = api.post("/api/v1/chats", [1, 2])
    assert response.status_code == 400
    assert response.json()["parameter"] is None


def test_owners_and_channels_of_another_workspace_are_unknown(api, other_workspace):
    stranger = factories.ExternalUserFactory(workspace=other_workspace)
    outsider = factories.UserFactory(workspace=other_workspace)
    elsewhere = factories.ChannelFactory(workspace=other_workspace)
    for owner in (stranger.super_identity_id, outsider.super_identity_id):
        response = api.post(
            "/api/v1/chats", {"channelId": None, "ownerId": str(owner), "title": None}
        )
        assert (response.status_code, response.json()["parameter"]) == (400, "ownerId")
    response = api.post(
        "/api/v1/chats",
        {"channelId": str(elsewhere.id), "ownerId": str(stranger.super_identity_id), "title": ""},
    )
    assert response.json()["parameter"] in {"channelId", "ownerId"}
    assert not Thread.objects.exists()


def test_get_answers_the_row_and_unknown_or_malformed_ids_are_404(api, chat):
    assert api.get(f"/api/v1/chats/{chat.id}").json()["title"] == "Where is my order?"
    for bad in (uuid.uuid4(), "not-a-uuid"):
        response = api.get(f"/api/v1/chats/{bad}")
        assert (response.status_code, response.json()["code"]) == (404, "not_found")


def test_other_thread_kinds_are_not_support_chats(api, custom_thread):
    assert api.get(f"/api/v1/chats/{custom_thread.id}").status_code == 404


def test_patch_changes_only_the_fields_given_and_moves_updated_at(api, chat):
    before = api.get(f"/api/v1/chats/{chat.id}").json()

    response = api.patch(
        f"/api/v1/chats/{chat.id}", {"lastChatMessageCreatedAt": "2026-01-02T03:04:05Z"}
    )

    row = response.json()
    assert response.status_code == 200, response.content
    assert row["lastChatMessageCreatedAt"] == "2026-01-02T03:04:05Z"
    assert row["title"] == "Where is my order?"
    assert row["updatedAt"] > before["updatedAt"]
    assert Event.objects.filter(thread=chat).latest("seq").type == "thread.updated"

    row = api.patch(f"/api/v1/chats/{chat.id}", {"title": None}).json()
    assert (row["title"], row["lastChatMessageCreatedAt"]) == (None, "2026-01-02T03:04:05Z")


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"lastChatMessageCreatedAt": "yesterday"}, "lastChatMessageCreatedAt"),
        ({"title": ["x"]}, "title"),
        # What the PATCH does not take is named, not ignored with a 200.
        ({"title": "New", "isRemoved": True}, "isRemoved"),
        ({"ownerId": "00000000-0000-4000-8000-000000000000"}, "ownerId"),
    ],
)
def test_bad_patches_are_400_and_change_nothing(api, chat, body, parameter):
    events = Event.objects.count()
    response = api.patch(f"/api/v1/chats/{chat.id}", body)
    assert (response.status_code, response.json()["parameter"]) == (400, parameter)
    assert Event.objects.count() == events
    row = api.get(f"/api/v1/chats/{chat.id}").json()
    assert (row["title"], row["isRemoved"]) == (chat.title or None, False)


def test_delete_is_a_soft_remove_that_can_be_repeated(api, chat):
    first = api.delete(f"/api/v1/chats/{chat.id}")
    again = api.delete(f"/api/v1/chats/{chat.id}")

    assert (first.status_code, again.status_code) == (200, 200)
    assert set(first.json()) == {"message"}
    assert api.get(f"/api/v1/chats/{chat.id}").json()["isRemoved"] is True
    assert [r["id"] for r in api.get("/api/v1/chats").json()] == []
    listed = api.get("/api/v1/chats", {"includeRemoved": "true"}).json()
    assert [r["id"] for r in listed] == [str(chat.id)]
    assert Event.objects.filter(thread=chat, type="thread.removed").count() == 1
