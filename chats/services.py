"""Every write to messages and attachments.

Each function is one transaction that takes the thread's row lock first, checks the
rules of SPEC §3, writes, and records the announcing event in the same transaction.

Every rule about a message lives here, whichever surface the request came through (REST,
the websocket, the admin): text normalisation and limits, replies, attached files, who
may edit or remove. Functions that check permissions take the required keyword ``actor``
(a user or ``chatproject.actors.SYSTEM``); errors name fields in domain terms (``text``,
``reply_to``, ``files``).
"""

from __future__ import annotations

import datetime
import io
import json
import threading
import uuid
from collections.abc import Callable, Collection, Iterable
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image, ImageOps, UnidentifiedImageError

from chatproject.actors import SYSTEM, Actor, recorded_user
from chatproject.compiled import CompiledInsert
from chatproject.errors import Conflict, Id, InvalidInput, NotFound, PermissionDenied
from chatproject.text import clean_text
from chats import events
from chats.models import Attachment, Message, SendKey
from threads import selectors as thread_selectors
from threads.models import ExternalUser, Responder, Thread, Workspace
from threads.services import direct_thread_get_or_create, thread_lock, thread_lock_as

if TYPE_CHECKING:
    from chatproject.accounts.models import User

CLIENT_ID_MAX_LENGTH: int = Message._meta.get_field("client_id").max_length or 0

# Every send writes one: its INSERT is compiled once (see chatproject.compiled).
_MESSAGE_INSERT = CompiledInsert(Message)


def message_max_length(thread: Thread) -> int:
    """Session chats keep seed 000's short limit; every other thread the general one."""
    if thread.kind == Thread.Kind.SESSION:
        return settings.CHAT_SESSION_MESSAGE_MAX_LENGTH
    return settings.CHAT_MESSAGE_MAX_LENGTH


def _clean_text(text: object, *, thread: Thread, has_files: bool) -> str:
    text = clean_text(text, field="text")
    if not text and not has_files:
        raise InvalidInput("A message needs text or a file.", field="text")
    limit = message_max_length(thread)
    if len(text) > limit:
        raise InvalidInput(f"At most {limit} characters.", field="text")
    return text


def _lock_visible(thread_id: uuid.UUID, actor: Actor, kinds: Collection[str] | None) -> Thread:
    """Lock the thread; it must take messages from ``actor``: not removed (from anyone), seen
    by a user, and of a kind the calling surface serves. Asked under the lock."""
    if actor is SYSTEM:
        thread, visible = thread_lock(thread_id), True
    else:
        thread, visible = thread_lock_as(thread_id, user=actor)
    if thread.is_removed or not visible or (kinds is not None and thread.kind not in kinds):
        raise NotFound("Thread not found.")
    return thread


def _ids(values: Iterable[Any], *, field: str, detail: str) -> list[uuid.UUID]:
    """Ids from a caller; a malformed one is bad input in ``field`` (it names nothing)."""
    try:
        return [v if isinstance(v, uuid.UUID) else uuid.UUID(str(v)) for v in values]
    except (ValueError, TypeError, AttributeError):
        raise InvalidInput(detail, field=field) from None


def _free_attachments(ids: list[uuid.UUID], *, author: User | None) -> set[uuid.UUID]:
    """Lock the author's unsent uploads among ``ids``; ``InvalidInput`` unless all are.

    Read under the thread lock: a file is sent only once, whatever the caller saw before.
    """
    limit = settings.CHAT_MESSAGE_MAX_FILES
    if len(ids) > limit:
        raise InvalidInput(f"At most {limit} files per message.", field="files")
    wanted = set(ids)
    if not wanted:
        return wanted
    free = Attachment.objects.select_for_update().filter(
        pk__in=wanted, uploaded_by=author, message__isnull=True
    )
    if author is None or len(free) != len(wanted):
        raise InvalidInput("Unknown file.", field="files")
    return wanted


def _reply_target(reply_to_id: object, *, thread: Thread) -> Message | None:
    """The replied-to message: one of this thread's, not removed (read under the lock, so
    a removal that committed before us counts)."""
    if reply_to_id is None:
        return None
    [target_id] = _ids(
        [reply_to_id], field="reply_to", detail="The replied-to message is not in this thread."
    )
    target = Message.objects.filter(pk=target_id, thread=thread, is_removed=False).first()
    if target is None:
        raise InvalidInput("The replied-to message is not in this thread.", field="reply_to")
    return target


