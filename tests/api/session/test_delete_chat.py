"""DELETE /v1/chats/{chatId}."""

import uuid

from chats.models import Message
from tests.api.session.conftest import assert_problem
from threads.models import Event


def test_author_deletes_own_message(as_guest, post, session_thread, bob):
    message = post(bob, "oops")
    response = as_guest.delete(f"/v1/chats/{message.id}")
    assert response.status_code == 200
    assert Message.objects.get(pk=message.pk).is_removed
    assert Event.objects.filter(thread=session_thread).latest("id").type == "message.removed"
    assert_problem(as_guest.delete(f"/v1/chats/{message.id}"), 404)


def test_host_deletes_anyones_message(as_host, post, bob):
    message = post(bob, "rude")
    assert as_host.delete(f"/v1/chats/{message.id}").status_code == 200
    assert Message.objects.get(pk=message.pk).is_removed


def test_participant_cannot_delete_others_messages(as_guest, post, alice):
    message = post(alice, "agenda")
    assert_problem(as_guest.delete(f"/v1/chats/{message.id}"), 403)
    assert not Message.objects.get(pk=message.pk).is_removed


def test_unknown_malformed_and_other_sessions_ids_are_404(as_guest, as_other_host, post, bob):
    message = post(bob, "mine")
    assert_problem(as_guest.delete(f"/v1/chats/{uuid.uuid4()}"), 404)
    assert_problem(as_guest.delete("/v1/chats/not-a-uuid"), 404)
    assert_problem(as_other_host.delete(f"/v1/chats/{message.id}"), 404)
    assert not Message.objects.get(pk=message.pk).is_removed
