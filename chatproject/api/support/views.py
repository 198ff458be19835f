"""The Support API (seed 003): a workspace's customer chats, answered by responders, with
the directory they need (channels, external users, members, responders, tickets,
messages), all under one workspace API key.

Six viewsets on a router (``urls.py``). Each action parses the request, calls one service
or selector, and renders. Everything is scoped to the key's workspace: an id of another
workspace answers exactly like an unknown one. API-key calls are trusted callers already
scoped to their workspace, so the services run with ``actor=SYSTEM``.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from chatproject.actors import SYSTEM
from chatproject.api.common import idempotency
from chatproject.api.common.auth import ApiKeyAuthentication
from chatproject.api.common.bodies import JSONParser, parse_body
from chatproject.api.common.filters import query_parameters
from chatproject.api.common.idempotency import send_once
from chatproject.api.common.ids import path_id
from chatproject.api.common.schema import ANY_SEGMENT, SurfaceAutoSchema
from chatproject.api.common.unknown import UnknownPath
from chatproject.api.support import errors
from chatproject.api.support import serializers as s
from chatproject.api.support.filters import ChatListQuery, PageNumberQuery
from chatproject.errors import InvalidInput, NotFound
from chats import selectors as chat_selectors
from chats import services as chat_services
from threads import selectors as thread_selectors
from threads import services as thread_services
from threads.models import Thread, Ticket

TAGS = ["support"]

TOTAL_COUNT = OpenApiParameter(
    "X-Total-Count",
    type=int,
    location=OpenApiParameter.HEADER,
    response=[200],
    description="How many rows match, over all pages.",
)


class SupportError(drf_serializers.Serializer):
    """The surface's one error shape."""

    code = drf_serializers.ChoiceField(choices=sorted(set(errors.CODES.values())))
    message = drf_serializers.CharField()
    parameter = drf_serializers.CharField(
        allow_null=True, help_text="The query parameter or body field at fault, if one is."
    )


def error_responses(*statuses: int) -> dict:
    """The documented errors of an operation. Every operation takes an API key, and a
    client whose wrong keys pile up is refused with 429 (``Retry-After``) even with a
    right one, so 429 is documented wherever 401 is."""
    if 401 in statuses:
        statuses = (*statuses, 429)
    return {
        status: OpenApiResponse(SupportError, description=errors.CODES[status])
        for status in statuses
    }


def listed(summary: str, serializer, query=PageNumberQuery, statuses=(400, 401), **kwargs):
    """The schema of a paged list: a JSON array, the total in ``X-Total-Count``."""
    return extend_schema(
        tags=TAGS,
        summary=summary,
        parameters=[*query_parameters(query), TOTAL_COUNT],
        responses={200: serializer(many=True), **error_responses(*statuses)},
        **kwargs,
    )


class SupportSurface:
    """What every viewset of the surface shares: API-key auth scoped to one workspace,
    JSON bodies, the surface's error format, paging, and finding the workspace's rows."""

    authentication_classes = [ApiKeyAuthentication]
    parser_classes = [JSONParser]
    lookup_field = "id"
    lookup_value_regex = ANY_SEGMENT

    schema = SurfaceAutoSchema()

    def get_exception_handler(self):
        return errors.exception_handler

    @property
    def workspace(self):
        return self.request.user.workspace

    def body(self, serializer_class) -> dict:
        return parse_body(self.request, serializer_class)

    def paged(self, rows, serializer_class, query_class=PageNumberQuery) -> Response:
        """One page of ``rows`` (cut in the database) and the total in ``X-Total-Count``."""
        page = query_class.page(self.request.query_params)
        total = rows.count()
        data = serializer_class(list(page.cut(rows)), many=True).data
        return Response(data, headers={"X-Total-Count": str(total)})

    def chat(self, chat_id) -> Thread:
        chat = thread_selectors.support_chat_get(
            workspace_id=self.workspace.pk, chat_id=path_id(chat_id, "Chat not found.")
        )
        if chat is None:
            raise NotFound("Chat not found.")
        return chat

    def chat_row(self, chat_id) -> dict:
        chats = chat_selectors.support_chats(workspace_id=self.workspace.pk, include_removed=True)
        return s.ChatRow(chats.get(pk=chat_id)).data


# --- chats (seed 003) -------------------------------------------------------------------