@transaction.atomic
def message_send(
    *,
    thread: Thread | Id,
    actor: Actor,
    text: object = "",
    reply_to_id: object = None,
    attachment_ids: Iterable[Any] = (),
    role: str = Message.Role.USER,
    client_id: str | int | None = None,
    author: User | None = None,
    kinds: Collection[str] | None = None,
) -> Message:
    """Post a message as the acting user (who must see the thread) or, for ``SYSTEM``,
    as the named ``author``.

    ``thread`` may be only the thread's id: the thread is read under its lock either way,
    so a surface need not read it first (one query less on every send). ``kinds``: the
    thread kinds the calling surface serves; a thread of another kind is not found.

    The same checks for every surface, in this order, all under the thread's lock:
    the thread is visible, not removed and of one of ``kinds`` (``NotFound``); at most
    ``CHAT_MESSAGE_MAX_FILES`` files, each the author's own upload not yet sent
    (``files``); a reply points at a message of this thread that is not removed
    (``reply_to``); text is trimmed, free of NUL and lone surrogates, non-empty unless
    files are attached, and within the thread kind's limit (``text``). With ``client_id``
    a retried send returns the first message instead of posting twice.
    """
    author = recorded_user(actor, author, field="author")
    thread_id = thread.pk if isinstance(thread, Thread) else thread_selectors.thread_key(thread)
    if client_id is not None:
        client_id = str(client_id).strip()[:CLIENT_ID_MAX_LENGTH] or None
        if client_id and author is not None:
            existing = _sent_with_client_id(author, client_id)
            if existing is not None:
                return _same_send(existing, thread_id)
    thread = _lock_visible(thread_id, actor, kinds)
    file_ids = _ids(attachment_ids, field="files", detail="Unknown file.")
    wanted = _free_attachments(file_ids, author=author)
    reply_to = _reply_target(reply_to_id, thread=thread)
    text = _clean_text(text, thread=thread, has_files=bool(wanted))
    role = _speaker_role(thread, author, role)
    now = timezone.now()
    try:
        # Only a client_id can collide with a concurrent retry; a savepoint costs two
        # round trips, so a send without one takes none.
        with transaction.atomic() if client_id else nullcontext():
            message = _MESSAGE_INSERT.create(
                thread=thread,
                author=author,
                role=role,
                text=text,
                reply_to=reply_to,
                created_at=now,
                client_id=client_id,
            )
    except IntegrityError:
        # A concurrent retry with the same client_id won the race.
        existing = _sent_with_client_id(author, client_id) if client_id and author else None
        if existing is None:
            raise
        return _same_send(existing, thread.pk)
    if wanted:
        Attachment.objects.filter(pk__in=wanted).update(message=message)
    # Without files the event's attachment list is known to be empty: no query for it.
    events.message_created(message, attachments=None if wanted else ())
    return message


def _speaker_role(thread: Thread, author: User | None, role: str) -> str:
    """In a support chat the role says who spoke, whatever surface the words came by: the
    chat's platform owner is the customer (``user``) and any other user who may post there
    is support staff, who answer as the desk (``agent``), as on the Support API."""
    if thread.kind != Thread.Kind.SUPPORT or author is None:
        return role
    return Message.Role.USER if author.pk == thread.owner_user_id else Message.Role.AGENT


def _same_send(existing: Message, thread_id: uuid.UUID) -> Message:
    """A retry returns the first message; the same ``client_id`` in another thread is not a
    retry but a clash (409), and never hands back a message of another thread."""
    if existing.thread_id != thread_id:
        raise Conflict("This client_id was already used in another thread.", field="client_id")
    return existing


def _sent_with_client_id(author: User, client_id: str) -> Message | None:
    return Message.objects.filter(author=author, client_id=client_id).first()


IDEMPOTENCY_KEY_MAX_LENGTH: int = SendKey._meta.get_field("key").max_length or 0


def _clean_idempotency_key(key: object) -> str:
    """Printable ASCII, 1..255 characters (Stripe's convention; it travels in a header)."""
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput("An Idempotency-Key may not be empty.", field="idempotency_key")
    key = key.strip()
    if len(key) > IDEMPOTENCY_KEY_MAX_LENGTH or not all(" " <= c <= "~" for c in key):
        raise InvalidInput(
            f"An Idempotency-Key is 1 to {IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters.",
            field="idempotency_key",
        )
    return key


