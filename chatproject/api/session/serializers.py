"""Translation between the Session API's documented shapes and the domain. No logic here."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatproject.api.common.fields import StrictCharField
from chats.selectors import reactions_summary


class CreateChatMessageRequest(serializers.Serializer):
    message = StrictCharField(allow_blank=True, trim_whitespace=False)


class CreateChatReactionRequest(serializers.Serializer):
    reaction = StrictCharField()


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


class CreateSessionRequest(serializers.Serializer):
    title = StrictCharField(max_length=200)


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
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
