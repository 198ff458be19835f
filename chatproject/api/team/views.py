"""The Team API (seed 002): personal, group and custom threads of a team, with unread
counts, replies, files and likes; plus the endpoints the seed relies on but does not
document (people, thread creation and membership, likes, files).

Four viewsets on a router (``urls.py``), one per resource. Each action parses the
request, calls one service or selector, and renders. Who may do what, limits and
conflicts live in the services.
"""

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.utils import OpenApiRequest, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSet

from chatproject.api.common import idempotency
from chatproject.api.common.auth import UserTokenAuthentication
from chatproject.api.common.bodies import JSONParser, parse_body
from chatproject.api.common.filters import query_parameters
from chatproject.api.common.idempotency import send_once
from chatproject.api.common.ids import path_id
from chatproject.api.common.paging import parse_page
from chatproject.api.common.schema import ANY_SEGMENT, SurfaceAutoSchema
from chatproject.api.common.unknown import UnknownPath
from chatproject.api.team import errors, rendered
from chatproject.api.team import serializers as s
from chatproject.api.team.filters import MessageHistoryQuery, PeopleQuery, ThreadListQuery
from chatproject.errors import InvalidInput, NotFound, PermissionDenied
from chats import selectors as chat_selectors
from chats import services as chat_services
from chats.models import Message
from reactions import services as reaction_services
from reactions.models import THUMBS_DOWN, THUMBS_UP
from threads import selectors as thread_selectors
from threads import services as thread_services
from threads.models import Thread

TAGS = ["Team"]


def error_responses(*statuses: int) -> dict:
    return {
        status: OpenApiResponse(s.Error, description=errors.CODES[status]) for status in statuses
    }


class TeamSurface:
    """What every viewset of the surface shares: user-token auth, JSON bodies, the
    surface's error format, and finding what the caller may see."""

    authentication_classes = [UserTokenAuthentication]
    parser_classes = [JSONParser]

    schema = SurfaceAutoSchema()

    def get_exception_handler(self):
        return errors.exception_handler

    def body(self, serializer_class) -> dict:
        return parse_body(self.request, serializer_class)

    def thread(self, thread_id) -> Thread:
        """A thread of this surface the caller may see; 404 for anything else."""
        thread = thread_selectors.thread_get_for_user(user=self.request.user, thread_id=thread_id)
        if thread.kind not in s.TEAM_KINDS:
            raise NotFound("Thread not found.")
        return thread

    def message(self, message_id) -> Message:
        message = chat_selectors.message_get_for_user(user=self.request.user, message_id=message_id)
        if message.thread.kind not in s.TEAM_KINDS:
            raise NotFound("Message not found.")
        return message

    def person(self, user_id, *, field: str):
        """Someone the caller may address; an unknown id is bad input in ``field``."""
        person = thread_selectors.people_for_user(user=self.request.user).filter(pk=user_id).first()
        if person is None:
            raise InvalidInput("Unknown user.", field=field)
        return person

    def people(self, user_ids, *, field: str) -> list:
        wanted = set(user_ids)
        found = list(thread_selectors.people_for_user(user=self.request.user).filter(pk__in=wanted))
        if len(found) != len(wanted):
            raise InvalidInput("Unknown user.", field=field)
        return found

    def chat_thread(self, thread_id) -> dict:
        """One thread in the seed's ``ChatThread`` shape, as the caller sees it now."""
        thread = (
            chat_selectors.threads_with_activity(user=self.request.user, kinds=s.TEAM_KINDS)
            .filter(pk=thread_id)
            .first()
        )
        if thread is None:
            raise NotFound("Thread not found.")
        chat_selectors.attach_last_messages([thread])
        return s.ChatThread(thread, context={"request": self.request}).data

    def chat_message(self, message_id) -> dict:
        message = chat_selectors.with_files_and_thumbs(Message.objects.filter(pk=message_id)).get()
        return s.ChatMessage(message, context={"request": self.request}).data