@transaction.atomic
def message_send_once(
    *,
    caller: str,
    key: object,
    fingerprint: str,
    send: Callable[[], tuple[Message, Any]],
) -> tuple[Any, bool]:
    """Run ``send`` (one message send and the surface's rendering of its answer) at most
    once per ``(caller, key)`` within ``CHAT_IDEMPOTENCY_TTL_S``; returns ``(answer, replayed)``.
    ``caller`` names who asked (``user:<id>``, or ``workspace:<id>`` for a Support API key);
    ``send`` has already been authorised by the surface's credential and checks the rest.

    Guarantees: the key's row, the message and its answer commit together, so a retry
    sees either nothing (and sends) or the first answer (and sends nothing). A concurrent
    duplicate waits for the first to commit (PostgreSQL's unique index, SQLite's write
    lock) and gets its answer. The same key with another ``fingerprint`` (another body,
    path or session) is a ``Conflict``. A send that fails stores nothing: its retry runs
    again. A key older than the TTL is forgotten and may be reused.
    """
    key = _clean_idempotency_key(key)
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.CHAT_IDEMPOTENCY_TTL_S)
    SendKey.objects.filter(caller=caller, key=key, created_at__lt=cutoff).delete()
    try:
        with transaction.atomic():
            record = SendKey.objects.create(caller=caller, key=key, fingerprint=fingerprint)
    except IntegrityError:
        # Another send with this key committed first (or we waited for it to).
        first = SendKey.objects.get(caller=caller, key=key)
        if first.fingerprint != fingerprint:
            raise Conflict(
                "This Idempotency-Key was used for a different request.",
                field="idempotency_key",
            ) from None
        # The first send's row and its answer commit together, so a visible row has one.
        assert first.answer is not None
        return json.loads(first.answer), True
    message, answer = send()
    record.message = message
    record.answer = json.dumps(answer, cls=DjangoJSONEncoder)
    record.save(update_fields=["message", "answer"])
    return answer, False


def send_keys_clear_expired() -> int:
    """Delete the ``Idempotency-Key`` rows older than ``CHAT_IDEMPOTENCY_TTL_S`` (they no
    longer count); returns how many. Run from cron (``manage.py clearsendkeys``), like
    Django's ``clearsessions``: a reused key clears its own old row, others would stay."""
    cutoff = timezone.now() - datetime.timedelta(seconds=settings.CHAT_IDEMPOTENCY_TTL_S)
    deleted, _ = SendKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def message_send_direct(
    *,
    workspace: Workspace,
    actor: Actor,
    recipient: User,
    author: User | None = None,
    **message_fields: Any,
) -> tuple[Message, Thread, bool]:
    """Send to a user: the first message creates the personal thread (seed 002 ``to``).

    Thread and message commit together (a refused message leaves no new thread); returns
    ``(message, thread, thread_created)``. The message is checked as ``message_send``
    checks it; a reply must point into the personal thread.
    """
    sender = recorded_user(actor, author, field="author")
    if sender is None:
        raise ValueError("A personal message needs an author.")
    thread, created = direct_thread_get_or_create(workspace=workspace, user=sender, other=recipient)
    message = message_send(thread=thread, actor=actor, author=author, **message_fields)
    return message, thread, created


@transaction.atomic
def message_edit(*, message: Message, actor: Actor, text: object) -> Message:
    """Only the author (or ``SYSTEM``) edits; the same text rules as sending apply."""
    thread = thread_lock(message.thread_id)
    message = _lock_visible_message(message, actor)
    if actor is not SYSTEM and message.author_id != actor.pk:
        raise PermissionDenied("Only the author may edit a message.")
    message.text = _clean_text(text, thread=thread, has_files=message.attachments.exists())
    message.edited_at = timezone.now()
    message.save(update_fields=["text", "edited_at"])
    events.message_changed(message, "message.updated")
    return message