class ChatViewSet(SupportSurface, ViewSet):
    """``/chats...``: the workspace's support chats, their details and their messages."""

    @listed(
        "Retrieves multiple chats.",
        s.ChatRow,
        ChatListQuery,
        description="Newest activity first (last message time, else creation). Removed "
        "chats only with `includeRemoved=true`.",
    )
    def list(self, request):
        filters = ChatListQuery.filters_for_selector(request.query_params)
        chats = chat_selectors.support_chats(workspace_id=self.workspace.pk, **filters)
        return self.paged(chats, s.ChatRow, ChatListQuery)

    @extend_schema(
        tags=TAGS,
        summary="Creates a new chat.",
        description="The responder is `responderId` if given, else the channel's responder, "
        "else the workspace's default responder. 200, as the seed says.",
        request=s.CreateChatRequest,
        responses={200: s.ChatRow, **error_responses(400, 401)},
    )
    def create(self, request):
        data = self.body(s.CreateChatRequest)
        workspace = self.workspace
        channel = None
        if data["channelId"] is not None:
            channel = thread_selectors.channel_get(
                workspace_id=workspace.pk, channel_id=data["channelId"]
            )
            if channel is None:
                raise InvalidInput("Unknown channel.", field="channel")
        owner = thread_selectors.support_owner_by_identity(
            workspace_id=workspace.pk, identity_id=data["ownerId"]
        )
        if owner is None:
            raise InvalidInput("Unknown owner.", field="owner")
        responder = version = None
        if data.get("responderId") is not None:
            responder = thread_selectors.responder_by_identity(
                workspace_id=workspace.pk, identity_id=data["responderId"]
            )
            if responder is None:
                raise InvalidInput("Unknown responder.", field="responder")
        if data.get("responderVersionId") is not None:
            version = thread_selectors.responder_version_get(
                workspace_id=workspace.pk, version_id=data["responderVersionId"]
            )
            if version is None:
                raise InvalidInput("Unknown responder version.", field="responder_version")
        chat = thread_services.support_chat_create(
            workspace=workspace,
            owner=owner,
            channel=channel,
            title=data["title"] or "",
            responder=responder,
            responder_version=version,
            actor=SYSTEM,
        )
        return Response(self.chat_row(chat.pk))

    @extend_schema(
        tags=TAGS,
        summary="Retrieves a chat.",
        description="Removed chats too (`isRemoved: true`).",
        responses={200: s.ChatRow, **error_responses(401, 404)},
    )
    def retrieve(self, request, id):
        return Response(self.chat_row(self.chat(id).pk))

    @extend_schema(
        tags=TAGS,
        summary="Updates a chat.",
        description="Only the fields given change; `updatedAt` moves when a value changes.",
        request=s.UpdateChatRequest,
        responses={200: s.ChatRow, **error_responses(400, 401, 404)},
    )
    def partial_update(self, request, id):
        chat = self.chat(id)
        data = self.body(s.UpdateChatRequest)
        changes = {}
        if "title" in data:
            changes["title"] = data["title"] or ""
        if "lastChatMessageCreatedAt" in data:
            changes["last_message_at"] = data["lastChatMessageCreatedAt"]
        thread_services.support_chat_update(chat=chat, actor=SYSTEM, **changes)
        return Response(self.chat_row(chat.pk))

    @extend_schema(
        tags=TAGS,
        summary="Removes a chat.",
        description="A soft remove: the chat stays readable by id (`isRemoved: true`) and "
        "can be restored in the admin. Removing it again also answers 200.",
        responses={200: s.Removed, **error_responses(401, 404)},
    )
    def destroy(self, request, id):
        thread_services.support_chat_remove(chat=self.chat(id), actor=SYSTEM)
        return Response({"message": "The chat was removed."})

    @listed(
        "Retrieves multiple chats with details.",
        s.ChatDetail,
        ChatListQuery,
        description="The rows of `GET /chats` with channel, owner, responder, ticket and the "
        "last two messages; the same filters, paging and order.",
    )
    @action(detail=False, methods=["get"], url_path="details")
    def details_list(self, request):
        filters = ChatListQuery.filters_for_selector(request.query_params)
        chats = chat_selectors.support_chats(workspace_id=self.workspace.pk, **filters)
        return self.paged(chat_selectors.with_support_details(chats), s.ChatDetail, ChatListQuery)

    @extend_schema(
        tags=TAGS,
        summary="Retrieves a chat with details.",
        description="With `responderVersionId`, a version the chat does not have is a 404.",
        parameters=[
            OpenApiParameter(
                "responderVersionId",
                type={"type": "string", "format": "uuid"},
                location=OpenApiParameter.QUERY,
            )
        ],
        responses={200: s.ChatDetail, **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["get"], url_path="details")
    def details(self, request, id):
        chat = self.chat(id)
        query = {k: v for k, v in request.query_params.items() if v.strip()}
        serializer = s.DetailsQuery(data=query)
        serializer.is_valid(raise_exception=True)
        version = serializer.validated_data.get("responderVersionId")
        if version is not None and version != chat.responder_version_id:
            raise NotFound("The chat has no such responder version.")
        chats = chat_selectors.support_chats(workspace_id=self.workspace.pk, include_removed=True)
        row = chat_selectors.with_support_details(chats.filter(pk=chat.pk)).get()
        return Response(s.ChatDetail(row).data)

    @listed(
        "Lists a chat's messages.",
        s.MessageOut,
        description="Ours. Visible messages, oldest first.",
        statuses=(400, 401, 404),
        methods=["GET"],
    )
    @extend_schema(
        methods=["POST"],
        tags=TAGS,
        summary="Adds a message to a chat.",
        description="Ours. `user` is written as the chat's owner (a blocked owner: 403), "
        "`assistant` as its responder. A removed chat takes no messages (409).",
        request=s.CreateMessageRequest,
        parameters=[idempotency.PARAMETER],
        responses={201: s.MessageOut, **error_responses(400, 401, 403, 404, 409)},
    )
    @action(detail=True, methods=["get", "post"], url_path="messages")
    def messages(self, request, id):
        chat = self.chat(id)
        if request.method == "GET":
            return self.paged(chat_selectors.support_chat_messages(chat_id=chat.pk), s.MessageOut)
        data = self.body(s.CreateMessageRequest)

        def send():
            message = chat_services.support_message_send(
                chat=chat, role=data["role"], text=data["content"], actor=SYSTEM
            )
            return message, s.MessageOut(message).data

        return send_once(request, scope="support", send=send, status=201)


# --- directory (ours) -------------------------------------------------------------------


class ChannelViewSet(SupportSurface, ViewSet):
    """``/channels``: where customers write in from."""

    @listed("Lists channels.", s.ChannelOut, description="Ours. Newest first.")
    def list(self, request):
        return self.paged(
            thread_selectors.channel_list(workspace_id=self.workspace.pk), s.ChannelOut
        )

    @extend_schema(
        tags=TAGS,
        summary="Creates a channel.",
        description="Ours. `responderId` (a responder's super identity ID) answers the "
        "channel's new chats.",
        request=s.CreateChannelRequest,
        responses={201: s.ChannelOut, **error_responses(400, 401)},
    )
    def create(self, request):
        data = self.body(s.CreateChannelRequest)
        responder = None
        if data.get("responderId") is not None:
            responder = thread_selectors.responder_by_identity(
                workspace_id=self.workspace.pk, identity_id=data["responderId"]
            )
            if responder is None:
                raise InvalidInput("Unknown responder.", field="responder")
        channel = thread_services.channel_create(
            workspace=self.workspace,
            name=data["name"],
            type=data["type"],
            responder=responder,
            actor=SYSTEM,
        )
        row = thread_selectors.channel_list(workspace_id=self.workspace.pk).get(pk=channel.pk)
        return Response(s.ChannelOut(row).data, status=201)


class ExternalUserViewSet(SupportSurface, ViewSet):
    """``/external-users``: the workspace's customers."""

    @listed("Lists external users.", s.ExternalUserOut, description="Ours. Newest first.")
    def list(self, request):
        customers = thread_selectors.external_user_list(workspace_id=self.workspace.pk)
        return self.paged(customers, s.ExternalUserOut)

    @extend_schema(
        tags=TAGS,
        summary="Creates an external user.",
        description="Ours. The same identifier twice: 409.",
        request=s.CreateExternalUserRequest,
        responses={201: s.ExternalUserOut, **error_responses(400, 401, 409)},
    )
    def create(self, request):
        data = self.body(s.CreateExternalUserRequest)
        customer = thread_services.external_user_create(
            workspace=self.workspace,
            identifier=data["identifier"],
            name=data.get("name") or "",
            email=data.get("email") or "",
            actor=SYSTEM,
        )
        return Response(s.ExternalUserOut(customer).data, status=201)

    @extend_schema(
        tags=TAGS,
        summary="Blocks an external user.",
        description="Ours. A blocked owner's `user` messages are refused; each of their "
        "chats shows `isOwnerBlocked: true`. DELETE unblocks.",
        request=None,
        responses={200: s.ExternalUserOut, **error_responses(401, 404)},
        methods=["POST"],
    )
    @extend_schema(
        tags=TAGS,
        summary="Unblocks an external user.",
        request=None,
        responses={200: s.ExternalUserOut, **error_responses(401, 404)},
        methods=["DELETE"],
    )
    @action(detail=True, methods=["post", "delete"], url_path="block")
    def block(self, request, id):
        customer = thread_selectors.external_user_get(
            workspace_id=self.workspace.pk, external_user_id=path_id(id, "External user not found.")
        )
        if customer is None:
            raise NotFound("External user not found.")
        customer = thread_services.external_user_set_blocked(
            external_user=customer, blocked=request.method == "POST", actor=SYSTEM
        )
        return Response(s.ExternalUserOut(customer).data)


class MemberViewSet(SupportSurface, ViewSet):
    """``/members``: the workspace's platform users (they may own chats too)."""

    @listed("Lists the workspace's members.", s.MemberOut, description="Ours. By username.")
    def list(self, request):
        return self.paged(thread_selectors.member_list(workspace_id=self.workspace.pk), s.MemberOut)


class ResponderViewSet(SupportSurface, ViewSet):
    """``/responders``: agents and squads, known by their super identity ID."""

    @listed("Lists responders.", s.ResponderOut, description="Ours. Newest first.")
    def list(self, request):
        responders = thread_selectors.responder_list(workspace_id=self.workspace.pk)
        return self.paged(responders, s.ResponderOut)

    @extend_schema(
        tags=TAGS,
        summary="Creates a responder.",
        description="Ours. `id` in the answer is the responder's super identity ID.",
        request=s.CreateResponderRequest,
        responses={201: s.ResponderOut, **error_responses(400, 401)},
    )
    def create(self, request):
        data = self.body(s.CreateResponderRequest)
        responder = thread_services.responder_create(
            workspace=self.workspace,
            name=data["name"],
            entity=data["entity"],
            picture=data.get("picture") or "",
            actor=SYSTEM,
        )
        return Response(s.ResponderOut(responder).data, status=201)

    @extend_schema(
        tags=TAGS,
        summary="Creates the responder's next version.",
        description="Ours. Numbers count up from 1.",
        request=None,
        responses={201: s.ResponderVersionOut, **error_responses(401, 404)},
    )
    @action(detail=True, methods=["post"], url_path="versions")
    def versions(self, request, id):
        responder = thread_selectors.responder_by_identity(
            workspace_id=self.workspace.pk, identity_id=path_id(id, "Responder not found.")
        )
        if responder is None:
            raise NotFound("Responder not found.")
        version = thread_services.responder_version_create(responder=responder, actor=SYSTEM)
        return Response(s.ResponderVersionOut(version).data, status=201)


class TicketViewSet(SupportSurface, ViewSet):
    """``/tickets``: tickets linked to chats (their status shows in the chat details)."""

    def ticket_row(self, ticket_id) -> dict:
        tickets = thread_selectors.ticket_list(workspace_id=self.workspace.pk)
        return s.TicketOut(tickets.get(pk=ticket_id)).data

    def ticket(self, ticket_id) -> Ticket:
        ticket = thread_selectors.ticket_get(
            workspace_id=self.workspace.pk, ticket_id=path_id(ticket_id, "Ticket not found.")
        )
        if ticket is None:
            raise NotFound("Ticket not found.")
        return ticket

    @listed("Lists tickets.", s.TicketOut, description="Ours. Newest first.")
    def list(self, request):
        return self.paged(thread_selectors.ticket_list(workspace_id=self.workspace.pk), s.TicketOut)

    @extend_schema(
        tags=TAGS,
        summary="Creates a ticket for a chat.",
        description="Ours. The ticket becomes the chat's current ticket (`ticketId`, "
        "`ticketStatus` in its details). `status` defaults to `open`.",
        request=s.CreateTicketRequest,
        responses={201: s.TicketOut, **error_responses(400, 401)},
    )
    def create(self, request):
        data = self.body(s.CreateTicketRequest)
        chat = thread_selectors.support_chat_get(
            workspace_id=self.workspace.pk, chat_id=data["chatId"]
        )
        if chat is None:
            raise InvalidInput("Unknown chat.", field="chat")
        ticket = thread_services.ticket_create(
            workspace=self.workspace,
            subject=data.get("subject") or "",
            status=data.get("status", Ticket.Status.OPEN),
            chat=chat,
            actor=SYSTEM,
        )
        return Response(self.ticket_row(ticket.pk), status=201)

    @extend_schema(
        tags=TAGS,
        summary="Retrieves a ticket.",
        description="Ours.",
        responses={200: s.TicketOut, **error_responses(401, 404)},
    )
    def retrieve(self, request, id):
        return Response(self.ticket_row(self.ticket(id).pk))

    @extend_schema(
        tags=TAGS,
        summary="Updates a ticket.",
        description="Ours. Only the fields given change.",
        request=s.UpdateTicketRequest,
        responses={200: s.TicketOut, **error_responses(400, 401, 404)},
    )
    def partial_update(self, request, id):
        ticket = self.ticket(id)
        data = self.body(s.UpdateTicketRequest)
        changes = {}
        if "status" in data:
            changes["status"] = data["status"]
        if "subject" in data:
            changes["subject"] = data["subject"] or ""
        thread_services.ticket_update(ticket=ticket, actor=SYSTEM, **changes)
        return Response(self.ticket_row(ticket.pk))


class UnknownPathView(UnknownPath, SupportSurface, APIView):
    """Any other path under this surface's resources (``/api/v1/chats/``, a trailing slash
    included): this surface's 404."""
