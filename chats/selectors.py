"""Reads of messages that more than one caller needs."""

from django.db.models import QuerySet

from chatproject.errors import NotFound
from chats.models import Message
from threads.models import Thread
from threads.selectors import visible_threads_q


def visible_messages(*, user) -> QuerySet[Message]:
    """Messages the user may see: not removed, in a thread the user may see."""
    return Message.objects.filter(
        is_removed=False,
        thread__in=Thread.objects.filter(visible_threads_q(user)).values("pk"),
    )


def message_get_for_user(*, user, message_id, thread_id=None) -> Message:
    """The message if the user may see it; ``NotFound`` whether it is missing or hidden."""
    qs = visible_messages(user=user).select_related("thread", "author")
    if thread_id is not None:
        qs = qs.filter(thread_id=thread_id)
    try:
        return qs.get(pk=message_id)
    except (Message.DoesNotExist, ValueError, TypeError):
        raise NotFound("Message not found.") from None


def thread_messages(*, thread_id) -> QuerySet[Message]:
    """A thread's visible messages in history order, with what every surface shows."""
    return (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .select_related("author", "author_external")
        .order_by("created_at", "id")
    )