@transaction.atomic
def message_remove(*, message: Message, actor: Actor, removed_by: User | None = None) -> Message:
    """Soft-remove a message: its author or a host/admin of the thread may.

    Others who can see the message get ``PermissionDenied``; those who cannot, ``NotFound``.
    ``SYSTEM`` (the admin, whose permission Django has already checked) may remove any
    message, removed twice changes nothing, and names the moderator in ``removed_by``.
    """
    thread = thread_lock(message.thread_id)
    if actor is SYSTEM:
        message = Message.objects.select_for_update().get(pk=message.pk)
        if message.is_removed:
            return message
    else:
        message = _lock_visible_message(message, actor)
        is_author = message.author_id is not None and message.author_id == actor.pk
        if not is_author and not thread_selectors.can_moderate_thread(thread=thread, user=actor):
            raise PermissionDenied("Only the author or a host may remove this message.")
    message.is_removed = True
    message.removed_at = timezone.now()
    message.removed_by = recorded_user(actor, removed_by, field="removed_by")
    message.save(update_fields=["is_removed", "removed_at", "removed_by"])
    events.message_removed(message, thread_updates=_activity_after_removal(thread, message))
    return message


@transaction.atomic
def message_restore(*, message: Message, actor: Actor) -> Message:
    """Bring a removed message back (hosts/admins, or ``SYSTEM``: moderators in the admin)."""
    thread = thread_lock(message.thread_id)
    if actor is not SYSTEM and not (
        thread_selectors.can_see_thread(thread=thread, user=actor)
        and thread_selectors.can_moderate_thread(thread=thread, user=actor)
    ):
        raise NotFound("Message not found.")
    message = Message.objects.select_for_update().get(pk=message.pk)
    if not message.is_removed:
        return message
    message.is_removed = False
    message.removed_at = None
    message.removed_by = None
    message.save(update_fields=["is_removed", "removed_at", "removed_by"])
    newer = thread.last_message_at is None or message.created_at > thread.last_message_at
    events.message_changed(
        message,
        "message.restored",
        thread_updates={"last_message_at": message.created_at} if newer else None,
    )
    return message


