"""Database reads of the live-event socket: what a user subscribes to, and the logged
events they may see.

Who may see a thread is ``threads.selectors``'s; who hears an event is
``chatproject.realtime.audience``'s (``event_visibility_q``). This module only reads with
them.
"""

from datetime import timedelta
from typing import Any

from django.db.models import F
from django.utils import timezone

from chatproject.accounts.models import AccessToken
from chatproject.realtime.audience import envelope, event_visibility_q
from chatproject.realtime.state import Subscription
from threads import events
from threads.models import Event
from threads.selectors import member_thread_id_set, member_thread_ids, support_staff_workspace_ids


def connect_facts(*, user, session_thread_id=None) -> tuple[int, Subscription]:
    """What a connecting socket reads first, in one trip to the database thread: the
    newest settled event id, THEN the subscription (a membership change after that id is
    then in the replay from it)."""
    top = last_event_id()
    return top, subscription_for(user=user, session_thread_id=session_thread_id)


def subscription_for(*, user, session_thread_id=None) -> Subscription:
    """What a socket of ``user`` starts from: the visible threads they are a member of and,
    unless the socket is a session token's, the workspaces they are support staff of."""
    if session_thread_id is not None:
        threads = member_thread_ids(user).filter(thread_id=session_thread_id)
        return Subscription(
            user_id=str(user.pk),
            thread_ids={str(pk) for pk in threads},
            session_thread_id=str(session_thread_id),
        )
    return Subscription(
        user_id=str(user.pk),
        thread_ids=member_thread_id_set(user),
        staff_workspace_ids=support_staff_workspace_ids(user),
    )


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
    """The newest event id that is a safe resume point (``threads.events.settled_last_id``)."""
    return events.settled_last_id()


def settle() -> None:
    """Wait until a gap in the ids seen so far can only be a rolled-back write."""
    events.settle()


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
