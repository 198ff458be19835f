"""The small JSON endpoints behind the browser pages (``/web/...``).

They authenticate with the session cookie and are CSRF-protected like any form (the
script sends the token in ``X-CSRFToken``). Each parses, calls one selector or service and
answers ``{"error": {"code", "message", "field"}}`` on a domain error: the rules are the
services', exactly as on the APIs and the websocket's ``message.send``.
"""

import uuid
from functools import wraps

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import FileResponse, JsonResponse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatproject.api.common import bodies
from chatproject.api.common.errors import ERROR_CODES, classify
from chatproject.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from chatproject.web import present
from chatproject.web import selectors as web_selectors
from chats import selectors as chat_selectors
from chats import services as chat_services
from chats.models import Message
from pins import services as pin_services
from reactions import services as reaction_services
from threads import selectors as thread_selectors
from threads import services as thread_services
from threads.models import Thread

CODES = {
    InvalidInput: "invalid",
    NotFound: "not_found",
    PermissionDenied: "forbidden",
    Conflict: "conflict",
}
SEARCH_MAX_LENGTH = 200
MAX_BODY_DEPTH = 5


def json_api(view):
    """Signed-in callers only (401 otherwise, no redirect); domain errors, and bodies too
    big or with too many fields (Django's checks), as JSON."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error(401, "unauthenticated", "Sign in first.")
        try:
            return view(request, *args, **kwargs)
        except DomainError as exc:
            return _error(exc.status, CODES.get(type(exc), "invalid"), exc.detail, exc.field)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent) as exc:
            # Status and sentence as every API decides them (``common.errors``).
            failure = classify(exc, wire_fields={})
            return _error(failure.status, ERROR_CODES[failure.status], failure.message, "body")

    return wrapper


def _error(status: int, code: str, message: str, field: str | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": {"code": code, "message": message, "field": field}}, status=status
    )


def _body(request) -> dict:
    try:
        # Nested deeper than any of these bodies needs: refused before it costs a stack.
        data = bodies.loads(request.body or b"{}", max_depth=MAX_BODY_DEPTH)
    except ValueError:
        raise InvalidInput("The body must be JSON.", field="body") from None
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", field="body")
    return data


def _form_or_json(request) -> dict:
    if request.content_type == "application/json":
        return _body(request)
    return request.POST.dict()


def _uuid(value, *, field: str | None = None) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        if field:
            raise InvalidInput("Not a valid id.", field=field) from None
        raise NotFound("Not found.") from None


def _thread(request, thread_id) -> Thread:
    return thread_selectors.thread_get_for_user(user=request.user, thread_id=thread_id)


def _message(request, message_id) -> Message:
    return chat_selectors.message_get_for_user(user=request.user, message_id=message_id)


def _string(data: dict, key: str, *, default: str = "") -> str:
    value = data.get(key, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise InvalidInput("Must be a string.", field=key)
    return value


@require_GET
@json_api
def messages(request, thread_id):
    """``?before=<message id>`` pages back, ``?search=`` searches, ``?sort=&offset=`` lists
    a session room in another order."""
    thread = _thread(request, thread_id)
    sort = request.GET.get("sort", web_selectors.SORT_NEWEST)
    if sort not in web_selectors.SESSION_SORTS or (
        sort != web_selectors.SORT_NEWEST and thread.kind != Thread.Kind.SESSION
    ):
        raise InvalidInput("Unknown sort.", field="sort")
    if sort != web_selectors.SORT_NEWEST:
        try:
            offset = int(request.GET.get("offset", "0"))
        except ValueError:
            offset = -1
        if not 0 <= offset <= 100_000:
            raise InvalidInput("Must be a number from 0.", field="offset")
        page, has_more = web_selectors.session_message_page(
            thread_id=thread.pk, sort=sort, offset=offset
        )
        return JsonResponse({"messages": present.messages(page), "has_more": has_more})
    before = None
    if request.GET.get("before"):
        before = web_selectors.message_anchor(
            thread_id=thread.pk, message_id=_uuid(request.GET["before"], field="before")
        )
        if before is None:
            raise InvalidInput("Not a message of this thread.", field="before")
    search = request.GET.get("search", "").strip()
    if len(search) > SEARCH_MAX_LENGTH:
        raise InvalidInput(f"At most {SEARCH_MAX_LENGTH} characters.", field="search")
    page, has_more = web_selectors.message_page(thread_id=thread.pk, before=before, search=search)
    return JsonResponse({"messages": present.messages(page), "has_more": has_more})


@require_POST
@json_api
def message_send(request, thread_id):
    """The REST path of the composer (files, or when the socket is down)."""
    thread = _thread(request, thread_id)
    data = _body(request)
    files = data.get("files") or []
    if not isinstance(files, list):
        raise InvalidInput("A list of file ids.", field="files")
    client_id = data.get("client_id")
    if client_id is not None and not isinstance(client_id, str):
        raise InvalidInput("Must be a string.", field="client_id")
    if thread.kind == Thread.Kind.SUPPORT:
        # Staff answer a customer as the desk (role ``agent``), as the Support API does.
        if data.get("reply_to") or files:
            raise InvalidInput("Support answers are text only.", field="text")
        message = chat_services.support_message_send(
            chat=thread, role=Message.Role.AGENT, text=_string(data, "text"), actor=request.user
        )
    else:
        # The service checks the reply target and the files (the author's, not yet sent).
        message = chat_services.message_send(
            thread=thread,
            actor=request.user,
            text=_string(data, "text"),
            reply_to_id=_uuid(data["reply_to"], field="reply_to") if data.get("reply_to") else None,
            attachment_ids=files,
            client_id=client_id,
        )
    return JsonResponse(
        {"message": present.message(web_selectors.message_full(message_id=message.pk))},
        status=201,
    )


@require_POST
@json_api
def mark_read(request, thread_id):
    """Read up to ``{"message": id}`` (the newest message the page shows), else the newest."""
    thread = _thread(request, thread_id)
    if thread_selectors.membership_get(thread=thread, user=request.user) is None:
        return JsonResponse({})  # support staff read chats without being members
    data = _form_or_json(request)
    if data.get("message"):
        up_to = web_selectors.message_anchor(
            thread_id=thread.pk, message_id=_uuid(data["message"], field="message")
        )
        if up_to is None:
            raise InvalidInput("Not a message of this thread.", field="message")
    else:
        up_to = web_selectors.latest_message(thread_id=thread.pk)
    if up_to is not None:
        thread_services.thread_mark_read(thread=thread, actor=request.user, up_to=up_to)
    return JsonResponse({})


@require_http_methods(["DELETE"])
@json_api
def message_remove(request, message_id):
    message = _message(request, _uuid(message_id))
    chat_services.message_remove(message=message, actor=request.user)
    return JsonResponse({}, status=200)


@require_http_methods(["POST", "DELETE"])
@json_api
def reaction(request, message_id, name):
    message = _message(request, _uuid(message_id))
    if request.method == "POST":
        reaction_services.reaction_add(message=message, actor=request.user, name=name)
    else:
        reaction_services.reaction_remove_by_name(message=message, actor=request.user, name=name)
    return JsonResponse(
        {"message": present.message(web_selectors.message_full(message_id=message.pk))}
    )


@require_http_methods(["POST", "DELETE"])
@json_api
def pin(request, message_id):
    message = _message(request, _uuid(message_id))
    if request.method == "POST":
        pin_services.pin_add(message=message, actor=request.user)
    else:
        existing = web_selectors.pin_of(message=message)
        if existing is None:
            raise NotFound("The message is not pinned.")
        pin_services.pin_remove(pin=existing, actor=request.user)
    return JsonResponse({}, status=200)


@require_POST
@json_api
def upload(request):
    file = request.FILES.get("file")
    if file is None:
        raise InvalidInput("A file is required.", field="file")
    attachment = chat_services.attachment_create(uploaded_by=request.user, file=file)
    return JsonResponse(present.attachment(attachment), status=201)


@require_GET
@json_api
def file(request, attachment_id):
    attachment = chat_selectors.attachment_get_for_user(
        user=request.user, attachment_id=attachment_id
    )
    if request.GET.get("thumb") and attachment.thumbnail:
        # The small copy made at upload (JPEG, or PNG where transparency matters).
        thumb_type = "image/png" if attachment.thumbnail.name.endswith(".png") else "image/jpeg"
        response = FileResponse(attachment.thumbnail.open("rb"), content_type=thumb_type)
    else:
        response = FileResponse(
            attachment.file.open("rb"),
            content_type=attachment.content_type,
            as_attachment=not attachment.is_image,
            filename=attachment.name,
        )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


# --- support chats (workspace agents and admins) ------------------------------------------


def _support_thread(request, thread_id) -> Thread:
    return web_selectors.support_chat(user=request.user, thread_id=thread_id)


@require_POST
@json_api
def support_block(request, thread_id):
    """Block or unblock the chat's customer (across all their chats)."""
    thread = _support_thread(request, thread_id)
    if thread.owner is None:
        raise InvalidInput("This chat has no customer.", field="owner")
    blocked = str(_form_or_json(request).get("blocked", "")).lower()
    if blocked not in {"true", "false"}:
        raise InvalidInput("Must be true or false.", field="blocked")
    thread_services.external_user_set_blocked(
        external_user=thread.owner, blocked=blocked == "true", actor=request.user
    )
    return JsonResponse({"thread": _support_state(request, thread.pk)})


@require_POST
@json_api
def support_status(request, thread_id):
    """Move the chat's ticket to another status."""
    thread = _support_thread(request, thread_id)
    if thread.ticket is None:
        raise InvalidInput("This chat has no ticket.", field="ticket")
    status = str(_form_or_json(request).get("status", ""))
    thread_services.ticket_update(ticket=thread.ticket, actor=request.user, status=status)
    return JsonResponse({"thread": _support_state(request, thread.pk)})


def _support_state(request, thread_id) -> dict:
    thread = web_selectors.support_chat(user=request.user, thread_id=thread_id)
    return {
        "id": str(thread.pk),
        "owner_blocked": thread.owner.is_blocked if thread.owner else None,
        "ticket_status": thread.ticket.status if thread.ticket else None,
    }
