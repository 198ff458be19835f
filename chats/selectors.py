"""Reads of messages that more than one caller needs."""

from __future__ import annotations

import re
import sys
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Concat, NullIf, Substr, Trim

from chatproject.errors import Id, NotFound
from chatproject.versioned import VersionedCache
from chats.models import Attachment, Message
from pins.models import Pin
from reactions.models import THUMBS_DOWN, THUMBS_UP, Reaction
from threads.models import ExternalUser, Membership, Responder, Thread
from threads.selectors import visible_threads_q

if TYPE_CHECKING:
    from chatproject.accounts.models import User


def visible_messages(*, user: User) -> QuerySet[Message]:
    """Messages the user may see: not removed, in a thread the user may see."""
    return Message.objects.filter(
        is_removed=False,
        thread__in=Thread.objects.filter(visible_threads_q(user)).values("pk"),
    )


def message_get_for_user(*, user: User, message_id: Id, thread_id: Id | None = None) -> Message:
    """The message if the user may see it; ``NotFound`` whether it is missing or hidden."""
    qs = visible_messages(user=user).select_related("thread", "author")
    if thread_id is not None:
        qs = qs.filter(thread_id=thread_id)
    try:
        return qs.get(pk=message_id)
    except (Message.DoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound("Message not found.") from None


def thread_messages(*, thread_id: Id) -> QuerySet[Message]:
    """A thread's visible messages in history order, with what every surface shows."""
    return (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .select_related("author", "author_external")
        .order_by("created_at", "id")
    )


class MessageSort:
    """The orders a thread's history can be listed in (seed 000 ``SortBy``)."""

    CREATED_AT = "CreatedAt"
    PINNED = "Pinned"
    REACTION = "reaction"  # with a reaction name


def thread_messages_sorted(
    *,
    thread_id: Id,
    sort: str = MessageSort.CREATED_AT,
    reaction: str = "",
    ascending: bool = True,
) -> QuerySet[Message]:
    """A thread's visible messages in a total order, ready to be cut into pages in the database.

    ``Pinned`` puts pinned messages first (reversed when descending); a reaction sorts by
    that reaction's count. Ties always break by creation time, then id, in the same
    direction, so consecutive pages never overlap or skip.
    """
    qs = (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .select_related("author", "author_external", "pin")
        .prefetch_related(
            Prefetch("reactions", queryset=Reaction.objects.order_by("created_at", "id"))
        )
    )
    if sort == MessageSort.PINNED:
        qs = qs.annotate(sort_key=Exists(Pin.objects.filter(message=OuterRef("pk"))))
        # "Ascending" by pin means "pinned first" (True sorts after False, hence the minus);
        # descending is the exact reverse of that order.
        if ascending:
            return qs.order_by("-sort_key", "created_at", "id")
        return qs.order_by("sort_key", "-created_at", "-id")
    if sort == MessageSort.REACTION:
        counts = (
            Reaction.objects.filter(message=OuterRef("pk"), name=reaction)
            .order_by()
            .values("message")
            .annotate(n=Count("*"))
            .values("n")
        )
        qs = qs.annotate(sort_key=Coalesce(Subquery(counts), 0))
        keys = ["sort_key", "created_at", "id"]
    else:
        keys = ["created_at", "id"]
    return qs.order_by(*(keys if ascending else [f"-{k}" for k in keys]))


def reactions_summary(message: Message) -> list[dict[str, Any]]:
    """``[{name, count, users: [ids]}]`` from the prefetched reactions, in order of first use."""
    grouped: dict[str, list[Id]] = {}
    for reaction in message.reactions.all():
        grouped.setdefault(reaction.name, []).append(reaction.user_id)
    return [{"name": n, "count": len(users), "users": users} for n, users in grouped.items()]


# --- Thread lists with activity, history pages, files (Team API, seed 002) ---------------

THUMBS = (THUMBS_UP, THUMBS_DOWN)
_NEVER = Value(datetime(1970, 1, 1, tzinfo=UTC), output_field=DateTimeField())


def with_files_and_thumbs(messages: QuerySet[Message]) -> QuerySet[Message]:
    """Messages with their files (``attachments``) and thumbs reactions (``thumbs``).

    Two extra queries whatever the number of messages, so a page costs the same at any size.
    """
    return messages.prefetch_related(
        Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id")),
        Prefetch(
            "reactions",
            queryset=Reaction.objects.filter(name__in=THUMBS).order_by("created_at", "id"),
            to_attr="thumbs",
        ),
    )


def message_search_q(term: str) -> Q:
    """Case-insensitive substring match on message text, the same answer on both databases.

    PostgreSQL: ``icontains`` compiles to ``UPPER(text) LIKE UPPER('%term%')``, which the
    GIN trigram index on ``UPPER(text)`` (migration ``chats.0002``) serves. SQLite's LIKE
    folds ASCII only, so there the match is a case-insensitive Python regex (Django
    registers ``REGEXP``), which folds all of Unicode; it only runs over one thread's rows.
    """
    if connection.vendor == "postgresql":
        return Q(text__icontains=term)
    return Q(text__iregex=re.escape(term))


def _after(anchor: Message) -> Q:
    # "(created_at, id) > anchor". The leading range conjunct lets the database seek the
    # (thread, is_removed, created_at, id) index instead of filtering the whole thread, so a
    # page costs the same in a thread of a million messages as in one of a thousand.
    return Q(created_at__gte=anchor.created_at) & (
        Q(created_at__gt=anchor.created_at) | Q(id__gt=anchor.id)
    )


def _before(anchor: Message) -> Q:
    # "(created_at, id) < anchor", seekable like ``_after``.
    return Q(created_at__lte=anchor.created_at) & (
        Q(created_at__lt=anchor.created_at) | Q(id__lt=anchor.id)
    )


class FileRow(NamedTuple):
    """A file of a history row."""

    id: uuid.UUID
    name: str
    size: int
    content_type: str


class MessageRow(NamedTuple):
    """A message of a history page as plain values: what a page shows, nothing to load later.

    ``thumbs`` are its ``:thumbsup:``/``:thumbsdown:`` reactions as ``(user id, name)``, and
    ``files`` its files, both oldest first.
    """

    id: uuid.UUID
    thread_id: uuid.UUID
    author_id: uuid.UUID | None
    text: str
    reply_to_id: uuid.UUID | None
    created_at: datetime
    files: tuple[FileRow, ...]
    thumbs: tuple[tuple[uuid.UUID, str], ...]


_ROW_FIELDS = ("id", "thread_id", "author_id", "text", "reply_to_id", "created_at")


def _page_bytes(rows: tuple[MessageRow, ...]) -> int:
    # An estimate of what a cached page holds: the texts, plus a fixed cost per row and file.
    return sum(sys.getsizeof(r.text) + 600 + 300 * len(r.files) for r in rows)


# The latest pages of threads, by (thread, limit), valid for one ``Thread.history_seq``.
LATEST_PAGES: VersionedCache[tuple[MessageRow, ...]] = VersionedCache(
    max_bytes=settings.CHAT_PAGE_CACHE_BYTES, size=_page_bytes
)


def thread_message_page(
    *,
    thread_id: Id,
    limit: int,
    after: Message | None = None,
    before: Message | None = None,
    search: str = "",
    history_seq: int | None = None,
) -> tuple[MessageRow, ...]:
    """One page of a thread's visible history, oldest first (seed 002 ``after``/``before``).

    Keyset paging on ``(created_at, id)`` in the database, so a page never skips or repeats
    a message however many arrive meanwhile. With ``after``: the ``limit`` messages right
    after it; without: the latest ``limit`` (before ``before`` when given). Anchors are
    positions only, so a removed anchor still pages correctly.

    Three queries whatever the page size (the page, its files, its thumbs), read as plain
    values rather than model instances: reading history is the most frequent request, and
    building and prefetching model instances was a large part of its CPU.

    ``history_seq``: the thread's ``Thread.history_seq`` as the caller just read it. The
    latest page (no anchor, no search) is then served from a per-process cache for that
    version (``chatproject.versioned``): every change a page shows moves the version in the
    change's own transaction, and the rows are read after the version, so a cached page is
    never older than its version. A thread's latest page is what every member reads on
    opening it, often many times between two messages; a hit costs no query.
    """
    version = history_seq if after is None and before is None and not search else None
    if version is not None:
        cached = LATEST_PAGES.get((thread_id, limit), version)
        if cached is not None:
            return cached
    page = _read_page(thread_id=thread_id, limit=limit, after=after, before=before, search=search)
    if version is not None:
        LATEST_PAGES.put((thread_id, limit), version, page)
    return page


def _read_page(
    *, thread_id: Id, limit: int, after: Message | None, before: Message | None, search: str
) -> tuple[MessageRow, ...]:
    messages = Message.objects.filter(thread_id=thread_id, is_removed=False)
    if search:
        messages = messages.filter(message_search_q(search))
    if after is not None:
        messages = messages.filter(_after(after))
    if before is not None:
        messages = messages.filter(_before(before))
    if after is not None:
        rows = list(messages.order_by("created_at", "id").values_list(*_ROW_FIELDS)[:limit])
    else:
        rows = list(messages.order_by("-created_at", "-id").values_list(*_ROW_FIELDS)[:limit])
        rows.reverse()
    if not rows:
        return ()
    ids = [row[0] for row in rows]
    files: dict[uuid.UUID, list[FileRow]] = {}
    for message_id, file_id, name, size, content_type in (
        Attachment.objects.filter(message_id__in=ids)
        .order_by("created_at", "id")
        .values_list("message_id", "id", "name", "size", "content_type")
    ):
        files.setdefault(message_id, []).append(FileRow(file_id, name, size, content_type))
    thumbs: dict[uuid.UUID, list[tuple[uuid.UUID, str]]] = {}
    for message_id, user_id, name in (
        Reaction.objects.filter(message_id__in=ids, name__in=THUMBS)
        .order_by("created_at", "id")
        .values_list("message_id", "user_id", "name")
    ):
        thumbs.setdefault(message_id, []).append((user_id, name))
    return tuple(
        MessageRow(
            id=row[0],
            thread_id=row[1],
            author_id=row[2],
            text=row[3],
            reply_to_id=row[4],
            created_at=row[5],
            files=tuple(files.get(row[0], ())),
            thumbs=tuple(thumbs.get(row[0], ())),
        )
        for row in rows
    )


def thread_messages_newest_first(*, thread_id: Id) -> QuerySet[Message]:
    """A thread's visible messages, newest first, with authors and files (Messenger API).

    Cut pages by slicing (``LIMIT``/``OFFSET`` in the database, served by the
    ``msg_thread_time`` index read backwards); files cost one query per page.
    """
    return (
        Message.objects.filter(thread_id=thread_id, is_removed=False)
        .select_related("author")
        .prefetch_related(
            Prefetch("attachments", queryset=Attachment.objects.order_by("created_at", "id"))
        )
        .order_by("-created_at", "-id")
    )


def thread_message_anchor(*, thread_id: Id, message_id: Id) -> Message | None:
    """A message of the thread used as a paging position (removed ones too), or ``None``."""
    try:
        return (
            Message.objects.filter(thread_id=thread_id, pk=message_id)
            .only("id", "created_at", "thread_id")[:1]
            .get()
        )
    except (Message.DoesNotExist, ValueError, TypeError, ValidationError):
        return None


def threads_with_activity(*, user: User, kinds: Iterable[str]) -> QuerySet[Thread]:
    """The user's visible threads of ``kinds``, newest activity first, with their list facts.

    Each row is annotated in the same query with ``activity_at`` (last message time, else
    creation), ``read_mark`` (the user's ``last_read_at``, null if never read),
    ``unread_count`` (others' visible messages after the read mark) and
    ``last_message_pk``; members come in one prefetch as ``member_list``. Pair with
    ``attach_last_messages`` for the message objects.
    """
    visible = Message.objects.filter(thread=OuterRef("pk"), is_removed=False)
    read_mark = Membership.objects.filter(thread=OuterRef("pk"), user=user).values("last_read_at")
    unread = (
        visible.filter(created_at__gt=Coalesce(OuterRef("read_mark"), _NEVER))
        .exclude(author=user)
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last = visible.order_by("-created_at", "-id").values("pk")[:1]
    return (
        Thread.objects.filter(visible_threads_q(user), kind__in=list(kinds))
        .annotate(
            activity_at=Coalesce(F("last_message_at"), F("created_at")),
            read_mark=Subquery(read_mark[:1]),
        )
        .annotate(unread_count=Coalesce(Subquery(unread), 0), last_message_pk=Subquery(last))
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.order_by("joined_at", "id").only(
                    "id", "thread_id", "user_id", "joined_at"
                ),
                to_attr="member_list",
            )
        )
        .order_by("-activity_at", "-id")
    )


