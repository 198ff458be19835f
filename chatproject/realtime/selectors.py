"""Database reads of the live-event socket: what a user subscribes to, and which logged
events they may see.

Visibility of *threads* is ``threads.selectors.visible_threads_q`` and nothing else;
this module only adds what is particular to events: one user's own events
(``read.updated``), "from the moment they joined" (an event older than the user's
membership is not theirs), and the farewell events a user still gets about a thread
they can no longer see (their own ``member.removed``, the ``thread.removed`` of a thread
they were in).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils import timezone

from chatproject.accounts.models import AccessToken
from threads.events import envelope
from threads.models import Event, Membership, Thread, WorkspaceMember
from threads.selectors import SUPPORT_STAFF_ROLES, visible_threads_q


@dataclass
class Subscription:
    """What one socket listens to. Ids are strings, as in event frames."""

    user_id: str
    # Threads the user is a member of (their groups are joined one by one).
    thread_ids: set[str] = field(default_factory=set)
    # Workspaces whose support chats the user sees as staff (one agents group each).
    staff_workspace_ids: set[str] = field(default_factory=set)
    # A session token's socket hears its session only.
    session_thread_id: str | None = None


def subscription_for(*, user, session_thread_id=None) -> Subscription:
    threads = Thread.objects.filter(visible_threads_q(user), memberships__user=user)
    if session_thread_id is not None:
        return Subscription(
            user_id=str(user.pk),
            thread_ids={
                str(pk) for pk in threads.filter(pk=session_thread_id).values_list("pk", flat=True)
            },
            session_thread_id=str(session_thread_id),
        )
    staff = WorkspaceMember.objects.filter(user=user, role__in=SUPPORT_STAFF_ROLES)
    return Subscription(
        user_id=str(user.pk),
        thread_ids={str(pk) for pk in threads.values_list("pk", flat=True)},
        staff_workspace_ids={str(pk) for pk in staff.values_list("workspace_id", flat=True)},
    )


def event_visibility_q(*, user, session_thread_id=None) -> Q:
    """A filter for the ``Event`` rows ``user`` may be sent (one query, no per-row checks)."""
    membership = Membership.objects.filter(thread=OuterRef("thread"), user=user)
    member_when_it_happened = Exists(membership.filter(joined_at__lte=OuterRef("created_at")))
    staff_of_support_chat = Q(thread__kind=Thread.Kind.SUPPORT) & Exists(
        WorkspaceMember.objects.filter(
            workspace=OuterRef("thread__workspace"), user=user, role__in=SUPPORT_STAFF_ROLES
        )
    )
    visible_thread = Q(thread__in=Thread.objects.filter(visible_threads_q(user)).values("pk"))
    # Members hear a thread from the moment they joined; support staff who are not
    # members see the whole chat, as they do over REST.
    shared = visible_thread & (member_when_it_happened | ~Exists(membership))
    farewell = Q(type="member.removed", payload__user__id=str(user.pk)) | (
        Q(type="thread.removed") & (member_when_it_happened | staff_of_support_chat)
    )
    q = Q(user=user) | (Q(user__isnull=True) & (shared | farewell))
    if session_thread_id is not None:
        q &= Q(thread_id=session_thread_id)
    return q


def _with_route(queryset):
    return queryset.annotate(
        thread_kind=F("thread__kind"), thread_workspace=F("thread__workspace_id")
    ).order_by("id")


def _envelopes(rows) -> list[dict[str, Any]]:
    return [envelope(e, kind=e.thread_kind, workspace_id=e.thread_workspace) for e in rows]


def events_visible(
    *, user, after: int, upto: int | None = None, limit: int, session_thread_id=None
) -> list[dict[str, Any]]:
    """Envelopes of the events after ``after`` (up to ``upto``) the user may see, in id order."""
    qs = Event.objects.filter(
        event_visibility_q(user=user, session_thread_id=session_thread_id), id__gt=after
    )
    if upto is not None:
        qs = qs.filter(id__lte=upto)
    return _envelopes(_with_route(qs)[:limit])


def events_between(*, after: int, upto: int) -> list[dict[str, Any]]:
    """Envelopes of every event in ``(after, upto]``, whoever may see them (the log tail)."""
    return _envelopes(_with_route(Event.objects.filter(id__gt=after, id__lte=upto)))


def last_event_id() -> int:
    return Event.objects.aggregate(last=Max("id"))["last"] or 0


def replay_out_of_window(
    *, user, since: int, max_events: int, max_age_s: float, session_thread_id=None
) -> bool:
    """Whether replaying after ``since`` would exceed the window (too old or too many).

    Age is that of the oldest event the client missed, whoever's it is: the log may be
    pruned by age, so an older resume point cannot be trusted to be complete.
    """
    oldest_missed = (
        Event.objects.filter(id__gt=since).order_by("id").values_list("created_at", flat=True)
    ).first()
    if oldest_missed is not None and oldest_missed < timezone.now() - timedelta(seconds=max_age_s):
        return True
    missed = Event.objects.filter(
        event_visibility_q(user=user, session_thread_id=session_thread_id), id__gt=since
    )
    return missed.values("id")[: max_events + 1].count() > max_events


def token_is_active(*, token_id) -> bool:
    return AccessToken.objects.filter(
        pk=token_id, revoked_at__isnull=True, user__is_active=True
    ).exists()
