"""One socket's visibility state: which events it delivers and which groups it is in.

A plain, synchronous class (no Channels, no database), so the rules of a socket can be
unit-tested by feeding it envelopes. The consumer owns the socket; for each envelope it
asks ``SocketState.take`` and carries out the answer: join groups, send the frame, leave
groups.

This is the in-memory mirror of ``chatproject.realtime.audience`` (see that module for
the rule and how the three places that apply it relate). It starts from a
``Subscription`` (read with ``threads.selectors.visible_threads_q`` by
``selectors.subscription_for``) and keeps it current from the events it relays, so a live
event costs no query. Group membership alone is never trusted: a doorbell already queued
when the user was removed still arrives, and is dropped here.
"""

from dataclasses import dataclass, field
from typing import Any

from chatproject.realtime.audience import (
    HEARD_WHILE_REMOVED,
    JOIN_TYPES,
    LEAVE_TYPES,
    agents_group,
    membership_subjects,
    restores,
    thread_group,
    user_group,
)
from threads.models import Thread


@dataclass
class Subscription:
    """What one socket listens to when it connects. Ids are strings, as in event frames."""

    user_id: str
    # Threads the user is a member of (their groups are joined one by one).
    thread_ids: set[str] = field(default_factory=set)
    # Workspaces whose support chats the user sees as staff (one agents group each).
    staff_workspace_ids: set[str] = field(default_factory=set)
    # A session token's socket hears its session only.
    session_thread_id: str | None = None


@dataclass(frozen=True)
class Step:
    """What the consumer does with one envelope, in this order: join, send, leave."""

    send: bool = False
    join: tuple[str, ...] = ()
    leave: tuple[str, ...] = ()


SKIP = Step()


class SocketState:
    """The visibility state of one socket, advanced one envelope at a time (in id order)."""

    def __init__(self, subscription: Subscription):
        self.sub = subscription
        # Threads removed since the socket connected (until a ``thread.updated`` restores
        # them): their members stay subscribed, but hear only removal and restore.
        self.removed_threads: set[str] = set()

    @property
    def user_id(self) -> str:
        return self.sub.user_id

    @property
    def session_thread_id(self) -> str | None:
        return self.sub.session_thread_id

    def initial_groups(self) -> list[str]:
        """The groups to join on connect: the user's, their agents groups, their threads'."""
        sub = self.sub
        groups = [user_group(sub.user_id)]
        groups += [agents_group(w) for w in sorted(sub.staff_workspace_ids)]
        groups += [thread_group(t) for t in sorted(sub.thread_ids)]
        return groups

    def take(self, envelope: dict[str, Any], *, checked: bool = False) -> Step:
        """Apply one envelope and say what to do with it.

        ``checked``: the database already said the user may see it (a replay read with
        ``audience.event_visibility_q``); membership changes are still followed.
        """
        frame = envelope["event"]
        thread, kind = frame["thread"], frame["type"]
        sub = self.sub
        if sub.session_thread_id is not None and thread != sub.session_thread_id:
            return SKIP
        mine = envelope["user"] is None and sub.user_id in membership_subjects(frame)
        join: tuple[str, ...] = ()
        if mine and kind in JOIN_TYPES:
            join = self._follow(thread)
        if restores(frame):
            self.removed_threads.discard(thread)
        send = checked or self.may_see(envelope)
        leave: tuple[str, ...] = ()
        if mine and kind in LEAVE_TYPES:
            leave = self._unfollow(thread)  # after relaying their own removal to them
        if kind == "thread.removed":
            self.removed_threads.add(thread)
        if not (send or join or leave):
            return SKIP
        return Step(send=send, join=join, leave=leave)

    def may_see(self, envelope: dict[str, Any]) -> bool:
        """Whether the user may be sent this event now (``audience`` clauses 1 to 3)."""
        sub = self.sub
        if envelope["user"] is not None:
            return envelope["user"] == sub.user_id
        frame = envelope["event"]
        thread = frame["thread"]
        if thread in self.removed_threads and frame["type"] not in HEARD_WHILE_REMOVED:
            return False
        if thread in sub.thread_ids:
            return True
        return (
            envelope["kind"] == Thread.Kind.SUPPORT
            and envelope["workspace"] in sub.staff_workspace_ids
        )

    def restaff(self, staff_workspace_ids: set[str]) -> Step:
        """The user's support-staff workspaces changed (role or workspace): swap the
        agents groups of those they left for those they joined."""
        before = self.sub.staff_workspace_ids
        self.sub.staff_workspace_ids = set(staff_workspace_ids)
        return Step(
            join=tuple(agents_group(w) for w in sorted(staff_workspace_ids - before)),
            leave=tuple(agents_group(w) for w in sorted(before - staff_workspace_ids)),
        )

    def _follow(self, thread: str) -> tuple[str, ...]:
        """Start hearing a thread the user just joined: its group, unless already in it."""
        if thread in self.sub.thread_ids:
            return ()
        self.sub.thread_ids.add(thread)
        return (thread_group(thread),)

    def _unfollow(self, thread: str) -> tuple[str, ...]:
        """Stop hearing a thread the user left (its group was joined only if followed)."""
        if thread not in self.sub.thread_ids:
            return ()
        self.sub.thread_ids.discard(thread)
        return (thread_group(thread),)
