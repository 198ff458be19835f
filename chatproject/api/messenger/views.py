"""The Messenger API (seed 004): direct and group chats, messages, images.

A FastAPI service's API rebuilt on our domain: chats are the Team API's threads (a direct
chat is the personal thread of two users, a group chat a custom thread), so a message
sent here is the same row every other surface and ``/ws/events/`` show.

Each action authenticates, validates the whole request the way FastAPI does (one 422
listing every problem), calls one service or selector and renders the answer.
"""

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from chatproject.api.common.unknown import UnknownPath
from chatproject.api.messenger import errors
from chatproject.api.messenger import serializers as s
from chatproject.api.messenger.auth import OAuth2PasswordBearer
from chatproject.api.messenger.schema import MessengerAutoSchema
from chatproject.api.messenger.validation import RequestInvalid, error_item, query_dict, validate
from chatproject.errors import InvalidInput, NotFound
from chats import selectors as chat_selectors
from chats import services as chat_services
from threads import selectors as thread_selectors
from threads import services as thread_services

VALIDATION_ERROR = OpenApiResponse(s.HTTPValidationError, description="Validation Error")
# FastAPI documents only what a route declares; ours declare the 404 they raise
# (``responses={404: {"model": HTTPError}}``), so a client knows the shape.
NOT_FOUND = OpenApiResponse(s.HTTPError, description="Not Found")
CHAT_ID = OpenApiParameter("chat_id", OpenApiTypes.UUID, OpenApiParameter.PATH)
UPLOAD_ID = OpenApiParameter("upload_id", OpenApiTypes.UUID, OpenApiParameter.PATH)