def attach_last_messages(threads: list[Thread]) -> list[Thread]:
    """Set ``last_message`` on threads from ``threads_with_activity`` in one fetch (plus the
    two of ``with_files_and_thumbs``), whatever the number of threads."""
    # ``last_message_pk`` is an annotation of ``threads_with_activity``; ``last_message`` is
    # set here for the serializers. Neither is a model field, hence getattr/setattr.
    ids = [pk for t in threads if (pk := getattr(t, "last_message_pk", None)) is not None]
    found: dict[Id, Message] = {}
    if ids:
        messages = Message.objects.filter(pk__in=ids).select_related("author")
        found = {m.pk: m for m in with_files_and_thumbs(messages)}
    for thread in threads:
        pk = getattr(thread, "last_message_pk", None)
        setattr(thread, "last_message", found.get(pk) if pk is not None else None)  # noqa: B010
    return threads


def attachment_get_for_user(*, user: User, attachment_id: Id) -> Attachment:
    """A file the user may download: their own upload, or one sent in a visible message of a
    thread they may see. ``NotFound`` for anything else, so a file's existence never leaks."""
    shared = Q(
        message__is_removed=False,
        message__thread__in=Thread.objects.filter(visible_threads_q(user)).values("pk"),
    )
    try:
        return Attachment.objects.filter(Q(uploaded_by=user) | shared).get(pk=attachment_id)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise NotFound("File not found.") from None


