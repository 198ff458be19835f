"""Reads of reactions that the surfaces share."""

from django.db.models import QuerySet

from chatproject.errors import NotFound, uuid_or_not_found
from chats.models import Message
from reactions.models import Reaction


def reactions_of_messages(*, messages: QuerySet[Message]) -> QuerySet[Reaction]:
    """Every reaction on the given messages, oldest first (one query, however many messages)."""
    return Reaction.objects.filter(message__in=messages.values("pk")).order_by("created_at", "id")


def reaction_of_message(*, message: Message, reaction_id: object) -> Reaction:
    """The reaction ``reaction_id`` on this message; ``NotFound`` for any other id."""
    reaction_id = uuid_or_not_found(reaction_id, "Reaction not found.")
    reaction = Reaction.objects.filter(pk=reaction_id, message=message).first()
    if reaction is None:
        raise NotFound("Reaction not found.")
    return reaction
