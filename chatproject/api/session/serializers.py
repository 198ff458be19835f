"""Translation between the Session API's documented shapes and the domain. No logic here."""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatproject.api.common.fields import StrictCharField
from chats.selectors import MessageSort, reactions_summary
from reactions.models import ALIASES, THUMBS_DOWN, THUMBS_UP

SORT_CHOICES = [MessageSort.CREATED_AT, MessageSort.PINNED, THUMBS_UP, THUMBS_DOWN]
# Seed 000 declares Skip and Take as int32; a larger Skip would overflow the database's OFFSET.
INT32_MAX = 2**31 - 1


class GivenIsParsed:
    """A query parameter that is present but empty (``Take=``) is malformed, not absent.

    DRF reads an empty form value of an optional field as "not given"; the seed's
    parameters have defaults for *absent* values only.
    """

    def get_value(self, dictionary):
        if self.field_name in dictionary and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class StrictBooleanField(GivenIsParsed, serializers.BooleanField):
    """``true``/``false`` only (any case): ``Ascending=maybe`` is an error, not a guess."""

    TRUE_VALUES = {"true", "True", "TRUE", True}
    FALSE_VALUES = {"false", "False", "FALSE", False}

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = data.strip().lower()
            if data in {"true", "false"}:
                return data == "true"
        elif isinstance(data, bool):
            return data
        self.fail("invalid", input=data)


class StrictIntegerField(GivenIsParsed, serializers.IntegerField):
    """Digits only: ``Take=5.0`` or ``Skip=1e3`` is malformed, not rounded into a number."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not re.fullmatch(r"\s*[+-]?\d{1,12}\s*", data):
            self.fail("invalid")
        if isinstance(data, bool | float):
            self.fail("invalid")
        return super().to_internal_value(data)


class SortByField(GivenIsParsed, serializers.ChoiceField):
    """The seed's enum, plus the ``:thumbs_up:`` spellings its prose uses for the same reactions."""

    def to_internal_value(self, data):
        return super().to_internal_value(ALIASES.get(data, data) if isinstance(data, str) else data)


class ListQuerySerializer(serializers.Serializer):
    Skip = StrictIntegerField(min_value=0, max_value=INT32_MAX, default=0)
    Take = StrictIntegerField(min_value=1, max_value=20, default=20)
    SortBy = SortByField(choices=SORT_CHOICES, default=MessageSort.CREATED_AT)
    Ascending = StrictBooleanField(default=True)


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
