"""The directory the seed relies on: channels, external users, members, responders and their
versions, tickets, and a chat's messages."""

import uuid

import pytest

from chatproject.actors import SYSTEM
from chats import services as chat_services
from chats.models import Message
from tests import factories
from tests.api.support.conftest import say
from threads import services as thread_services
from threads.models import Channel, Event, ExternalUser, Responder, Ticket


def test_channels_are_created_and_listed_with_their_responder(api, workspace):
    ava = api.post("/api/v1/responders", {"name": "Ava", "entity": "agent"}).json()

    response = api.post(
        "/api/v1/channels", {"name": "WhatsApp", "type": "whatsapp", "responderId": ava["id"]}
    )

    assert response.status_code == 201, response.content
    channel = response.json()
    assert set(channel) == {"id", "name", "type", "responderId", "createdAt"}
    assert (channel["name"], channel["type"], channel["responderId"]) == (
        "WhatsApp",
        "whatsapp",
        ava["id"],
    )
    listed = api.get("/api/v1/channels")
    assert [c["id"] for c in listed.json()] == [channel["id"]]
    assert listed["X-Total-Count"] == "1"


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"name": "x", "type": "fax"}, "type"),
        ({"name": "", "type": "api"}, "name"),
        ({"type": "api"}, "name"),
        ({"name": "x", "type": "api", "responderId": str(uuid.uuid4())}, "responderId"),
    ],
)
def test_bad_channels_are_400(api, db, body, parameter):
    response = api.post("/api/v1/channels", body)
    assert (response.status_code, response.json()["parameter"]) == (400, parameter)
    assert not Channel.objects.exists()


def test_external_users_are_created_once_per_identifier(api):
    response = api.post(
        "/api/v1/external-users", {"identifier": "+15550100", "name": "Frank", "email": None}
    )

    assert response.status_code == 201, response.content
    customer = response.json()
    assert set(customer) == {
        "id",
        "superIdentityId",
        "identifier",
        "name",
        "email",
        "isBlocked",
        "createdAt",
    }
    assert (customer["name"], customer["email"], customer["isBlocked"]) == ("Frank", None, False)
    stored = ExternalUser.objects.get(pk=customer["id"])
    assert str(stored.super_identity_id) == customer["superIdentityId"]
    again = api.post("/api/v1/external-users", {"identifier": "+15550100"})
    assert (again.status_code, again.json()["code"]) == (409, "conflict")
    assert again.json()["parameter"] == "identifier"
    assert api.get("/api/v1/external-users")["X-Total-Count"] == "1"


def test_bad_external_users_are_400(api, db):
    for body, parameter in [
        ({}, "identifier"),
        ({"identifier": 5}, "identifier"),
        ({"identifier": "x", "email": "not an address"}, "email"),
    ]:
        response = api.post("/api/v1/external-users", body)
        assert (response.status_code, response.json()["parameter"]) == (400, parameter)
    assert not ExternalUser.objects.exists()


def test_blocking_and_unblocking_a_customer(api, chat, customer):
    blocked = api.post(f"/api/v1/external-users/{customer.id}/block")
    assert (blocked.status_code, blocked.json()["isBlocked"]) == (200, True)
    assert api.get(f"/api/v1/chats/{chat.id}/details").json()["isOwnerBlocked"] is True
    refused = api.post(f"/api/v1/chats/{chat.id}/messages", {"role": "user", "content": "hi"})
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")

    unblocked = api.delete(f"/api/v1/external-users/{customer.id}/block")
    assert (unblocked.status_code, unblocked.json()["isBlocked"]) == (200, False)
    sent = api.post(f"/api/v1/chats/{chat.id}/messages", {"role": "user", "content": "hi"})
    assert sent.status_code == 201
    for bad in ("nope", uuid.uuid4()):
        assert api.post(f"/api/v1/external-users/{bad}/block").status_code == 404


def test_members_are_the_workspaces_platform_users(api, alice, bob, outsider_user):
    response = api.get("/api/v1/members")

    assert response.status_code == 200
    rows = response.json()
    assert [r["username"] for r in rows] == ["alice", "bob"]
    assert rows[0] == {
        "userId": str(alice.id),
        "superIdentityId": str(alice.super_identity_id),
        "username": "alice",
        "name": "Alice",
        "email": alice.email,
        "role": "member",
    }


@pytest.fixture
def outsider_user(other_workspace):
    return factories.UserFactory(workspace=other_workspace)


def test_responders_and_their_versions(api):
    response = api.post(
        "/api/v1/responders",
        {"name": "Night squad", "entity": "squad", "picture": "https://x.test/n.png"},
    )

    assert response.status_code == 201, response.content
    responder = response.json()
    assert set(responder) == {"id", "name", "entity", "picture", "createdAt"}
    stored = Responder.objects.get(super_identity_id=responder["id"])
    assert (stored.name, stored.entity) == ("Night squad", "squad")
    versions = [api.post(f"/api/v1/responders/{responder['id']}/versions") for _ in range(2)]
    assert [v.status_code for v in versions] == [201, 201]
    assert [v.json()["number"] for v in versions] == [1, 2]
    # The responder's own row id is not its wire id.
    assert api.post(f"/api/v1/responders/{stored.id}/versions").status_code == 404
    listed = api.get("/api/v1/responders").json()
    assert responder["id"] in [r["id"] for r in listed]