# --- support chats (Support API, seed 003) -----------------------------------------------


def _text_match_q(field: str, term: str) -> Q:
    """Case-insensitive substring match on ``field``, the same answer on both databases
    (see ``message_search_q``: an index-served ``UPPER(...) LIKE`` on PostgreSQL, a
    Unicode-aware regex on SQLite)."""
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__icontains": term})
    return Q(**{f"{field}__iregex": re.escape(term)})


def support_search_q(term: str) -> Q:
    """Chats whose title, owner (name, identifier or e-mail) or a visible message matches.

    Each part is a semi-join on a set the trigram indexes of ``threads.0006`` and
    ``chats.0002`` find on PostgreSQL, rather than a per-chat scan.
    """
    match = _text_match_q
    customers = ExternalUser.objects.filter(
        match("name", term) | match("identifier", term) | match("email", term)
    ).values("pk")
    users = (
        get_user_model()
        .objects.filter(
            _text_match_q("display_name", term)
            | _text_match_q("username", term)
            | _text_match_q("email", term)
        )
        .values("pk")
    )
    messages = Message.objects.filter(_text_match_q("text", term), is_removed=False).values(
        "thread_id"
    )
    return (
        _text_match_q("title", term)
        | Q(owner__in=customers)
        | Q(owner_user__in=users)
        | Q(pk__in=messages)
    )


