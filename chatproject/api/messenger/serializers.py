"""The Messenger API's documented shapes (seed 004) and their translation from the domain.

Class names are the OpenAPI component names a FastAPI service would publish (``ChatCreate``,
``ChatDetail``, ...), so a client generated from our document has the seed's model names.
JSON is snake_case, times ISO 8601 UTC, ids UUIDs. No rules live here: those are the
services'.
"""

from django.conf import settings
from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatproject.api.common.fields import optional_text_schema, text_schema
from chatproject.api.common.paging import OFFSET_MAX
from chatproject.api.messenger.validation import ListOf, Literal, QueryInt, Str, UUIDStr
from threads.models import Thread

# Which threads are Messenger chats, and what each is called here.
TYPE_OF_KIND = {
    Thread.Kind.DIRECT: "direct",
    Thread.Kind.CUSTOM: "group",
    Thread.Kind.GROUP: "group",
}
MESSENGER_KINDS = tuple(TYPE_OF_KIND)
CHAT_TYPES = ["direct", "group"]
MESSAGE_TYPES = ["text", "image"]
MAX_MEMBERS_PER_REQUEST = 100
NAME_MAX_LENGTH = Thread._meta.get_field("title").max_length


def absolute(request, name: str, *args) -> str:
    path = reverse(name, args=args)
    return request.build_absolute_uri(path) if request is not None else path


# --- input --------------------------------------------------------------------------


class ChatCreate(serializers.Serializer):
    # The view's rule, documented: a direct chat needs another member; a name makes a group.
    schema_rules = {
        "anyOf": [
            {"required": ["name"], "properties": {"name": {"type": "string"}}},
            {"properties": {"member_ids": {"minItems": 1}}},
        ]
    }

    member_ids = ListOf(
        child=UUIDStr(),
        max_length=MAX_MEMBERS_PER_REQUEST,
        help_text="The other members (the caller is always a member).",
    )
    name = Str(
        required=False,
        allow_null=True,
        max_length=NAME_MAX_LENGTH,
        schema=text_schema(max_length=NAME_MAX_LENGTH),
        help_text="A name makes a group chat even with one other member.",
    )


class MessageCreate(serializers.Serializer):
    # ``validate`` below and the message service, documented: a text message (the default
    # type) has some text; an image message has an ``image_id``.
    schema_rules = {
        "oneOf": [
            {
                "properties": {
                    "type": {"type": "string", "pattern": "^text$"},
                    "text": text_schema(max_length=settings.CHAT_MESSAGE_MAX_LENGTH),
                },
                "required": ["text"],
            },
            {
                "properties": {
                    "type": {"type": "string", "pattern": "^image$"},
                    "image_id": {"type": "string"},
                },
                "required": ["type", "image_id"],
            },
        ]
    }

    type = Literal(MESSAGE_TYPES, required=False, default="text")
    text = Str(
        required=False,
        allow_null=True,
        schema=optional_text_schema(max_length=settings.CHAT_MESSAGE_MAX_LENGTH),
        help_text="Required for text messages.",
    )
    image_id = UUIDStr(
        required=False, allow_null=True, help_text="From POST /uploads; image messages."
    )

    def validate(self, attrs):
        # Which fields a message type needs is the request's shape, so it is checked here.
        needed = "image_id" if attrs.get("type") == "image" else "text"
        if attrs.get(needed) is None:
            raise serializers.ValidationError({needed: [serializers.ErrorDetail("", "required")]})
        return attrs


class Paging(serializers.Serializer):
    limit = QueryInt(min_value=1, max_value=100, default=20, required=False)
    offset = QueryInt(min_value=0, max_value=OFFSET_MAX, default=0, required=False)


class ChatPath(serializers.Serializer):
    chat_id = UUIDStr()


class UploadPath(serializers.Serializer):
    upload_id = UUIDStr()


class UploadForm(serializers.Serializer):
    component_name = "Body_upload_image_uploads_post"

    file = serializers.FileField(help_text="A PNG, JPEG, GIF or WebP image.")


# --- output -------------------------------------------------------------------------


class UserOut(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()
    name = serializers.CharField()


class ImageOut(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    content_type = serializers.CharField()

    def get_url(self, attachment) -> str:
        return absolute(self.context.get("request"), "messenger-upload-detail", attachment.id)

    def get_thumbnail_url(self, attachment) -> str:
        return absolute(self.context.get("request"), "messenger-upload-thumbnail", attachment.id)


class UploadOut(ImageOut):
    size = serializers.IntegerField()


def first_image(message):
    """The image a message shows: its first image file (from the prefetched files)."""
    return next((a for a in message.attachments.all() if a.is_image), None)


class MessageOut(serializers.Serializer):
    """A message. ``type`` is ``image`` when it carries an image; other files sent through
    the Team API are not shown here."""

    # Reads messages with ``author`` and ``attachments`` loaded (chats.selectors).

    id = serializers.UUIDField()
    chat_id = serializers.UUIDField(source="thread_id")
    sender = UserOut(source="author", allow_null=True)
    type = serializers.SerializerMethodField()
    text = serializers.CharField()
    image = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    @extend_schema_field({"type": "string", "enum": MESSAGE_TYPES})
    def get_type(self, message) -> str:
        return "image" if first_image(message) is not None else "text"

    @extend_schema_field(ImageOut(allow_null=True))
    def get_image(self, message) -> dict | None:
        image = first_image(message)
        return ImageOut(image, context=self.context).data if image is not None else None


class _ChatBase(serializers.Serializer):
    # Reads threads from chats.selectors.threads_with_activity + attach_member_users.

    id = serializers.UUIDField()
    type = serializers.SerializerMethodField()
    name = serializers.SerializerMethodField()
    members = UserOut(source="member_users", many=True)

    @extend_schema_field({"type": "string", "enum": CHAT_TYPES})
    def get_type(self, thread) -> str:
        return TYPE_OF_KIND[thread.kind]

    @extend_schema_field(
        {"type": "string", "nullable": True, "description": "Null for direct chats."}
    )
    def get_name(self, thread) -> str | None:
        if thread.kind == Thread.Kind.DIRECT:
            return None
        return thread.title or None


class ChatDetail(_ChatBase):
    created_by = serializers.UUIDField(source="created_by_id", allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField(
        source="activity_at", help_text="The last message's time, or the creation time."
    )


class ChatPreview(_ChatBase):
    last_message = MessageOut(allow_null=True)
    unread_count = serializers.IntegerField(help_text="Others' messages since you last read.")
    updated_at = serializers.DateTimeField(
        source="activity_at", help_text="The last message's time, or the creation time."
    )


class PageChatPreview(serializers.Serializer):
    items = ChatPreview(many=True)
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()


class PageMessageOut(serializers.Serializer):
    items = MessageOut(many=True, help_text="Newest first.")
    total = serializers.IntegerField()
    limit = serializers.IntegerField()
    offset = serializers.IntegerField()


class ChatWithMessagesPage(serializers.Serializer):
    chat = ChatDetail()
    messages = PageMessageOut()


@extend_schema_field(
    {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}
)
class _Location(serializers.ListField):
    pass


class ValidationError(serializers.Serializer):
    loc = _Location()
    msg = serializers.CharField()
    type = serializers.CharField()
    input = serializers.JSONField(required=False)


class HTTPValidationError(serializers.Serializer):
    detail = ValidationError(many=True)


class HTTPError(serializers.Serializer):
    detail = serializers.CharField()
