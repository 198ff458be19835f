"""Issue 12, item 11: a ``client_id`` reused in another thread is a 409 conflict, never the
user's message from that other thread."""

import pytest

from chatproject.errors import Conflict
from chats import services as chat_services
from chats.models import Message
from tests.realtime.conftest import connected, run
from threads import services as thread_services


@pytest.fixture
def other_thread(workspace, alice, bob):
    return thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="Elsewhere", members=[bob]
    )


@pytest.mark.django_db
def test_the_same_client_id_in_another_thread_is_a_conflict(custom_thread, other_thread, bob):
    first = chat_services.message_send(thread=custom_thread, actor=bob, text="a", client_id="c1")

    with pytest.raises(Conflict) as clash:
        chat_services.message_send(thread=other_thread, actor=bob, text="b", client_id="c1")

    assert clash.value.field == "client_id"
    assert list(Message.objects.filter(author=bob).values_list("pk", flat=True)) == [first.pk]


@pytest.mark.django_db
def test_a_retry_in_the_same_thread_still_returns_the_first_message(custom_thread, bob):
    first = chat_services.message_send(thread=custom_thread, actor=bob, text="a", client_id="c1")

    again = chat_services.message_send(thread=custom_thread, actor=bob, text="a", client_id="c1")

    assert again.pk == first.pk


@pytest.mark.django_db(transaction=True)
def test_over_the_socket_the_clash_is_an_error_frame_without_the_other_message(
    custom_thread, other_thread, bob
):
    chat_services.message_send(thread=custom_thread, actor=bob, text="secret", client_id="c1")

    async def scenario():
        async with connected(bob) as socket:
            await socket.send(
                {
                    "type": "message.send",
                    "thread": str(other_thread.pk),
                    "text": "hello",
                    "client_id": "c1",
                }
            )
            frame = await socket.receive()
            while frame["type"] != "error":
                assert frame["type"] != "message.ack", frame
                frame = await socket.receive()
            assert frame["error"]["code"] == "conflict"
            assert frame["error"]["field"] == "client_id"
            assert "secret" not in str(frame)

    run(scenario)