def _activity_after_removal(thread: Thread, message: Message) -> dict | None:
    """The thread's activity time once ``message`` (just removed) no longer shows: the
    newest message still shown (``None``, then creation, when none is), if ``message`` was
    the newest; else unchanged (``None``: nothing to set)."""
    if thread.last_message_at is not None and message.created_at < thread.last_message_at:
        return None
    newest = (
        Message.objects.filter(thread_id=thread.pk, is_removed=False)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    return {"last_message_at": newest}


def _lock_visible_message(message: Message, actor: Actor) -> Message:
    locked = Message.objects.select_for_update().filter(pk=message.pk, is_removed=False).first()
    if locked is None:
        raise NotFound("Message not found.")
    if actor is not SYSTEM and not thread_selectors.can_see_thread(
        thread=locked.thread, user=actor
    ):
        raise NotFound("Message not found.")
    return locked


def attachment_create(
    *, uploaded_by: User, file: UploadedFile, allowed_types: Collection[str] | None = None
) -> Attachment:
    """Store an uploaded file for a later message.

    Size and type come from settings (``allowed_types`` narrows the types further, e.g. to
    images only); anything claiming to be an image must decode as one (its real format and
    dimensions are recorded, the client's word is not trusted) and gets a thumbnail.
    Nothing is stored unless every check passes.
    """
    allowed = set(settings.CHAT_UPLOAD_ALLOWED_TYPES)
    if allowed_types is not None:
        allowed &= set(allowed_types)
    size = file.size or 0
    if size <= 0:
        raise InvalidInput("The file is empty.", field="file")
    if size > settings.CHAT_UPLOAD_MAX_BYTES:
        raise InvalidInput(
            f"The file is larger than {_readable_size(settings.CHAT_UPLOAD_MAX_BYTES)}.",
            field="file",
        )
    content_type = (file.content_type or "application/octet-stream").split(";")[0].strip().lower()
    if content_type not in allowed:
        raise InvalidInput(f"Files of type {content_type} are not accepted.", field="file")
    width = height = None
    thumbnail = None
    if content_type.startswith("image/"):
        width, height, content_type, thumbnail = _verify_image(file, allowed=allowed)
    name = (file.name or "file").replace("\\", "/").rsplit("/", 1)[-1][:255] or "file"
    attachment = Attachment(
        uploaded_by=uploaded_by,
        name=name,
        content_type=content_type,
        size=size,
        width=width,
        height=height,
    )
    attachment.file.save(attachment.id.hex, file, save=False)
    if thumbnail is not None:
        attachment.thumbnail.save(thumbnail.name, thumbnail, save=False)
    attachment.save()
    return attachment


def _readable_size(size: int) -> str:
    """``10485760`` as people read it: "10 MB" (binary units, as file managers show them)."""
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if size >= scale:
            return f"{size / scale:.3g} {unit}"
    return f"{size} bytes"


_IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
# One full-size bitmap at a time per process: an image at the pixel limit decodes to
# ~160 MB, and without this every request thread could hold one at once.
_DECODING = threading.Lock()


def _verify_image(
    file: UploadedFile, *, allowed: Collection[str]
) -> tuple[int, int, str, ContentFile | None]:
    """Decode the whole image (a truncated or fake one is refused) and make its thumbnail.

    The pixel count is checked from the header before decoding, so a small file that
    would decode to a huge bitmap costs nothing. Past that, an upload costs one decoded
    bitmap (one at a time per process, ``_DECODING``) and its thumbnail, no full-size copy.
    """
    try:
        file.seek(0)
        with Image.open(file) as image:
            image.verify()
        file.seek(0)
        with Image.open(file) as image:
            width, height = image.size
            kind = _IMAGE_TYPES.get(image.format or "")
            if width * height > settings.CHAT_IMAGE_MAX_PIXELS:
                raise InvalidInput(
                    f"The image has more than {settings.CHAT_IMAGE_MAX_PIXELS} pixels.",
                    field="file",
                )
            with _DECODING:
                image.load()
                thumbnail = _thumbnail(image) if kind is not None else None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput("The file is not a valid image.", field="file") from None
    finally:
        file.seek(0)
    if kind is None or kind not in allowed:
        raise InvalidInput("This image format is not accepted.", field="file")
    return width, height, kind, thumbnail


def _thumbnail(image: Image.Image) -> ContentFile:
    """At most ``CHAT_THUMBNAIL_MAX_PX`` on the longer side, upright (EXIF orientation
    applied); JPEG for opaque images, PNG where transparency must survive.

    Shrunk first, in place, so that turning and converting work on the small image: each
    of them copies, and a full-size copy of an image at the pixel limit is ~160 MB.
    Palette images are converted first (a palette is shrunk by dropping pixels, not
    blending them), at one byte per pixel for the bitmap they come from.
    """
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    if image.mode in ("P", "1"):
        image = image.convert(mode)
    side = settings.CHAT_THUMBNAIL_MAX_PX
    image.thumbnail((side, side))
    image = ImageOps.exif_transpose(image).convert(mode)
    buffer = io.BytesIO()
    if has_alpha:
        image.save(buffer, format="PNG", optimize=True)
        extension = "png"
    else:
        image.save(buffer, format="JPEG", quality=85)
        extension = "jpg"
    return ContentFile(buffer.getvalue(), name=f"thumbnail.{extension}")


@transaction.atomic
def support_message_send(*, chat: Thread, role: str, text: str | None, actor: Actor) -> Message:
    """Post to a support chat as the party ``role`` names (Support API).

    ``user`` is written as the chat's owner (the customer, or the platform user who owns
    it), ``assistant`` as its responder; ``agent`` and ``system`` messages have no author
    (the role says who spoke). A blocked customer's ``user`` messages are refused
    (``PermissionDenied``), and so is anything posted to a removed chat (``Conflict``).
    The same text rules as ``message_send``; the message is an ordinary ``Message`` row,
    the one agents see in the browser and the admin, and announces ``message.created``.
    """
    if role not in Message.Role.values:
        raise InvalidInput("Unknown role.", field="role")
    thread = thread_lock(chat.pk)
    if thread.kind != Thread.Kind.SUPPORT:
        raise NotFound("Chat not found.")
    if actor is not SYSTEM and not thread_selectors.is_support_staff(
        user=actor, workspace_id=thread.workspace_id
    ):
        raise NotFound("Chat not found.")
    if thread.is_removed:
        raise Conflict("The chat is removed.")
    authors: dict[str, ExternalUser | User | Responder | None] = {}
    if role == Message.Role.USER:
        if thread.owner is not None and thread.owner.is_blocked:
            raise PermissionDenied("The chat's owner is blocked.", field="role")
        authors = {"author_external": thread.owner, "author": thread.owner_user}
    elif role == Message.Role.ASSISTANT:
        authors = {"author_responder": thread.responder}
    text = _clean_text(text, thread=thread, has_files=False)
    now = timezone.now()
    message = _MESSAGE_INSERT.create(thread=thread, role=role, text=text, created_at=now, **authors)
    # A support message has no files: no query for them.
    events.message_created(message, attachments=())
    return message
