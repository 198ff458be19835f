"""Translation between the Support API's documented shapes (seed 003) and the domain.

Field names, types and nullability are the seed's; the directory (channels, external
users, members, responders, tickets, messages) is ours and follows the same style
(camelCase, UUID strings, ISO 8601 times). Owners and responders are always shown by
their super identity id. No rules live here: those are the services'.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from chatproject.api.common.bodies import PatchBody
from chatproject.api.common.fields import (
    HTTP_URL_PATTERN,
    StrictCharField,
    StrictUUIDField,
    blank_or_schema,
    optional_text_schema,
    text_schema,
)
from chats.models import Message
from chats.selectors import PREVIEW_LENGTH
from threads.models import Channel, Responder, Ticket, WorkspaceMember

TITLE_MAX_LENGTH = 200
NAME_MAX_LENGTH = 200
IDENTIFIER_MAX_LENGTH = 255
EMAIL_MAX_LENGTH = 254


# Request fields whose schema says what the services accept (they trim text, refuse NUL
# characters and check e-mails and URLs), so a schema-valid value is never refused.


@extend_schema_field(text_schema(max_length=NAME_MAX_LENGTH))
class NameField(StrictCharField):
    """A required name: not only whitespace."""


@extend_schema_field(text_schema(max_length=IDENTIFIER_MAX_LENGTH))
class IdentifierField(StrictCharField):
    """A customer's identifier: not only whitespace."""


@extend_schema_field(optional_text_schema(max_length=TITLE_MAX_LENGTH))
class OptionalTextField(StrictCharField):
    """Optional text (titles, subjects, names): may be blank; 200 characters at most."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", TITLE_MAX_LENGTH)
        kwargs.setdefault("required", False)
        super().__init__(allow_null=True, allow_blank=True, **kwargs)


@extend_schema_field(blank_or_schema({"format": "email"}, max_length=EMAIL_MAX_LENGTH))
class OptionalEmailField(OptionalTextField):
    """Blank, or an e-mail address the customer service validates."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", EMAIL_MAX_LENGTH)
        super().__init__(**kwargs)


@extend_schema_field(blank_or_schema({"pattern": HTTP_URL_PATTERN}, max_length=NAME_MAX_LENGTH))
class OptionalUrlField(OptionalTextField):
    """Blank, or an http(s) URL the responder service validates."""


@extend_schema_field(text_schema(max_length=settings.CHAT_MESSAGE_MAX_LENGTH))
class MessageTextField(StrictCharField):
    """A message text: the message service trims it and needs some text."""


