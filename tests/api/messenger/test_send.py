"""POST /chats/{chat_id}/messages: text and image messages, the same messages everywhere."""

import uuid

import pytest

from chats.models import Attachment, Message
from tests.api.messenger.conftest import (
    assert_422,
    assert_detail,
    image_bytes,
    post_upload,
    send,
)
from tests.realtime.conftest import connected, db, run


def url(chat) -> str:
    return f"/chats/{chat.pk}/messages"


def test_a_text_message_is_201_message_out(as_alice, direct_chat, alice):
    response = as_alice.post(url(direct_chat), {"type": "text", "text": "  hello  "})

    assert response.status_code == 201, response.content
    body = response.json()
    message = Message.objects.get(pk=body["id"])
    assert body == {
        "id": str(message.pk),
        "chat_id": str(direct_chat.pk),
        "sender": {"id": str(alice.pk), "username": "alice", "name": "Alice"},
        "type": "text",
        "text": "hello",
        "image": None,
        "created_at": message.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_type_defaults_to_text(as_alice, direct_chat):
    response = as_alice.post(url(direct_chat), {"text": "plain"})
    assert response.status_code == 201
    assert response.json()["type"] == "text"


def test_an_image_message_carries_the_image(as_alice, direct_chat):
    image = post_upload(as_alice, image_bytes(size=(30, 20))).json()

    response = as_alice.post(
        url(direct_chat), {"type": "image", "image_id": image["id"], "text": "look"}
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["type"], body["text"]) == ("image", "look")
    assert body["image"] == {
        "id": image["id"],
        "url": f"http://testserver/uploads/{image['id']}",
        "thumbnail_url": f"http://testserver/uploads/{image['id']}/thumbnail",
        "width": 30,
        "height": 20,
        "content_type": "image/png",
    }
    assert Attachment.objects.get(pk=image["id"]).message_id == uuid.UUID(body["id"])


def test_an_image_can_be_sent_once(as_alice, direct_chat):
    image = post_upload(as_alice, image_bytes()).json()
    first = as_alice.post(url(direct_chat), {"type": "image", "image_id": image["id"]})

    again = as_alice.post(url(direct_chat), {"type": "image", "image_id": image["id"]})

    assert first.status_code == 201
    assert_422(again, (("body", "image_id"), "value_error"))
    assert Message.objects.count() == 1


def test_only_the_uploader_may_send_an_image(as_alice, as_bob, direct_chat):
    image = post_upload(as_alice, image_bytes()).json()

    response = as_bob.post(url(direct_chat), {"type": "image", "image_id": image["id"]})

    assert_422(response, (("body", "image_id"), "value_error"))
    assert not Message.objects.exists()


def test_an_unknown_image_is_422(as_alice, direct_chat):
    response = as_alice.post(url(direct_chat), {"type": "image", "image_id": str(uuid.uuid4())})
    assert_422(response, (("body", "image_id"), "value_error"))


def test_a_team_api_file_that_is_not_an_image_cannot_be_an_image_message(
    as_alice, client_for, alice, direct_chat
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    team = client_for(alice)
    upload = SimpleUploadedFile("notes.txt", b"notes", "text/plain")
    file_id = team.post("/api/v1/files", {"file": upload}, format="multipart").json()["_id"]

    response = as_alice.post(url(direct_chat), {"type": "image", "image_id": file_id})

    assert_422(response, (("body", "image_id"), "value_error"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, [(("body", "text"), "missing")]),
        ({"type": "text"}, [(("body", "text"), "missing")]),
        ({"type": "image"}, [(("body", "image_id"), "missing")]),
        ({"type": "image", "text": "x"}, [(("body", "image_id"), "missing")]),
        ({"type": "video", "text": "x"}, [(("body", "type"), "literal_error")]),
        ({"type": "text", "text": 5}, [(("body", "text"), "string_type")]),
        ({"type": "image", "image_id": "nope"}, [(("body", "image_id"), "uuid_parsing")]),
    ],
)
def test_malformed_messages_are_422(as_alice, direct_chat, body, expected):
    assert_422(as_alice.post(url(direct_chat), body), *expected)
    assert not Message.objects.exists()


def test_literal_error_names_the_choices(as_alice, direct_chat):
    [item] = as_alice.post(url(direct_chat), {"type": "video", "text": "x"}).json()["detail"]
    assert item["msg"] == "Input should be 'text' or 'image'"
    assert item["input"] == "video"


def test_blank_text_is_refused_by_the_send_rules(as_alice, direct_chat):
    assert_422(
        as_alice.post(url(direct_chat), {"type": "text", "text": "   "}),
        (("body", "text"), "value_error"),
    )
    assert not Message.objects.exists()


def test_text_over_the_limit_is_422(as_alice, direct_chat, settings):
    settings.CHAT_MESSAGE_MAX_LENGTH = 5
    assert_422(
        as_alice.post(url(direct_chat), {"text": "toolong"}), (("body", "text"), "value_error")
    )


def test_a_chat_you_are_not_in_is_404(as_carol, direct_chat):
    assert_detail(as_carol.post(url(direct_chat), {"text": "hi"}), 404, "Chat not found")
    assert not Message.objects.exists()


def test_an_unknown_chat_is_404(as_alice):
    response = as_alice.post(f"/chats/{uuid.uuid4()}/messages", {"text": "hi"})
    assert_detail(response, 404, "Chat not found")


def test_a_malformed_chat_id_and_body_are_reported_together(as_alice):
    assert_422(
        as_alice.post("/chats/nope/messages", {"type": "image"}),
        (("path", "chat_id"), "uuid_parsing"),
        (("body", "image_id"), "missing"),
    )


def test_a_body_that_is_not_json_is_422(as_alice, direct_chat):
    response = as_alice.post(url(direct_chat), "text=hi", content_type="application/json")
    assert response.status_code == 422
    assert response.json()["detail"][0]["type"] == "json_invalid"


def test_get_on_the_messages_path_is_405(as_alice, direct_chat):
    assert_detail(as_alice.get(url(direct_chat)), 405, "Method Not Allowed")


# --- one domain: the same messages on every surface ----------------------------------------


def test_a_message_sent_here_is_in_the_team_api(as_alice, client_for, direct_chat, bob):
    sent = as_alice.post(url(direct_chat), {"text": "from messenger"}).json()

    history = client_for(bob).get(f"/api/v1/chat/threads/{direct_chat.pk}/messages").json()

    assert [(m["_id"], m["content"]) for m in history] == [(sent["id"], "from messenger")]


def test_a_team_api_message_is_in_the_messenger_chat(as_alice, client_for, alice, bob):
    sent = client_for(bob).post("/api/v1/chat/messages", {"to": str(alice.pk), "content": "yo"})
    thread_id = sent.json()["thread"]["_id"]

    body = as_alice.get(f"/chats/{thread_id}").json()

    assert body["chat"]["type"] == "direct"
    assert [m["text"] for m in body["messages"]["items"]] == ["yo"]
    assert body["messages"]["items"][0]["id"] == sent.json()["message"]


def test_a_team_image_file_shows_as_an_image_message(as_alice, client_for, bob, direct_chat):
    from django.core.files.uploadedfile import SimpleUploadedFile

    team = client_for(bob)
    upload = SimpleUploadedFile("p.png", image_bytes(size=(7, 9)), "image/png")
    file_id = team.post("/api/v1/files", {"file": upload}, format="multipart").json()["_id"]
    team.post("/api/v1/chat/messages", {"thread": str(direct_chat.pk), "files": [file_id]})

    [message] = as_alice.get(f"/chats/{direct_chat.pk}").json()["messages"]["items"]

    assert message["type"] == "image"
    assert (message["image"]["id"], message["image"]["width"]) == (file_id, 7)


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_here_is_heard_on_the_websocket(client_for, workspace, alice, bob):
    from threads import services as thread_services

    chat, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    as_alice = client_for(alice)

    async def scenario():
        async with connected(bob) as socket:
            response = await db(as_alice.post)(url(chat), {"text": "live"}, format="json")
            assert response.status_code == 201
            [frame] = await socket.receive_events(1)
            assert frame["type"] == "message.created"
            assert frame["thread"] == str(chat.pk)
            assert frame["data"]["message"]["id"] == response.json()["id"]
            assert frame["data"]["message"]["text"] == "live"

    run(scenario)


@pytest.mark.django_db(transaction=True)
def test_a_message_sent_on_the_websocket_is_in_the_messenger_chat(
    client_for, workspace, alice, bob
):
    from threads import services as thread_services

    chat, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )

    async def scenario():
        async with connected(bob) as socket:
            await socket.send(
                {"type": "message.send", "thread": str(chat.pk), "text": "hi", "client_id": "1"}
            )
            frames = await socket.receive_events(2)
            return next(f for f in frames if f["type"] == "message.ack")["message"]["id"]

    sent_id = run(scenario)

    [message] = client_for(alice).get(f"/chats/{chat.pk}").json()["messages"]["items"]
    assert (message["id"], message["text"]) == (sent_id, "hi")
    assert message["sender"]["username"] == "bob"