def support_chats(
    *,
    workspace_id: Id,
    channel_ids: Iterable[Id] = (),
    channel_types: Iterable[str] = (),
    owner_ids: Iterable[Id] = (),
    responder_ids: Iterable[Id] = (),
    responder_version_ids: Iterable[Id] = (),
    last_message_from: datetime | None = None,
    last_message_to: datetime | None = None,
    search: str = "",
    include_removed: bool = False,
) -> QuerySet[Thread]:
    """The workspace's support chats matching every filter given, newest activity first.

    Empty filters do not filter. ``owner_ids`` and ``responder_ids`` are super identity
    ids; ids of another workspace simply match nothing. The date range is inclusive at
    both ends and applies to ``last_message_at`` (chats without one never match it).
    Removed chats are left out unless ``include_removed``. Each row carries, from the same
    query, ``owner_identity_id``, ``responder_identity_id`` and
    ``current_responder_identity_id`` (the wire ids). Ties in activity break by id, so
    pages never overlap; the order is served by the ``thread_ws_kind_activity`` index.
    """
    chats = Thread.objects.filter(workspace_id=workspace_id, kind=Thread.Kind.SUPPORT)
    if not include_removed:
        chats = chats.filter(is_removed=False)
    if channel_ids:
        chats = chats.filter(channel_id__in=list(channel_ids))
    if channel_types:
        chats = chats.filter(channel__type__in=list(channel_types))
    if owner_ids:
        owner_ids = list(owner_ids)
        chats = chats.filter(
            Q(owner__in=ExternalUser.objects.filter(super_identity_id__in=owner_ids).values("pk"))
            | Q(
                owner_user__in=get_user_model()
                .objects.filter(super_identity_id__in=owner_ids)
                .values("pk")
            )
        )
    if responder_ids:
        responders = Responder.objects.filter(super_identity_id__in=list(responder_ids))
        chats = chats.filter(responder__in=responders.values("pk"))
    if responder_version_ids:
        chats = chats.filter(responder_version_id__in=list(responder_version_ids))
    if last_message_from is not None:
        chats = chats.filter(last_message_at__gte=last_message_from)
    if last_message_to is not None:
        chats = chats.filter(last_message_at__lte=last_message_to)
    if search:
        chats = chats.filter(support_search_q(search))
    return chats.annotate(
        owner_identity_id=Coalesce(
            F("owner__super_identity_id"), F("owner_user__super_identity_id")
        ),
        responder_identity_id=F("responder__super_identity_id"),
        current_responder_identity_id=F("current_responder__super_identity_id"),
        activity_at=Coalesce(F("last_message_at"), F("created_at")),
    ).order_by(F("activity_at").desc(), F("id").desc())


