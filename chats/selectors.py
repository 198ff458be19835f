"""Reads of messages that more than one caller needs."""

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce

from chatproject.errors import NotFound
from chats.models import Message
from pins.models import Pin
from reactions.models import Reaction
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


class MessageSort:
    """The orders a thread's history can be listed in (seed 000 ``SortBy``)."""

    CREATED_AT = "CreatedAt"
    PINNED = "Pinned"
    REACTION = "reaction"  # with a reaction name


def thread_messages_sorted(
    *, thread_id, sort: str = MessageSort.CREATED_AT, reaction: str = "", ascending: bool = True
) -> QuerySet[Message]:
    """A thread's visible messages in a total order, ready to be cut into pages in the database.

    ``Pinned`` puts pinned messages first (reversed when descending); a reaction sorts by
    that reaction's count. Ties always break by creation time, then id, in the same
    direction, so consecutive pages never overlap or skip.
    """
    qs = (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .select_related("author", "author_external", "pin")
        .prefetch_related(
            Prefetch("reactions", queryset=Reaction.objects.order_by("created_at", "id"))
        )
    )
    if sort == MessageSort.PINNED:
        qs = qs.annotate(sort_key=Exists(Pin.objects.filter(message=OuterRef("pk"))))
        # "Ascending" by pin means "pinned first" (True sorts after False, hence the minus);
        # descending is the exact reverse of that order.
        if ascending:
            return qs.order_by("-sort_key", "created_at", "id")
        return qs.order_by("sort_key", "-created_at", "-id")
    if sort == MessageSort.REACTION:
        counts = (
            Reaction.objects.filter(message=OuterRef("pk"), name=reaction)
            .order_by()
            .values("message")
            .annotate(n=Count("*"))
            .values("n")
        )
        qs = qs.annotate(sort_key=Coalesce(Subquery(counts), 0))
        keys = ["sort_key", "created_at", "id"]
    else:
        keys = ["created_at", "id"]
    return qs.order_by(*(keys if ascending else [f"-{k}" for k in keys]))


def reactions_summary(message: Message) -> list[dict]:
    """``[{name, count, users: [ids]}]`` from the prefetched reactions, in order of first use."""
    grouped: dict[str, list] = {}
    for reaction in message.reactions.all():
        grouped.setdefault(reaction.name, []).append(reaction.user_id)
    return [{"name": n, "count": len(users), "users": users} for n, users in grouped.items()]