def test_messages_sent_earlier_through_the_services_are_listed(as_alice, direct_chat, bob):
    send(direct_chat, bob, "earlier")
    [message] = as_alice.get(f"/chats/{direct_chat.pk}").json()["messages"]["items"]
    assert message["text"] == "earlier"


@pytest.mark.django_db(transaction=True)
def test_an_image_uploaded_here_can_be_sent_on_the_websocket(client_for, workspace, alice, bob):
    # REST sending is "primarily for fallback to WS": the socket sends images too.
    from threads import services as thread_services

    chat, _ = thread_services.direct_thread_get_or_create(
        workspace=workspace, user=alice, other=bob
    )
    as_bob = client_for(bob)
    image_id = post_upload(as_bob, image_bytes()).json()["id"]

    async def scenario():
        async with connected(bob) as socket:
            for frame in (
                {"type": "message.send", "thread": str(chat.pk), "files": image_id},
                {"type": "message.send", "thread": str(chat.pk), "files": [image_id]},
                {"type": "message.send", "thread": str(chat.pk), "files": [image_id]},
            ):
                await socket.send(frame)
            return [
                f for f in await socket.receive_events(4) if f["type"] in ("message.ack", "error")
            ]

    not_a_list, sent, again = run(scenario)

    assert (not_a_list["type"], not_a_list["error"]["field"]) == ("error", "files")
    assert sent["type"] == "message.ack"
    assert (again["type"], again["error"]["field"]) == ("error", "files")  # sent once only
    [message] = client_for(alice).get(f"/chats/{chat.pk}").json()["messages"]["items"]
    assert message["id"] == sent["message"]["id"]
    assert message["type"] == "image" and message["image"]["id"] == image_id