class JSONWhateverAccept(BaseContentNegotiation):
    """FastAPI answers JSON whatever ``Accept`` says; bodies are read by the actions."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MessengerSurface:
    """What every view of the surface shares: user tokens as ``OAuth2PasswordBearer``,
    FastAPI's errors, and FastAPI's methods: a route answers only the methods it declares,
    so ``HEAD`` and ``OPTIONS`` are 405 (Django and DRF would run a ``GET`` for a ``HEAD``,
    and reading a chat's first page marks it read)."""

    http_method_names = ["get", "post", "put", "patch", "delete"]

    authentication_classes = [OAuth2PasswordBearer]
    permission_classes = [IsAuthenticated]
    # Names the request media type in the schema; bodies are read by ``validation.json_body``
    # (FastAPI reads a model's JSON whatever the ``Content-Type``).
    parser_classes = [JSONParser]
    content_negotiation_class = JSONWhateverAccept
    schema = MessengerAutoSchema()

    def get_exception_handler(self):
        return errors.exception_handler


class MessengerViewSet(MessengerSurface, viewsets.ViewSet):
    pass


class ChatViewSet(MessengerViewSet):
    lookup_url_kwarg = "chat_id"
    lookup_value_regex = "[^/]+"  # a malformed id is validated (422), not unrouted (404)

    def chat(self, chat_id):
        """The chat as the caller sees it, with its members; 404 for anything else."""
        thread = (
            chat_selectors.threads_with_activity(user=self.request.user, kinds=s.MESSENGER_KINDS)
            .filter(pk=chat_id)
            .first()
        )
        if thread is None:
            raise NotFound(errors.CHAT_NOT_FOUND)
        thread_selectors.attach_member_users([thread])
        return thread

    def context(self) -> dict:
        return {"request": self.request}

    @extend_schema(
        operation_id="list_chats_chats_get",
        tags=["chats"],
        summary="List chats for current user",
        description="Returns chat previews with last message. Supports pagination.",
        parameters=[s.Paging],
        responses={
            200: OpenApiResponse(s.PageChatPreview, description="Successful Response"),
            422: VALIDATION_ERROR,
        },
    )
    def list(self, request):
        q = validate(request, query=(s.Paging, query_dict(request)))["query"]
        chats = chat_selectors.threads_with_activity(user=request.user, kinds=s.MESSENGER_KINDS)
        page = list(chats[q["offset"] : q["offset"] + q["limit"]])
        chat_selectors.attach_last_messages(page)
        thread_selectors.attach_member_users(page)
        body = {"items": page, "total": chats.count(), **q}
        return Response(s.PageChatPreview(body, context=self.context()).data)

    @extend_schema(
        operation_id="create_chat_chats_post",
        tags=["chats"],
        summary="Create a chat (direct or group)",
        description="Create a direct chat with another user or a group chat when providing "
        "2+ other users or a name.",
        request=s.ChatCreate,
        responses={
            201: OpenApiResponse(s.ChatDetail, description="Successful Response"),
            404: NOT_FOUND,
            422: VALIDATION_ERROR,
        },
    )
    def create(self, request):
        data = validate(request, body=(s.ChatCreate, None))["body"]
        user = request.user
        others = list(dict.fromkeys(i for i in data["member_ids"] if i != user.pk))
        name = data.get("name")
        if name is None and not others:
            raise InvalidInput("A direct chat needs another member.", field="member_ids")
        found = {p.pk: p for p in thread_selectors.people_for_user(user=user).filter(pk__in=others)}
        if len(found) != len(others):
            raise NotFound(errors.USER_NOT_FOUND)
        people = [found[i] for i in others]
        if name is None and len(people) == 1:
            workspace = thread_selectors.shared_workspace(user=user, others=people)
            thread, _ = thread_services.direct_thread_get_or_create(
                workspace=workspace, user=user, other=people[0]
            )
        else:
            workspace = thread_selectors.chat_workspace(user=user, others=people)
            if workspace is None:
                raise InvalidInput("You do not belong to a workspace.", field="member_ids")
            thread = thread_services.custom_thread_create(
                workspace=workspace,
                creator=user,
                title=default_name(user, people) if name is None else name,
                members=people,
            )
        detail = s.ChatDetail(self.chat(thread.pk), context=self.context()).data
        return Response(detail, status=201)

    @extend_schema(
        operation_id="get_chat_chats__chat_id__get",
        tags=["chats"],
        summary="Get chat details and messages",
        description="Returns chat details and paginated messages (newest first). Reading the "
        "first page (`offset=0`) marks the chat read.",
        parameters=[CHAT_ID, s.Paging],
        responses={
            200: OpenApiResponse(s.ChatWithMessagesPage, description="Successful Response"),
            404: NOT_FOUND,
            422: VALIDATION_ERROR,
        },
    )
    def retrieve(self, request, chat_id=None):
        v = validate(
            request, path=(s.ChatPath, {"chat_id": chat_id}), query=(s.Paging, query_dict(request))
        )
        q = v["query"]
        chat = self.chat(v["path"]["chat_id"])
        messages = chat_selectors.thread_messages_newest_first(thread_id=chat.pk)
        page = list(messages[q["offset"] : q["offset"] + q["limit"]])
        total = messages.count()
        if q["offset"] == 0 and page:
            # The first page holds the newest message: the caller has read the chat.
            thread_services.thread_mark_read(thread=chat, actor=request.user, up_to=page[0])
        body = {"chat": chat, "messages": {"items": page, "total": total, **q}}
        return Response(s.ChatWithMessagesPage(body, context=self.context()).data)

    @extend_schema(
        operation_id="send_message_rest_chats__chat_id__messages_post",
        tags=["chats"],
        summary="Send a message (REST)",
        description="Send a text or image message to a chat; primarily for fallback to WS.",
        parameters=[CHAT_ID],
        request=s.MessageCreate,
        responses={
            201: OpenApiResponse(s.MessageOut, description="Successful Response"),
            404: NOT_FOUND,
            422: VALIDATION_ERROR,
        },
    )
    @action(detail=True, methods=["post"], url_path="messages", url_name="messages")
    def send_message(self, request, chat_id=None):
        v = validate(request, path=(s.ChatPath, {"chat_id": chat_id}), body=(s.MessageCreate, None))
        data = v["body"]
        chat = self.chat(v["path"]["chat_id"])
        image_ids = []
        if data["type"] == "image":
            # Whose upload it is and whether it was sent already are message_send's rules;
            # that an image message carries an image is this surface's.
            image_ids = [data["image_id"]]
            try:
                upload = chat_selectors.attachment_get_for_user(
                    user=request.user, attachment_id=data["image_id"]
                )
            except NotFound:
                upload = None  # unknown here: message_send refuses it at image_id
            if upload is not None and not upload.is_image:
                raise InvalidInput("Not an image.", field="image_id")
        message = chat_services.message_send(
            thread=chat, actor=request.user, text=data.get("text") or "", attachment_ids=image_ids
        )
        sent = chat_selectors.thread_messages_newest_first(thread_id=chat.pk).get(pk=message.pk)
        return Response(s.MessageOut(sent, context=self.context()).data, status=201)


def default_name(creator, people) -> str:
    """A group made without a name is called after its members, the creator first."""
    return ", ".join(u.name for u in [creator, *people])[: s.NAME_MAX_LENGTH]


def image_types() -> list[str]:
    return [t for t in settings.CHAT_UPLOAD_ALLOWED_TYPES if t.startswith("image/")]


class UploadViewSet(MessengerViewSet):
    """Images for image messages. The files are served only through these actions, to the
    uploader and the members of chats the image was sent to (404 for everyone else)."""

    lookup_url_kwarg = "upload_id"
    lookup_value_regex = "[^/]+"
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="upload_image_uploads_post",
        tags=["uploads"],
        summary="Upload an image",
        description="Multipart field `file`: a PNG, JPEG, GIF or WebP image (decoded to "
        "verify it; size limit `CHAT_UPLOAD_MAX_BYTES`). Answers the `image_id` for one image "
        "message by the uploader.",
        request={"multipart/form-data": s.UploadForm},
        responses={
            201: OpenApiResponse(s.UploadOut, description="Successful Response"),
            422: VALIDATION_ERROR,
        },
    )
    def create(self, request):
        try:
            upload = request.data.get("file") if hasattr(request.data, "get") else None
        except (exceptions.ParseError, exceptions.UnsupportedMediaType):
            upload = None
        if upload is None:
            raise RequestInvalid([error_item(("body", "file"), "missing", "Field required", None)])
        if isinstance(upload, str):
            raise RequestInvalid(
                [
                    error_item(
                        ("body", "file"),
                        "value_error",
                        "Value error, Expected UploadFile, received: <class 'str'>",
                        upload,
                    )
                ]
            )
        attachment = chat_services.attachment_create(
            uploaded_by=request.user, file=upload, allowed_types=image_types()
        )
        return Response(s.UploadOut(attachment, context={"request": request}).data, status=201)

    def image(self, upload_id):
        upload_id = validate(self.request, path=(s.UploadPath, {"upload_id": upload_id}))["path"][
            "upload_id"
        ]
        try:
            attachment = chat_selectors.attachment_get_for_user(
                user=self.request.user, attachment_id=upload_id
            )
        except NotFound:
            raise NotFound(errors.IMAGE_NOT_FOUND) from None
        if not attachment.is_image:
            raise NotFound(errors.IMAGE_NOT_FOUND)
        return attachment

    @staticmethod
    def serve(file, content_type: str) -> FileResponse:
        response = FileResponse(file.open("rb"), content_type=content_type)
        response["Content-Disposition"] = "inline"
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, max-age=3600"
        return response

    @extend_schema(
        operation_id="get_upload_uploads__upload_id__get",
        tags=["uploads"],
        summary="Download an image",
        parameters=[UPLOAD_ID],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The image."),
            404: NOT_FOUND,
            422: VALIDATION_ERROR,
        },
    )
    def retrieve(self, request, upload_id=None):
        attachment = self.image(upload_id)
        return self.serve(attachment.file, attachment.content_type)

    @extend_schema(
        operation_id="get_upload_thumbnail_uploads__upload_id__thumbnail_get",
        tags=["uploads"],
        summary="Download an image's thumbnail",
        description="At most `CHAT_THUMBNAIL_MAX_PX` (320) pixels on the longer side; JPEG, "
        "or PNG for images with transparency.",
        parameters=[UPLOAD_ID],
        responses={
            (200, "image/*"): OpenApiResponse(OpenApiTypes.BINARY, description="The thumbnail."),
            404: NOT_FOUND,
            422: VALIDATION_ERROR,
        },
    )
    @action(detail=True, methods=["get"], url_path="thumbnail", url_name="thumbnail")
    def thumbnail(self, request, upload_id=None):
        attachment = self.image(upload_id)
        if not attachment.thumbnail:
            return self.serve(attachment.file, attachment.content_type)
        kind = "image/png" if attachment.thumbnail.name.endswith(".png") else "image/jpeg"
        return self.serve(attachment.thumbnail, kind)


class UnknownPathView(UnknownPath, MessengerSurface, APIView):
    """Any other path under ``/token``, ``/chats`` or ``/uploads`` (a trailing slash
    included): FastAPI's ``{"detail": "Not Found"}``."""
