"""Two workspaces, two keys: each sees only its own rows; the other's ids answer as unknown."""

import pytest

from chatproject.actors import SYSTEM
from tests import factories
from tests.api.support.conftest import say
from threads import services as thread_services
from threads.models import Event, ExternalUser


@pytest.fixture
def theirs(other_workspace):
    customer = factories.ExternalUserFactory(workspace=other_workspace)
    chat = thread_services.support_chat_create(
        workspace=other_workspace, owner=customer, title="Theirs", actor=SYSTEM
    )
    say(chat, "user", "their secret")
    responder = factories.ResponderFactory(workspace=other_workspace)
    ticket = thread_services.ticket_create(workspace=other_workspace, chat=chat, actor=SYSTEM)
    return {"chat": chat, "customer": customer, "responder": responder, "ticket": ticket}


def test_each_key_lists_only_its_workspace(api, other_api, chat, theirs, alice):
    for path in ["/api/v1/chats", "/api/v1/chats/details"]:
        assert [r["id"] for r in api.get(path).json()] == [str(chat.id)]
        assert [r["id"] for r in other_api.get(path).json()] == [str(theirs["chat"].id)]
    assert api.get("/api/v1/chats", {"search": "secret"}).json() == []
    mine = {r["id"] for r in api.get("/api/v1/external-users").json()}
    assert str(theirs["customer"].id) not in mine
    assert [m["username"] for m in other_api.get("/api/v1/members").json()] == []
    assert api.get("/api/v1/tickets").json() == []


def test_the_other_workspaces_ids_are_404_or_unknown(api, theirs):
    chat, customer = theirs["chat"], theirs["customer"]
    events = Event.objects.count()
    for method, path in [
        ("get", f"/api/v1/chats/{chat.id}"),
        ("patch", f"/api/v1/chats/{chat.id}"),
        ("delete", f"/api/v1/chats/{chat.id}"),
        ("get", f"/api/v1/chats/{chat.id}/details"),
        ("get", f"/api/v1/chats/{chat.id}/messages"),
        ("post", f"/api/v1/chats/{chat.id}/messages"),
        ("post", f"/api/v1/external-users/{customer.id}/block"),
        ("post", f"/api/v1/responders/{theirs['responder'].super_identity_id}/versions"),
        ("get", f"/api/v1/tickets/{theirs['ticket'].id}"),
        ("patch", f"/api/v1/tickets/{theirs['ticket'].id}"),
    ]:
        body = {"role": "user", "content": "x", "title": "mine now", "status": "closed"}
        response = getattr(api, method)(path, body)
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), path
    for path, body, parameter in [
        (
            "/api/v1/chats",
            {"channelId": None, "ownerId": str(customer.super_identity_id), "title": None},
            "ownerId",
        ),
        ("/api/v1/tickets", {"chatId": str(chat.id)}, "chatId"),
    ]:
        response = api.post(path, body)
        assert (response.status_code, response.json()["parameter"]) == (400, parameter)
    assert Event.objects.count() == events
    assert not ExternalUser.objects.get(pk=customer.pk).is_blocked