def _user_name(prefix: str) -> Coalesce:
    """SQL for ``User.name``: display name, else full name, else username (null if no user)."""
    full_name = Trim(Concat(f"{prefix}first_name", Value(" "), f"{prefix}last_name"))
    return Coalesce(
        NullIf(F(f"{prefix}display_name"), Value("")),
        NullIf(full_name, Value("")),
        F(f"{prefix}username"),
    )


# The seed's "content preview" of a detail row's last two messages: their first characters,
# cut in the database (a page of 100 rows of 10,000-character messages was 2 MB).
PREVIEW_LENGTH = 200


def with_support_details(chats: QuerySet[Thread]) -> QuerySet[Thread]:
    """Chats from ``support_chats`` with every fact of the seed's detail row, in one query.

    Channel, owner, responder, version and ticket facts come from joins; the last and
    penultimate visible messages (content preview, time, role) from correlated subqueries
    on the ``(thread, is_removed, created_at, id)`` index, evaluated for the page's rows
    only. So a page costs one query whatever its size.
    """
    recent = (
        Message.objects.filter(thread=OuterRef("pk"), is_removed=False)
        .order_by("-created_at", "-id")
        .annotate(preview=Substr("text", 1, PREVIEW_LENGTH))
    )

    def nth(position: int, field: str) -> Subquery:
        return Subquery(recent.values(field)[position : position + 1])

    return chats.annotate(
        channel_name=F("channel__name"),
        channel_type=F("channel__type"),
        owner_name=Coalesce(NullIf(F("owner__name"), Value("")), _user_name("owner_user__")),
        owner_email=NullIf(F("owner_user__email"), Value("")),
        owner_identifier=F("owner__identifier"),
        is_owner_blocked=F("owner__is_blocked"),
        responder_name=F("responder__name"),
        responder_picture=NullIf(F("responder__picture"), Value("")),
        responder_entity=F("responder__entity"),
        responder_version_number=F("responder_version__number"),
        ticket_status=F("ticket__status"),
        last_message_content=nth(0, "preview"),
        last_message_created_at=nth(0, "created_at"),
        last_message_role=nth(0, "role"),
        penultimate_message_content=nth(1, "preview"),
        penultimate_message_created_at=nth(1, "created_at"),
        penultimate_message_role=nth(1, "role"),
    )


def support_chat_messages(*, chat_id: Id) -> QuerySet[Message]:
    """A support chat's visible messages, oldest first (ties by id)."""
    return Message.objects.filter(thread_id=chat_id, is_removed=False).order_by("created_at", "id")
