"""Translation between the Session API's documented shapes and the domain. No logic here."""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatproject.api.common.fields import StrictCharField, text_schema
from chats.selectors import reactions_summary
from reactions.models import ALIASES
from reactions.services import SESSION_REACTIONS


@extend_schema_field(text_schema(max_length=settings.CHAT_SESSION_MESSAGE_MAX_LENGTH))
class SessionMessageField(StrictCharField):
    """The message service's limits, documented (the service enforces them)."""


# Both spellings the reaction service takes (``:thumbsup:`` and ``:thumbs_up:``...).
SESSION_REACTION_NAMES = sorted(
    SESSION_REACTIONS | {alias for alias, name in ALIASES.items() if name in SESSION_REACTIONS}
)


@extend_schema_field({"type": "string", "enum": SESSION_REACTION_NAMES})
class SessionReactionField(StrictCharField):
    """The reactions a session accepts (the reaction service decides), documented."""

    def __init__(self, **kwargs):
        super().__init__(allow_blank=True, **kwargs)  # the service names the bad reaction


class CreateChatMessageRequest(serializers.Serializer):
    message = SessionMessageField(trim_whitespace=False)


class CreateChatReactionRequest(serializers.Serializer):
    reaction = SessionReactionField()


class SingleMessageDto(serializers.Serializer):
    chatId = serializers.UUIDField(source="id")
    message = serializers.CharField(source="text")
    createdAt = serializers.DateTimeField(source="created_at")


class ChatUser(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()


class Pinned(serializers.Serializer):
    id = serializers.UUIDField()


class ReactedUser(serializers.Serializer):
    id = serializers.UUIDField()


class Reaction(serializers.Serializer):
    name = serializers.CharField()
    count = serializers.IntegerField()
    users = ReactedUser(many=True)


class MessageDto(SingleMessageDto):
    user = serializers.SerializerMethodField()
    pinned = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()

    @extend_schema_field(ChatUser)
    def get_user(self, message):
        author = message.author
        if author is not None:
            return {"id": str(author.pk), "name": author.name}
        external = message.author_external
        if external is not None:
            return {"id": str(external.pk), "name": str(external)}
        return None

    @extend_schema_field(Pinned(allow_null=True))
    def get_pinned(self, message):
        pin = getattr(message, "pin", None)
        return {"id": str(pin.pk)} if pin is not None else None

    @extend_schema_field(Reaction(many=True))
    def get_reactions(self, message):
        return [
            {"name": r["name"], "count": r["count"], "users": [{"id": str(u)} for u in r["users"]]}
            for r in reactions_summary(message)
        ]


class PagedMessagesDto(serializers.Serializer):
    totalCount = serializers.IntegerField()
    messages = MessageDto(many=True)


class ChatReactionCreatedResponseDto(serializers.Serializer):
    reactionId = serializers.UUIDField()


class ChatMessagesReactionsDto(serializers.Serializer):
    chatId = serializers.UUIDField(source="message_id")
    id = serializers.UUIDField()
    reaction = serializers.CharField(source="name")


class PinCreatedDto(serializers.Serializer):
    pinId = serializers.UUIDField(source="id")


@extend_schema_field(text_schema(max_length=200))
class SessionTitleField(StrictCharField):
    """A session title: 1..200 characters, not only whitespace (the service trims it)."""


class CreateSessionRequest(serializers.Serializer):
    title = SessionTitleField(max_length=200)


class SessionCreatedDto(serializers.Serializer):
    sessionId = serializers.UUIDField()
    token = serializers.CharField()


class SessionTokenDto(serializers.Serializer):
    token = serializers.CharField()


class ProblemDetails(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
