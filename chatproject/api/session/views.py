"""The Session API (seeds 000/001): a live session's chat, moderated by its host.

Two viewsets on a router (``urls.py``): ``ChatViewSet`` for ``/v1/chats...`` (session
token) and ``SessionViewSet`` for ``/v1/sessions...`` (user token). Each action parses,
calls one service or selector, and renders. Every rule (who may remove, pin, react;
limits; conflicts) lives in the services.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf_serializers
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from chatproject.accounts.services import token_issue
from chatproject.api.common import idempotency
from chatproject.api.common.auth import SessionTokenAuthentication, UserTokenAuthentication
from chatproject.api.common.bodies import JSONParser, parse_body
from chatproject.api.common.filters import query_parameters
from chatproject.api.common.idempotency import send_once
from chatproject.api.common.ids import body_ids, path_id
from chatproject.api.common.schema import ANY_SEGMENT, SurfaceAutoSchema
from chatproject.api.common.unknown import UnknownPath
from chatproject.api.session import problems
from chatproject.api.session import serializers as s
from chatproject.api.session.filters import ChatListQuery
from chatproject.errors import PermissionDenied
from chats import selectors as chat_selectors
from chats import services as chat_services
from chats.selectors import MessageSort
from pins import selectors as pin_selectors
from pins import services as pin_services
from reactions import selectors as reaction_selectors
from reactions import services as reaction_services
from threads import selectors as thread_selectors
from threads import services as thread_services
from threads.models import Thread

MAX_CHAT_IDS = 100


class TextJSONParser(JSONParser):
    media_type = "text/json"


class AnyAcceptNegotiation(BaseContentNegotiation):
    """The seed offers JSON under several media types; answer JSON whatever ``Accept`` says.

    Request bodies may be ``application/json``, ``text/json`` or ``application/*+json``
    (the seed's three), media types compared case-insensitively as RFC 9110 has it.
    """

    def select_parser(self, request, parsers):
        media_type = request.content_type.split(";")[0].strip().lower()
        if media_type.startswith("application/") and media_type.endswith("+json"):
            media_type = "application/json"
        for parser in parsers:
            if parser.media_type == media_type:
                return parser
        return None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


def problem_responses(*statuses: int) -> dict:
    """Errors as the surface serves them: problem details, ``application/problem+json``."""
    return {
        (status, problems.PROBLEM_CONTENT_TYPE): OpenApiResponse(
            s.ProblemDetails, description=problems.HTTPStatus(status).phrase
        )
        for status in statuses
    }


class SessionSurface:
    """What every view of the surface shares: parsers, problem-details errors, auth."""

    authentication_classes = [SessionTokenAuthentication]
    parser_classes = [JSONParser, TextJSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAcceptNegotiation
    schema = SurfaceAutoSchema()

    def get_exception_handler(self):
        return problems.exception_handler


class ChatViewSet(SessionSurface, ViewSet):
    """``/v1/chats...``: the messages of the session the token belongs to."""

    lookup_url_kwarg = "chat_id"
    lookup_value_regex = ANY_SEGMENT

    @property
    def session(self) -> Thread:
        """The token's session, while the caller may still see it (else 404 everywhere)."""
        if not hasattr(self, "_session"):
            self._session = thread_selectors.thread_get_for_user(
                user=self.request.user, thread_id=self.request.auth.thread_id
            )
        return self._session

    def message(self, chat_id: str):
        """A visible message of this session; any other id (or a malformed one) is a 404."""
        return chat_selectors.message_get_for_user(
            user=self.request.user, message_id=path_id(chat_id), thread_id=self.session.pk
        )

    @extend_schema(
        tags=["Session"],
        summary="Retrieve paginated list of chat messages",
        parameters=query_parameters(ChatListQuery),
        responses={200: s.PagedMessagesDto, **problem_responses(400, 401, 404)},
    )
    def list(self, request):
        q = ChatListQuery.parse(request.query_params)
        sort_by = q["SortBy"]
        if sort_by in (MessageSort.CREATED_AT, MessageSort.PINNED):
            ordered = chat_selectors.thread_messages_sorted(
                thread_id=self.session.pk, sort=sort_by, ascending=q["Ascending"]
            )
        else:
            ordered = chat_selectors.thread_messages_sorted(
                thread_id=self.session.pk,
                sort=MessageSort.REACTION,
                reaction=sort_by,
                ascending=q["Ascending"],
            )
        page = ordered[q["Skip"] : q["Skip"] + q["Take"]]
        total = chat_selectors.thread_messages(thread_id=self.session.pk).count()
        return Response(s.PagedMessagesDto({"totalCount": total, "messages": page}).data)

    @extend_schema(
        tags=["Session"],
        summary="Send a new chat message",
        request=s.CreateChatMessageRequest,
        parameters=[idempotency.PARAMETER],
        responses={200: s.SingleMessageDto, **problem_responses(400, 401, 404, 409)},
    )
    def create(self, request):
        data = parse_body(request, s.CreateChatMessageRequest)
        session = self.session

        def send():
            message = chat_services.message_send(
                thread=session, actor=request.user, text=data["message"]
            )
            return message, s.SingleMessageDto(message).data

        return send_once(request, scope=f"session:{session.pk}", send=send)

    @extend_schema(
        tags=["Session"],
        summary="Delete a specific chat message",
        responses={200: OpenApiResponse(description="Success"), **problem_responses(401, 403, 404)},
    )
    def destroy(self, request, chat_id):
        chat_services.message_remove(message=self.message(chat_id), actor=request.user)
        return Response(status=200)

    @extend_schema(
        tags=["Session"],
        summary="Fetch reactions for multiple messages",
        parameters=[
            OpenApiParameter(
                "chatId",
                {
                    "type": "array",
                    "items": {"type": "string", "format": "uuid"},
                    "maxItems": MAX_CHAT_IDS,
                },
                description=f"Repeat for each message (at most {MAX_CHAT_IDS}).",
            )
        ],
        responses={200: s.ChatMessagesReactionsDto(many=True), **problem_responses(400, 401)},
    )
    @action(detail=False, methods=["get"], url_path="reactions")
    def reactions_of_many(self, request):
        raw_ids = request.query_params.getlist("chatId")
        if len(raw_ids) > MAX_CHAT_IDS:
            raise drf_serializers.ValidationError({"chatId": [f"At most {MAX_CHAT_IDS} ids."]})
        ids = body_ids(raw_ids, field="chatId")
        visible = chat_selectors.thread_messages(thread_id=self.session.pk).filter(pk__in=ids)
        reactions = reaction_selectors.reactions_of_messages(messages=visible)
        return Response(s.ChatMessagesReactionsDto(reactions, many=True).data)

    @extend_schema(
        tags=["Session"],
        summary="Add a reaction to a chat message",
        request=s.CreateChatReactionRequest,
        responses={200: s.ChatReactionCreatedResponseDto, **problem_responses(400, 401, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="reactions")
    def react(self, request, chat_id):
        message = self.message(chat_id)
        data = parse_body(request, s.CreateChatReactionRequest)
        reaction = reaction_services.reaction_add(
            message=message, actor=request.user, name=data["reaction"]
        )
        return Response({"reactionId": str(reaction.pk)})

    @extend_schema(
        tags=["Session"],
        summary="Remove a reaction from a chat message",
        responses={200: OpenApiResponse(description="Success"), **problem_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["delete"], url_path=f"reactions/(?P<reaction_id>{ANY_SEGMENT})")
    def unreact(self, request, chat_id, reaction_id):
        message = self.message(chat_id)
        reaction = reaction_selectors.reaction_of_message(message=message, reaction_id=reaction_id)
        reaction_services.reaction_remove(reaction=reaction, actor=request.user)
        return Response(status=200)

    @extend_schema(
        tags=["Session"],
        summary="Pin a chat message",
        description="Only the host may pin. The answer carries the new pin's id.",
        request=None,
        responses={200: s.PinCreatedDto, **problem_responses(401, 403, 404, 409)},
    )
    @action(detail=True, methods=["post"], url_path="pins")
    def pin(self, request, chat_id):
        pin = pin_services.pin_add(message=self.message(chat_id), actor=request.user)
        return Response(s.PinCreatedDto(pin).data)

    @extend_schema(
        tags=["Session"],
        summary="Unpin a chat message",
        responses={200: OpenApiResponse(description="Success"), **problem_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["delete"], url_path=f"pins/(?P<pin_id>{ANY_SEGMENT})")
    def unpin(self, request, chat_id, pin_id):
        message = self.message(chat_id)
        pin = pin_selectors.pin_of_message(message=message, pin_id=pin_id)
        pin_services.pin_remove(pin=pin, actor=request.user)
        return Response(status=200)


class SessionViewSet(SessionSurface, ViewSet):
    """``/v1/sessions...``: ours (the seed only says tokens are "issued by session
    credentials"). Takes a user token from ``POST /token`` and answers session tokens."""

    authentication_classes = [UserTokenAuthentication]
    lookup_url_kwarg = "session_id"
    lookup_value_regex = ANY_SEGMENT

    @extend_schema(
        tags=["Session"],
        summary="Create a session (you become its host)",
        description="Takes a user token from POST /token; answers the host's session token.",
        request=s.CreateSessionRequest,
        responses={201: s.SessionCreatedDto, **problem_responses(400, 401, 403)},
    )
    def create(self, request):
        data = parse_body(request, s.CreateSessionRequest)
        workspace = thread_selectors.workspace_for_user(user=request.user)
        if workspace is None:
            raise PermissionDenied("You do not belong to a workspace.")
        thread = thread_services.session_create(
            workspace=workspace, host=request.user, title=data["title"]
        )
        _, token = token_issue(user=request.user, thread=thread, name="session host")
        return Response({"sessionId": str(thread.pk), "token": token}, status=201)

    @extend_schema(
        tags=["Session"],
        summary="Join a session (like opening its link)",
        description="Takes a user token; the caller becomes a participant (a host stays host) "
        "and gets a session token.",
        request=None,
        responses={200: s.SessionTokenDto, **problem_responses(401, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def join(self, request, session_id):
        user = request.user
        thread = thread_selectors.session_joinable_by(user=user, thread_id=path_id(session_id))
        thread_services.session_join(thread=thread, actor=user)
        _, token = token_issue(user=request.user, thread=thread, name="session join")
        return Response({"token": token})


class UnknownPathView(UnknownPath, SessionSurface, APIView):
    """Any other path under ``/v1/``: a problem document, not Django's HTML page."""