def _react_schema(noun: str):
    return extend_schema(
        tags=TAGS,
        summary=f"{noun.capitalize()} a message",
        description="Answers the updated message; the same reaction twice is a 409.",
        request=None,
        responses={200: s.ChatMessage, **error_responses(401, 404, 409)},
    )


def _unreact_schema(noun: str):
    return extend_schema(
        tags=TAGS,
        summary=f"Take back your {noun}",
        description="Answers the updated message; 404 if you had not reacted so.",
        responses={200: s.ChatMessage, **error_responses(401, 404)},
    )


class ThreadViewSet(TeamSurface, ViewSet):
    """``/chat/threads...``: the caller's threads, their history and their members."""

    lookup_url_kwarg = "thread_id"
    lookup_value_regex = ANY_SEGMENT

    @extend_schema(
        tags=TAGS,
        summary="Get chat threads",
        description="The caller's personal, group and custom threads, latest activity first. "
        "Paged with `limit` (default 100, at most 500) and `offset`.",
        parameters=query_parameters(ThreadListQuery),
        responses={200: s.ChatThread(many=True), **error_responses(400, 401)},
    )
    def list(self, request):
        paging = parse_page(request.query_params, ThreadListQuery)
        threads = chat_selectors.threads_with_activity(user=request.user, kinds=s.TEAM_KINDS)
        page = list(paging.cut(threads))
        chat_selectors.attach_last_messages(page)
        return Response(s.ChatThread(page, many=True, context={"request": request}).data)

    @extend_schema(
        tags=TAGS,
        summary="Create a custom or group thread",
        description='`{"name", "users"}` makes a custom thread among the caller and `users`. '
        '`{"type": "group", "group": "<project id>", "users"}` makes the project\'s group '
        "thread (workspace admins and staff only; one per project).",
        request=s.CreateThreadRequest,
        responses={201: s.ChatThread, **error_responses(400, 401, 403)},
    )
    def create(self, request):
        data = self.body(s.CreateThreadRequest)
        workspace = thread_selectors.workspace_for_user(user=request.user)
        if workspace is None:
            raise PermissionDenied("You do not belong to a workspace.")
        members = self.people(data["users"], field="users")
        if data["type"] == "group":
            thread = thread_services.group_thread_create(
                workspace=workspace,
                actor=request.user,
                project_ref=data.get("group", ""),
                title=data.get("name", ""),
                members=members,
            )
        else:
            thread = thread_services.custom_thread_create(
                workspace=thread_selectors.chat_workspace(user=request.user, others=members),
                creator=request.user,
                title=data.get("name", ""),
                members=members,
            )
        return Response(self.chat_thread(thread.pk), status=201)

    @extend_schema(
        tags=TAGS,
        summary="Get one chat thread",
        responses={200: s.ChatThread, **error_responses(401, 404)},
    )
    def retrieve(self, request, thread_id):
        return Response(self.chat_thread(self.thread(path_id(thread_id)).pk))

    @extend_schema(
        tags=TAGS,
        summary="Get messages",
        description="Oldest first. Without `after`: the latest `limit` messages (before "
        "`before` when given); with `after`: the `limit` messages right after it. Reading the "
        "latest page (no `after`, `before` or `search`) marks the thread read.",
        parameters=query_parameters(MessageHistoryQuery),
        responses={200: s.ChatMessage(many=True), **error_responses(400, 401, 404)},
    )
    @action(detail=True, methods=["get"])
    def messages(self, request, thread_id):
        thread, mark = rendered.thread_for_reader(user=request.user, thread_id=path_id(thread_id))
        q = MessageHistoryQuery.parse(request.query_params)
        anchors = {}
        for field in ("after", "before"):
            if field in q:
                anchors[field] = chat_selectors.thread_message_anchor(
                    thread_id=thread.pk, message_id=q[field]
                )
                if anchors[field] is None:
                    raise InvalidInput("Not a message of this thread.", field=field)
        search = q.get("search", "").strip()
        page = chat_selectors.thread_message_page(
            thread_id=thread.pk,
            limit=q["limit"],
            search=search,
            history_seq=thread.history_seq,
            **anchors,
        )
        if page and not anchors and not search:
            latest = rendered.latest_page(
                thread=thread, limit=q["limit"], rows=page, request=request
            )
            if request.method == "GET":  # a HEAD only asks what a GET would answer
                rendered.mark_latest_page_read(
                    thread=thread, reader=request.user, mark=mark, page=latest
                )
            return rendered.RenderedJSONResponse(latest.body)
        return Response(s.chat_message_rows(page, request=request))

    # Ours: thread membership.

    @extend_schema(
        tags=TAGS,
        summary="Add users to a thread",
        description="Any member may add people to a custom thread; group threads need a "
        "thread admin; personal threads never change. All users are added or none.",
        request=s.AddUsersRequest,
        responses={200: s.ChatThread, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["post"], url_path="users")
    def add_users(self, request, thread_id):
        thread = self.thread(path_id(thread_id))
        data = self.body(s.AddUsersRequest)
        users = self.people(data["users"], field="users")
        thread_services.membership_add_many(thread=thread, users=users, actor=request.user)
        return Response(self.chat_thread(thread.pk))

    @extend_schema(
        tags=TAGS,
        summary="Remove a user from a thread (or leave it)",
        description="Anyone may leave; thread admins may remove others.",
        responses={204: None, **error_responses(400, 401, 403, 404)},
    )
    @action(detail=True, methods=["delete"], url_path=f"users/(?P<user_id>{ANY_SEGMENT})")
    def remove_user(self, request, thread_id, user_id):
        thread = self.thread(path_id(thread_id))
        member = thread_selectors.people_for_user(user=request.user).filter(pk=path_id(user_id))
        member = member.first()
        if member is None:
            raise NotFound("Not a member of this thread.")
        thread_services.membership_remove(thread=thread, user=member, actor=request.user)
        return Response(status=204)


class MessageViewSet(TeamSurface, ViewSet):
    """``/chat/messages...``: sending, and (ours) likes and dislikes."""

    lookup_url_kwarg = "message_id"
    lookup_value_regex = ANY_SEGMENT

    @extend_schema(
        tags=TAGS,
        summary="Send message",
        description="Either `thread` or `to` must be set; either `content` or `files`. The "
        "first message `to` a user creates the personal thread, returned as `thread`.",
        request=s.SendMessageRequest,
        parameters=[idempotency.PARAMETER],
        responses={200: s.SendMessageResponse, **error_responses(400, 401, 404, 409)},
    )
    def create(self, request):
        data = self.body(s.SendMessageRequest)
        user = request.user
        # An invisible thread is a 404 whatever else is wrong: message_send checks it first,
        # under the thread's lock. A replayed Idempotency-Key answers without sending, so
        # the thread is checked before that too.
        if "to" in data:
            thread, recipient = None, self.person(data["to"], field="to")
        else:
            thread, recipient = data["thread"], None
            if idempotency.HEADER in request.headers:
                self.thread(thread)
        fields = {
            "text": data.get("content", ""),
            "attachment_ids": data.get("files", []),
            "reply_to_id": data.get("replyTo"),
        }
        if thread is not None:

            def send():
                message = chat_services.message_send(
                    thread=thread, actor=user, kinds=s.TEAM_KINDS, **fields
                )
                return message, {"message": str(message.pk)}

            return send_once(request, scope="team", send=send)
        workspace = thread_selectors.shared_workspace(user=user, others=[recipient])
        if workspace is None:
            raise InvalidInput("Unknown user.", field="to")

        def send_direct():
            message, thread, created = chat_services.message_send_direct(
                workspace=workspace, actor=user, recipient=recipient, **fields
            )
            answer = {"message": str(message.pk)}
            if created:
                answer["thread"] = self.chat_thread(thread.pk)
            return message, answer

        return send_once(request, scope="team", send=send_direct)

    # The seed's ``likes``/``dislikes`` are the shared ``:thumbsup:``/``:thumbsdown:``
    # reactions, so a like here is the row every other surface shows.

    def _react(self, message_id, name: str) -> Response:
        message = self.message(path_id(message_id))
        reaction_services.reaction_add(message=message, actor=self.request.user, name=name)
        return Response(self.chat_message(message.pk))

    def _unreact(self, message_id, name: str) -> Response:
        message = self.message(path_id(message_id))
        reaction_services.reaction_remove_by_name(
            message=message, actor=self.request.user, name=name
        )
        return Response(self.chat_message(message.pk))

    @_react_schema("like")
    @action(detail=True, methods=["post"])
    def likes(self, request, message_id):
        return self._react(message_id, THUMBS_UP)

    @_unreact_schema("like")
    @likes.mapping.delete
    def unlike(self, request, message_id):
        return self._unreact(message_id, THUMBS_UP)

    @_react_schema("dislike")
    @action(detail=True, methods=["post"])
    def dislikes(self, request, message_id):
        return self._react(message_id, THUMBS_DOWN)

    @_unreact_schema("dislike")
    @dislikes.mapping.delete
    def undislike(self, request, message_id):
        return self._unreact(message_id, THUMBS_DOWN)


class PeopleViewSet(TeamSurface, ViewSet):
    """``/users...`` (ours): the people the caller may address, and the caller."""

    @extend_schema(
        tags=TAGS,
        summary="People in your workspaces",
        description="By username; paged with `limit` (default 100, at most 500) and `offset`.",
        parameters=query_parameters(PeopleQuery),
        responses={200: s.Person(many=True), **error_responses(400, 401)},
    )
    def list(self, request):
        paging = parse_page(request.query_params, PeopleQuery)
        page = paging.cut(thread_selectors.people_for_user(user=request.user))
        return Response(s.Person(page, many=True).data)

    @extend_schema(
        tags=TAGS,
        summary="The caller",
        responses={200: s.Person, **error_responses(401)},
    )
    @action(detail=False, methods=["get"])
    def me(self, request):
        return Response(s.Person(request.user).data)


class FileViewSet(TeamSurface, ViewSet):
    """``/files...`` (ours): uploads to send in messages, and their download."""

    parser_classes = [MultiPartParser]
    lookup_url_kwarg = "file_id"
    lookup_value_regex = ANY_SEGMENT

    @extend_schema(
        tags=TAGS,
        summary="Upload a file",
        description="Multipart field `file`. Answers the file id to send in a message's "
        "`files`. Size limit and allowed types are settings; images must decode.",
        request={
            "multipart/form-data": OpenApiRequest(
                s.UploadRequest,
                encoding={"file": {"contentType": ", ".join(settings.CHAT_UPLOAD_ALLOWED_TYPES)}},
            )
        },
        responses={201: s.ChatFile, **error_responses(400, 401, 415)},
    )
    def create(self, request):
        upload = request.data.get("file") if hasattr(request.data, "get") else None
        if upload is None or isinstance(upload, str):
            raise InvalidInput("A file is required.", field="file")
        attachment = chat_services.attachment_create(uploaded_by=request.user, file=upload)
        return Response(s.ChatFile(attachment, context={"request": request}).data, status=201)

    @extend_schema(
        tags=TAGS,
        summary="Download a file",
        description="For its uploader and the members of a thread where it was sent.",
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="The file."),
            **error_responses(401, 404),
        },
    )
    def retrieve(self, request, file_id):
        attachment = chat_selectors.attachment_get_for_user(
            user=request.user, attachment_id=path_id(file_id)
        )
        response = FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.name,
            content_type=attachment.content_type,
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response


class UnknownPathView(UnknownPath, TeamSurface, APIView):
    """Any other path under ``/api/v1/`` (after the Support API's): this surface's 404."""