@pytest.mark.parametrize(
    ("body", "parameter"),
    [
        ({"name": "x", "entity": "robot"}, "entity"),
        ({"entity": "agent"}, "name"),
        ({"name": "x", "entity": "agent", "picture": "ftp://x"}, "picture"),
    ],
)
def test_bad_responders_are_400(api, db, body, parameter):
    before = Responder.objects.count()
    response = api.post("/api/v1/responders", body)
    assert (response.status_code, response.json()["parameter"]) == (400, parameter)
    assert Responder.objects.count() == before


def test_a_ticket_is_linked_to_its_chat_and_its_status_shows_in_the_details(api, chat):
    response = api.post("/api/v1/tickets", {"chatId": str(chat.id), "subject": "Refund"})

    assert response.status_code == 201, response.content
    ticket = response.json()
    assert ticket["status"] == "open" and ticket["chatIds"] == [str(chat.id)]
    assert set(ticket) == {"id", "subject", "status", "chatIds", "createdAt", "updatedAt"}
    updated = api.patch(f"/api/v1/tickets/{ticket['id']}", {"status": "resolved"})
    assert (updated.status_code, updated.json()["status"]) == (200, "resolved")
    details = api.get(f"/api/v1/chats/{chat.id}/details").json()
    assert (details["ticketId"], details["ticketStatus"]) == (ticket["id"], "resolved")
    assert api.get(f"/api/v1/tickets/{ticket['id']}").json()["subject"] == "Refund"
    assert api.get("/api/v1/tickets")["X-Total-Count"] == "1"


def test_bad_tickets_are_400_or_404(api, chat):
    for body, parameter in [
        ({"chatId": str(uuid.uuid4())}, "chatId"),
        ({"chatId": "x"}, "chatId"),
        ({"chatId": str(chat.id), "status": "lost"}, "status"),
    ]:
        response = api.post("/api/v1/tickets", body)
        assert (response.status_code, response.json()["parameter"]) == (400, parameter)
    assert not Ticket.objects.exists()
    assert api.patch(f"/api/v1/tickets/{uuid.uuid4()}", {"status": "open"}).status_code == 404


def test_messages_are_written_as_the_owner_and_the_responder(api, chat, customer):
    asked = api.post(f"/api/v1/chats/{chat.id}/messages", {"role": "user", "content": "Hello?"})
    answered = api.post(
        f"/api/v1/chats/{chat.id}/messages", {"role": "assistant", "content": "Hi!"}
    )

    assert (asked.status_code, answered.status_code) == (201, 201)
    row = asked.json()
    assert set(row) == {"id", "chatId", "role", "content", "createdAt"}
    assert (row["chatId"], row["role"], row["content"]) == (str(chat.id), "user", "Hello?")
    assert Message.objects.get(pk=row["id"]).author_external == customer
    assert Message.objects.get(pk=answered.json()["id"]).author_responder == chat.responder
    listed = api.get(f"/api/v1/chats/{chat.id}/messages")
    assert [m["content"] for m in listed.json()] == ["Hello?", "Hi!"]
    assert listed["X-Total-Count"] == "2"
    row = api.get(f"/api/v1/chats/{chat.id}").json()
    assert row["lastChatMessageCreatedAt"] == answered.json()["createdAt"]


def test_bad_messages_are_refused(api, chat):
    for body, parameter in [
        ({"role": "robot", "content": "x"}, "role"),
        ({"role": "user", "content": "   "}, "content"),
        ({"role": "user", "content": 5}, "content"),
        ({"role": "user"}, "content"),
    ]:
        response = api.post(f"/api/v1/chats/{chat.id}/messages", body)
        assert (response.status_code, response.json()["parameter"]) == (400, parameter)
    assert not Message.objects.exists()
    thread_services.support_chat_remove(chat=chat, actor=SYSTEM)
    removed = api.post(f"/api/v1/chats/{chat.id}/messages", {"role": "user", "content": "x"})
    assert (removed.status_code, removed.json()["code"]) == (409, "conflict")
    assert api.get(f"/api/v1/chats/{uuid.uuid4()}/messages").status_code == 404


def test_removed_messages_are_not_listed(api, chat, make_user):
    kept = say(chat, "user", "kept")
    gone = say(chat, "user", "gone")
    agent = make_user(workspace__role="agent")  # support staff moderate support chats
    chat_services.message_remove(message=gone, actor=agent)
    assert [m["id"] for m in api.get(f"/api/v1/chats/{chat.id}/messages").json()] == [str(kept.id)]


def test_every_change_records_its_event(api, chat, customer):
    def types():
        return list(
            Event.objects.filter(thread=chat).order_by("seq").values_list("type", flat=True)
        )

    base = types()
    api.patch(f"/api/v1/chats/{chat.id}", {"title": "Renamed"})
    api.post(f"/api/v1/chats/{chat.id}/messages", {"role": "user", "content": "hi"})
    ticket = api.post("/api/v1/tickets", {"chatId": str(chat.id)}).json()
    api.patch(f"/api/v1/tickets/{ticket['id']}", {"status": "closed"})
    api.post(f"/api/v1/external-users/{customer.id}/block")
    api.delete(f"/api/v1/chats/{chat.id}")

    assert types()[len(base) :] == [
        "thread.updated",
        "message.created",
        "thread.updated",
        "thread.updated",
        "thread.updated",
        "thread.removed",
    ]
