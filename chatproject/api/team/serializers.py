"""Translation between the Team API's documented shapes (seed 002) and the domain.

Field names are the seed's (``_id``, ``from``, ``replyTo``...), times are epoch
milliseconds, ids UUID strings. No rules live here: those are the services'.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatproject.api.common.fields import (
    StrictCharField,
    StrictUUIDField,
    optional_text_schema,
    text_schema,
)
from reactions.models import THUMBS_DOWN, THUMBS_UP
from threads.models import Thread
from threads.services import PROJECT_REF_MAX_LENGTH, TITLE_MAX_LENGTH

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_USERS_PER_REQUEST = 500

# The seed's thread types; session and support threads belong to other surfaces.
TYPE_OF_KIND = {
    Thread.Kind.DIRECT: "personal",
    Thread.Kind.GROUP: "group",
    Thread.Kind.CUSTOM: "custom",
}
TEAM_KINDS = tuple(TYPE_OF_KIND)


def epoch_ms(value: datetime | None) -> int:
    """Milliseconds since the epoch (0 for "never"), exact: no float rounding."""
    if value is None:
        return 0
    return (value - EPOCH) // timedelta(milliseconds=1)


# --- input --------------------------------------------------------------------------


@extend_schema_field({"type": "string", "maxLength": settings.CHAT_MESSAGE_MAX_LENGTH})
class ContentField(StrictCharField):
    """Message text; the message service enforces (and names) the length limit."""


class SendMessageRequest(serializers.Serializer):
    exactly_one_of = ("thread", "to")
    # The message service's rule, documented: some text, or at least one file.
    schema_rules = {
        "anyOf": [
            {
                "properties": {"content": text_schema(max_length=settings.CHAT_MESSAGE_MAX_LENGTH)},
                "required": ["content"],
            },
            {"properties": {"files": {"minItems": 1}}, "required": ["files"]},
        ]
    }

    thread = StrictUUIDField(required=False, help_text="Thread id (an existing thread).")
    to = StrictUUIDField(required=False, help_text="User id (creates the personal thread).")
    content = ContentField(required=False, allow_blank=True, trim_whitespace=False)
    files = serializers.ListField(
        child=StrictUUIDField(),
        required=False,
        help_text="File ids from POST /api/v1/files; at most `CHAT_MESSAGE_MAX_FILES` (10).",
    )
    replyTo = StrictUUIDField(required=False, allow_null=True, help_text="Message id.")

    def validate(self, attrs):
        # Which target to use is a matter of the request's shape, so it is checked here.
        if "thread" in attrs and "to" in attrs:
            raise serializers.ValidationError({"to": ["Set either thread or to, not both."]})
        if "thread" not in attrs and "to" not in attrs:
            raise serializers.ValidationError({"thread": ["Either thread or to is required."]})
        return attrs


class CreateThreadRequest(serializers.Serializer):
    # The thread services' rules, documented: a custom thread (the default type) needs a
    # name; a group thread needs its project id and may have a name.
    schema_rules = {
        "oneOf": [
            {
                "properties": {
                    "type": {"type": "string", "pattern": "^custom$"},
                    "name": text_schema(max_length=TITLE_MAX_LENGTH),
                },
                "required": ["name"],
            },
            {
                "properties": {
                    "type": {"type": "string", "pattern": "^group$"},
                    "group": text_schema(max_length=PROJECT_REF_MAX_LENGTH),
                    "name": optional_text_schema(max_length=TITLE_MAX_LENGTH),
                },
                "required": ["type", "group"],
            },
        ]
    }

    type = serializers.ChoiceField(choices=["custom", "group"], default="custom")
    name = StrictCharField(required=False, allow_blank=True, help_text="Custom threads.")
    group = StrictCharField(required=False, help_text="Project id (group threads).")
    users = serializers.ListField(
        child=StrictUUIDField(), required=False, default=list, max_length=MAX_USERS_PER_REQUEST
    )


class AddUsersRequest(serializers.Serializer):
    users = serializers.ListField(
        child=StrictUUIDField(), min_length=1, max_length=MAX_USERS_PER_REQUEST
    )


class UploadRequest(serializers.Serializer):
    file = serializers.FileField()


# --- output -------------------------------------------------------------------------


@extend_schema_field(OpenApiTypes.INT64)
class EpochMillisField(serializers.Field):
    def to_representation(self, value):
        return epoch_ms(value)


class ChatFile(serializers.Serializer):
    _id = serializers.UUIDField(source="id", label="Id")
    name = serializers.CharField()
    size = serializers.IntegerField()
    type = serializers.CharField(source="content_type")
    url = serializers.SerializerMethodField()

    def get_url(self, attachment) -> str:
        path = reverse("team-file-detail", args=[attachment.id])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


class ChatMessage(serializers.Serializer):
    """A message. ``likes``/``dislikes`` are the ids of the users who reacted
    ``:thumbsup:``/``:thumbsdown:``; ``createdAt`` is in epoch milliseconds."""

    # Reads messages from chats.selectors.with_files_and_thumbs.

    _id = serializers.UUIDField(source="id", label="Id")
    thread = serializers.UUIDField(source="thread_id")
    # ``from`` is a Python keyword, so it is declared through the class namespace.
    locals()["from"] = serializers.UUIDField(source="author_id", allow_null=True)
    content = serializers.CharField(source="text")
    files = ChatFile(source="attachments.all", many=True)
    likes = serializers.SerializerMethodField()
    dislikes = serializers.SerializerMethodField()
    replyTo = serializers.UUIDField(source="reply_to_id", allow_null=True)
    createdAt = EpochMillisField(source="created_at")

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_likes(self, message) -> list[str]:
        return [str(r.user_id) for r in message.thumbs if r.name == THUMBS_UP]

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_dislikes(self, message) -> list[str]:
        return [str(r.user_id) for r in message.thumbs if r.name == THUMBS_DOWN]


def chat_message_rows(rows, *, request) -> list[dict]:
    """History rows (``chats.selectors.MessageRow``) in exactly ``ChatMessage``'s shape.

    ``ChatMessage`` stays the documented schema; this writes the same keys in the same
    order with plain dicts, because a page of 20 through DRF's field machinery cost about
    a fifth of a history read's CPU. ``tests/api/team/test_messages.py`` checks the two
    agree, files, likes and replies included.
    """
    out = []
    for row in rows:
        out.append(
            {
                "_id": str(row.id),
                "thread": str(row.thread_id),
                "from": str(row.author_id) if row.author_id is not None else None,
                "content": row.text,
                "files": [
                    {
                        "_id": str(f.id),
                        "name": f.name,
                        "size": f.size,
                        "type": f.content_type,
                        "url": request.build_absolute_uri(reverse("team-file-detail", args=[f.id])),
                    }
                    for f in row.files
                ],
                "likes": [str(user_id) for user_id, name in row.thumbs if name == THUMBS_UP],
                "dislikes": [str(user_id) for user_id, name in row.thumbs if name == THUMBS_DOWN],
                "replyTo": str(row.reply_to_id) if row.reply_to_id is not None else None,
                "createdAt": epoch_ms(row.created_at),
            }
        )
    return out


class ChatThread(serializers.Serializer):
    """A chat thread as the caller sees it. ``group`` is set on group threads only and
    ``name`` on custom threads only; ``users`` on every thread (a group thread's current
    members). Times are epoch milliseconds."""

    # Reads threads from chats.selectors.threads_with_activity + attach_last_messages.

    _id = serializers.UUIDField(source="id", label="Id")
    type = serializers.ChoiceField(choices=list(TYPE_OF_KIND.values()), source="kind")
    group = serializers.CharField(
        source="project_ref", required=False, help_text="Project id; group threads only."
    )
    name = serializers.CharField(source="title", required=False, help_text="Custom threads only.")
    users = serializers.SerializerMethodField()
    activity = EpochMillisField(source="activity_at")
    access = serializers.SerializerMethodField(
        help_text="Creation time of the newest message the caller has read; 0 if never."
    )
    lastMessage = ChatMessage(source="last_message", allow_null=True)
    newActivityCount = serializers.IntegerField(source="unread_count")
    createdAt = EpochMillisField(source="created_at")

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_users(self, thread) -> list[str]:
        return [str(m.user_id) for m in thread.member_list]

    @extend_schema_field(OpenApiTypes.INT64)
    def get_access(self, thread) -> int:
        return epoch_ms(thread.read_mark)

    def to_representation(self, thread):
        data = super().to_representation(thread)
        data["type"] = TYPE_OF_KIND[thread.kind]
        if thread.kind != Thread.Kind.GROUP:
            del data["group"]
        if thread.kind != Thread.Kind.CUSTOM:
            del data["name"]
        return data


class SendMessageResponse(serializers.Serializer):
    message = serializers.UUIDField(help_text="The new message's id.")
    thread = ChatThread(required=False, help_text="Only when this message created the thread.")


class Person(serializers.Serializer):
    _id = serializers.UUIDField(source="id", label="Id")
    username = serializers.CharField()
    name = serializers.CharField()


class ErrorBody(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    field = serializers.CharField(allow_null=True)


class Error(serializers.Serializer):
    error = ErrorBody()