class NullIfBlankCharField(serializers.CharField):
    """Output only: a blank stored value is shown as ``null`` (the seed's nullable strings)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return value or None


# --- chats (seed 003) -------------------------------------------------------------------


class ChatRow(serializers.Serializer):
    """One chat, as ``GET/POST/PATCH /chats`` answer it."""

    createdAt = serializers.DateTimeField(source="created_at")
    id = serializers.UUIDField()
    isRemoved = serializers.BooleanField(source="is_removed")
    updatedAt = serializers.DateTimeField(source="updated_at")
    channelId = serializers.UUIDField(source="channel_id", allow_null=True)
    currentResponderId = serializers.UUIDField(
        source="current_responder_identity_id", allow_null=True
    )
    lastChatMessageCreatedAt = serializers.DateTimeField(source="last_message_at", allow_null=True)
    ownerId = serializers.UUIDField(
        source="owner_identity_id",
        help_text="The super identity ID of the chat owner. Can refer to users.superIdentityId "
        "or externalUsers.superIdentityId.",
    )
    responderId = serializers.UUIDField(
        source="responder_identity_id",
        help_text="The super identity ID of the current chat responder. Can refer to "
        "agents.superIdentityId or squads.superIdentityId.",
    )
    title = NullIfBlankCharField()
    workspaceId = serializers.UUIDField(source="workspace_id")


# Seed 003 names no models; "ChatDetail" and "MessageOut" are seed 004's (Messenger API)
# component names, so this surface's carry its prefix in the combined document.
@extend_schema_serializer(component_name="SupportChatDetail")
class ChatDetail(serializers.Serializer):
    """One chat with everything an inbox shows (``/chats/details``, ``/chats/{id}/details``)."""

    channelId = serializers.UUIDField(source="channel_id", allow_null=True)
    channelName = serializers.CharField(source="channel_name", allow_null=True)
    channelType = serializers.ChoiceField(
        source="channel_type", choices=Channel.Type.choices, allow_null=True
    )
    createdAt = serializers.DateTimeField(source="created_at")
    id = serializers.UUIDField()
    isOwnerBlocked = serializers.BooleanField(source="is_owner_blocked", allow_null=True)
    isRemoved = serializers.BooleanField(source="is_removed")
    lastMessageContent = serializers.CharField(
        source="last_message_content",
        allow_null=True,
        help_text=f"The content preview of the latest message in the chat: its first "
        f"{PREVIEW_LENGTH} characters.",
    )
    lastMessageCreatedAt = serializers.DateTimeField(
        source="last_message_created_at", allow_null=True
    )
    lastMessageRole = serializers.ChoiceField(
        source="last_message_role", choices=Message.Role.choices, allow_null=True
    )
    ownerEmail = serializers.CharField(
        source="owner_email",
        allow_null=True,
        help_text="The email of the chat owner when the owner is a platform user.",
    )
    ownerId = serializers.UUIDField(source="owner_identity_id")
    ownerIdentifier = serializers.CharField(
        source="owner_identifier",
        allow_null=True,
        help_text="The identifier of the chat owner when the owner is an external user.",
    )
    ownerName = serializers.CharField(source="owner_name", allow_null=True)
    penultimateMessageContent = serializers.CharField(
        source="penultimate_message_content",
        allow_null=True,
        help_text=f"The content preview of the message immediately before the latest one: its "
        f"first {PREVIEW_LENGTH} characters.",
    )
    penultimateMessageCreatedAt = serializers.DateTimeField(
        source="penultimate_message_created_at", allow_null=True
    )
    penultimateMessageRole = serializers.ChoiceField(
        source="penultimate_message_role", choices=Message.Role.choices, allow_null=True
    )
    responderEntity = serializers.ChoiceField(
        source="responder_entity", choices=Responder.Entity.choices
    )
    responderId = serializers.UUIDField(source="responder_identity_id")
    responderName = serializers.CharField(source="responder_name")
    responderPicture = serializers.CharField(source="responder_picture", allow_null=True)
    responderVersionId = serializers.UUIDField(source="responder_version_id", allow_null=True)
    responderVersionNumber = serializers.IntegerField(
        source="responder_version_number", allow_null=True
    )
    ticketId = serializers.UUIDField(source="ticket_id", allow_null=True)
    ticketStatus = serializers.ChoiceField(
        source="ticket_status", choices=Ticket.Status.choices, allow_null=True
    )
    title = NullIfBlankCharField()
    workspaceId = serializers.UUIDField(source="workspace_id")


class CreateChatRequest(serializers.Serializer):
    channelId = StrictUUIDField(allow_null=True, help_text="A channel of the workspace, or null.")
    ownerId = StrictUUIDField(
        help_text="The super identity ID of the chat owner: an external user's or a "
        "platform user's (a member of the workspace)."
    )
    title = OptionalTextField(required=True)
    responderId = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="Ours: the responder's super identity ID. Absent: the channel's "
        "responder, else the workspace's default responder.",
    )
    responderVersionId = StrictUUIDField(
        required=False,
        allow_null=True,
        help_text="Ours: a version of the responder. Absent: its latest version.",
    )


class UpdateChatRequest(PatchBody):
    """The fields to change; any other field is refused (400 naming it)."""

    lastChatMessageCreatedAt = serializers.DateTimeField(required=False, allow_null=True)
    title = OptionalTextField()


class DetailsQuery(serializers.Serializer):
    responderVersionId = StrictUUIDField(required=False)


class Removed(serializers.Serializer):
    message = serializers.CharField(
        help_text="An informative message for a call that has no effective result to be returned."
    )


# --- directory (ours) -------------------------------------------------------------------


class ChannelOut(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    type = serializers.ChoiceField(choices=Channel.Type.choices)
    responderId = serializers.UUIDField(
        source="responder_identity_id",
        allow_null=True,
        help_text="The super identity ID of the responder of the channel's new chats.",
    )
    createdAt = serializers.DateTimeField(source="created_at")


class CreateChannelRequest(serializers.Serializer):
    name = NameField(max_length=NAME_MAX_LENGTH)
    type = serializers.ChoiceField(choices=Channel.Type.choices)
    responderId = StrictUUIDField(required=False, allow_null=True)


class ExternalUserOut(serializers.Serializer):
    id = serializers.UUIDField()
    superIdentityId = serializers.UUIDField(source="super_identity_id")
    identifier = serializers.CharField()
    name = NullIfBlankCharField()
    email = NullIfBlankCharField()
    isBlocked = serializers.BooleanField(source="is_blocked")
    createdAt = serializers.DateTimeField(source="created_at")


class CreateExternalUserRequest(serializers.Serializer):
    identifier = IdentifierField(
        max_length=IDENTIFIER_MAX_LENGTH, help_text="Phone number, handle or e-mail."
    )
    name = OptionalTextField()
    email = OptionalEmailField()


class MemberOut(serializers.Serializer):
    userId = serializers.UUIDField(source="user_id")
    superIdentityId = serializers.UUIDField(source="user.super_identity_id")
    username = serializers.CharField(source="user.username")
    name = serializers.CharField(source="user.name")
    email = NullIfBlankCharField(source="user.email")
    role = serializers.ChoiceField(choices=WorkspaceMember.Role.choices)


class ResponderOut(serializers.Serializer):
    id = serializers.UUIDField(
        source="super_identity_id", help_text="The responder's super identity ID."
    )
    name = serializers.CharField()
    entity = serializers.ChoiceField(choices=Responder.Entity.choices)
    picture = NullIfBlankCharField()
    createdAt = serializers.DateTimeField(source="created_at")


class CreateResponderRequest(serializers.Serializer):
    name = NameField(max_length=NAME_MAX_LENGTH)
    entity = serializers.ChoiceField(choices=Responder.Entity.choices)
    picture = OptionalUrlField(help_text="An http(s) URL.")


class ResponderVersionOut(serializers.Serializer):
    id = serializers.UUIDField()
    number = serializers.IntegerField()
    createdAt = serializers.DateTimeField(source="created_at")


@extend_schema_serializer(component_name="SupportMessageOut")
class MessageOut(serializers.Serializer):
    id = serializers.UUIDField()
    chatId = serializers.UUIDField(source="thread_id")
    role = serializers.ChoiceField(choices=Message.Role.choices)
    content = serializers.CharField(source="text")
    createdAt = serializers.DateTimeField(source="created_at")


class CreateMessageRequest(serializers.Serializer):
    role = serializers.ChoiceField(
        choices=Message.Role.choices,
        help_text="`user`: written as the chat's owner; `assistant`: as its responder; "
        "`agent` and `system`: no author.",
    )
    content = MessageTextField(trim_whitespace=False)


class TicketOut(serializers.Serializer):
    id = serializers.UUIDField()
    subject = NullIfBlankCharField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices)
    chatIds = serializers.SerializerMethodField(help_text="The chats the ticket is linked to.")
    createdAt = serializers.DateTimeField(source="created_at")
    updatedAt = serializers.DateTimeField(source="updated_at")

    def get_chatIds(self, ticket) -> list[str]:
        return [str(chat.id) for chat in ticket.chat_list]


class CreateTicketRequest(serializers.Serializer):
    chatId = StrictUUIDField(help_text="The chat the ticket is for; it becomes its ticket.")
    subject = OptionalTextField()
    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)


class UpdateTicketRequest(PatchBody):
    """The fields to change; any other field is refused (400 naming it)."""

    status = serializers.ChoiceField(choices=Ticket.Status.choices, required=False)
    subject = OptionalTextField()
