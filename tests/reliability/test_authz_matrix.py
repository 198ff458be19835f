"""Issue 14 part 2: the authorization matrix. One table of endpoint x caller -> status.

Every documented endpoint of every surface, asked by every kind of caller that can knock
on it: the owner/host, a workspace admin, a thread member, a non-member of the same
workspace, someone of another workspace, nobody, a revoked credential, a session token
(of this session and of another), a user token where a session token is due, an API key
of this workspace and of another, and staff with view-only admin rights. The rule under
test: what a caller may not see answers 404 (never 403 or 200), a visible thing the caller
may not change answers 403, a wrong credential 401 -- and a refused write changes no row
(``authz_world.snapshot``). A list a caller may read must not name what it hides.

The world is built once per module inside a transaction that is rolled back at the end;
each test runs in a savepoint inside it (pytest-django's ``db``), so writes that succeed
are undone too.
"""

import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings

from tests.reliability import authz_world
from tests.reliability.authz_world import authorization, png_bytes, snapshot

pytestmark = pytest.mark.django_db

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
BAD_BEARER = {"anon": 401, "revoked": 401, "key": 401, "key_other": 401}
# Callers with a user token on a Team/Messenger path: the wrong kinds are 401.
USER_BAD = {**BAD_BEARER, "session": 401, "session_other": 401, "deactivated": 401}
SESSION_BAD = {**BAD_BEARER, "user_token": 401}
SUPPORT_BAD = {"anon": 401, "revoked": 401, "user_token": 401, "session": 401}
PEOPLE = ("owner", "admin", "member", "nonmember", "outsider", "staff")
# Who may not see T: a workspace admin, a non-member, an outsider, view-only staff, and
# Hank, whom Alice removed from T (and from the session S).
BLIND_TO_T = ("admin", "nonmember", "outsider", "staff", "removed")


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(PEOPLE, status)


def team(see: int, hidden: int = 404, **more: int) -> dict[str, int]:
    """Owner and member ``see``; everyone else in or out of the workspace gets ``hidden``."""
    return {
        "owner": see,
        "member": see,
        **dict.fromkeys(BLIND_TO_T, hidden),
        **USER_BAD,
        **more,
    }


def web(see: int, hidden: int = 404, **more: int) -> dict[str, int]:
    """The browser's JSON endpoints: signed in (cookie) or 401."""
    return {
        "owner": see,
        "member": see,
        **dict.fromkeys(BLIND_TO_T, hidden),
        "anon": 401,
        "deactivated": 401,  # Ivy's browser session ends with her account
        **more,
    }


def page(see: int, hidden: int = 404, **more: int) -> dict[str, int]:
    """The browser pages: like ``web``, but nobody signed in is sent to sign in (302)."""
    return {**web(see, hidden), "anon": 302, "deactivated": 302, **more}


def new_chat(owner: str, **more: str) -> dict[str, str]:
    """A Support API chat body: W's channel, ``owner`` (a super identity id), ``more``."""
    return {"channelId": "{ch}", "ownerId": owner, "title": "x", **more}


@dataclass(frozen=True)
class Row:
    surface: str  # team|messenger|token|session_chats|sessions|support|web|admin
    method: str
    path: str
    expect: dict[str, int]
    body: object = None
    kind: str = ""  # json | form | multipart; default: form for pages and admin, else json
    hides: tuple[str, ...] = ()  # ids that must not appear in a 2xx answer to ...
    blind: tuple[str, ...] = ()  # ... these callers
    refused: frozenset[str] = field(default_factory=frozenset)  # non-4xx refusals
    # Text a 400/403/422 answer holds (the field at fault), per status or for all, so a
    # row cannot pass for another reason than the one it is about.
    says: str | dict[int, str] = ""
    changes: frozenset[str] = field(default_factory=frozenset)  # callers whose write shows


# fmt: off
TABLE: list[Row] = [
    # --- Team API (seed 002), user tokens ------------------------------------------------
    Row("team", "GET", "/api/v1/chat/threads", {**everyone(200), **USER_BAD},
        hides=("T",), blind=BLIND_TO_T),
    Row("team", "POST", "/api/v1/chat/threads", {**everyone(201), **USER_BAD,
        "outsider": 400},  # Carol is nobody Erin may address: bad input in `users`
        body={"name": "New", "users": ["{carol}"]}, says='"users"'),
    # A project thread: workspace admins and site moderators (README), not view-only staff.
    Row("team", "POST", "/api/v1/chat/threads",
        {**everyone(403), **USER_BAD, "admin": 201, "outsider": 400},
        body={"type": "group", "group": "authz-new", "users": ["{carol}"]},
        says={403: "forbidden", 400: '"users"'}),
    Row("team", "GET", "/api/v1/chat/threads/{T}", team(200)),
    Row("team", "GET", "/api/v1/chat/threads/{G}", {**team(200), "admin": 200}),
    # Session and support threads are not Team threads, even to those who see them.
    Row("team", "GET", "/api/v1/chat/threads/{S}", {**team(404), **USER_BAD}),
    Row("team", "GET", "/api/v1/chat/threads/{C}", {**team(404), **USER_BAD}),
    Row("team", "GET", "/api/v1/chat/threads/{T}/messages", team(200)),
    Row("team", "POST", "/api/v1/chat/threads/{T}/users", team(200),
        body={"users": ["{carol}"]}),
    # Group threads need a thread admin: Alice and Bob see it but may not add.
    Row("team", "POST", "/api/v1/chat/threads/{G}/users", {**team(403), "admin": 200},
        body={"users": ["{carol}"]}),
    Row("team", "DELETE", "/api/v1/chat/threads/{T}/users/{alice}", team(204, member=403)),
    Row("team", "DELETE", "/api/v1/chat/threads/{T}/users/{bob}", team(204)),
    Row("team", "POST", "/api/v1/chat/messages", team(200),
        body={"thread": "{T}", "content": "hi"}),
    Row("team", "POST", "/api/v1/chat/messages", {**team(404), **USER_BAD},
        body={"thread": "{S}", "content": "hi"}),
    # A personal thread with anyone sharing a workspace; Bob cannot write to himself, and
    # Erin shares none with him: both bad input in `to` (README: an unknown user is a 400).
    Row("team", "POST", "/api/v1/chat/messages",
        {**everyone(200), **USER_BAD, "member": 400, "outsider": 400},
        body={"to": "{bob}", "content": "hi"}, says='"to"'),
    Row("team", "POST", "/api/v1/chat/messages/{mT_bob}/likes", team(200)),
    Row("team", "DELETE", "/api/v1/chat/messages/{mT_alice}/likes", team(200, member=404)),
    Row("team", "POST", "/api/v1/chat/messages/{mS_alice}/dislikes", {**team(404), **USER_BAD}),
    Row("team", "GET", "/api/v1/users", {**everyone(200), **USER_BAD},
        hides=("alice",), blind=("outsider",)),
    Row("team", "GET", "/api/v1/users/me", {**everyone(200), **USER_BAD}),
    Row("team", "POST", "/api/v1/files", {**everyone(201), **USER_BAD}, kind="multipart"),
    Row("team", "GET", "/api/v1/files/{F}", team(200)),
    Row("team", "GET", "/api/v1/chat/threads", {"owner": 200, "member": 200}, hides=("R",),
        blind=("owner", "member")),
    # Session and support threads are not listed here, even to those who see them.
    Row("team", "GET", "/api/v1/chat/threads", {"member": 200, "admin": 200},
        hides=("S", "C"), blind=("member", "admin")),
    # Removed things answer 404 to everyone, the owner included; so do ids of other threads
    # used as anchors or reply targets (bad input once the thread itself is visible).
    Row("team", "GET", "/api/v1/chat/threads/{R}", team(404)),
    Row("team", "GET", "/api/v1/chat/threads/{R}/messages", team(404)),
    Row("team", "POST", "/api/v1/chat/messages", team(404), body={"thread": "{R}", "content": "x"}),
    Row("team", "POST", "/api/v1/chat/messages/{mR}/likes", team(404)),
    Row("team", "POST", "/api/v1/chat/messages/{mT_gone}/likes", team(404)),
    Row("team", "GET", "/api/v1/chat/threads/{T}/messages?after={mS_alice}", team(400),
        says='"after"'),
    Row("team", "POST", "/api/v1/chat/messages", team(400),
        body={"thread": "{T}", "content": "x", "replyTo": "{mS_alice}"}, says='"replyTo"'),
    Row("team", "POST", "/api/v1/chat/messages", team(200), body={"thread": "{D}", "content": "x"}),
    # Bob's upload, not sent yet, is his alone: Alice cannot see it nor send it.
    Row("team", "GET", "/api/v1/files/{F_bob}", team(404, member=200)),
    Row("team", "POST", "/api/v1/chat/messages", team(404, owner=400, member=200),  # files: 400
        body={"thread": "{T}", "content": "x", "files": ["{F_bob}"]}, says='"files"'),
    # Sent in a thread that was removed since: only its uploader still sees it (README:
    # "for its uploader and members of threads it was sent to").
    Row("team", "GET", "/api/v1/files/{F_R}", team(404, member=200)),
    # A support chat's message is visible to the workspace's admin, but not a Team message.
    Row("team", "POST", "/api/v1/chat/messages/{mC}/likes", team(404)),
    # Personal threads never change: bad input in `users` (even for its two members).
    Row("team", "DELETE", "/api/v1/chat/threads/{D}/users/{bob}", team(400), says='"users"'),
    Row("team", "POST", "/api/v1/chat/threads/{T}/users", team(400), body={"users": ["{erin}"]},
        says='"users"'),
    Row("team", "POST", "/api/v1/chat/threads", {"owner": 400},
        body={"name": "x", "users": ["{erin}"]}, says='"users"'),
    Row("team", "DELETE", "/api/v1/chat/threads/{T}/users/{erin}", team(404)),
    Row("team", "DELETE", "/api/v1/chat/threads/{T}/users/{carol}", team(404, member=403)),
    # HEAD answers as GET does; OPTIONS needs a credential like any other method.
    Row("team", "HEAD", "/api/v1/files/{F}", team(200)),
    Row("team", "HEAD", "/api/v1/chat/threads/{T}", team(200)),
    Row("team", "OPTIONS", "/api/v1/chat/threads/{T}", {"anon": 401, "key": 401}),
    # --- Messenger API (seed 004), user tokens -------------------------------------------
    Row("messenger", "GET", "/chats", {**everyone(200), **USER_BAD},
        hides=("T",), blind=BLIND_TO_T),
    Row("messenger", "POST", "/chats", {**everyone(201), **USER_BAD, "outsider": 404},
        body={"member_ids": ["{carol}"], "name": "Trio"}),
    Row("messenger", "GET", "/chats/{T}", team(200)),
    Row("messenger", "GET", "/chats/{D}", team(200)),
    Row("messenger", "GET", "/chats/{S}", {**team(404), **USER_BAD}),
    Row("messenger", "GET", "/chats/{C}", {**team(404), **USER_BAD}),
    Row("messenger", "POST", "/chats/{T}/messages", team(201),
        body={"type": "text", "text": "hi"}),
    Row("messenger", "POST", "/chats/{S}/messages", {**team(404), **USER_BAD},
        body={"type": "text", "text": "hi"}),
    Row("messenger", "GET", "/chats", {"owner": 200, "member": 200}, hides=("R",),
        blind=("owner", "member")),
    Row("messenger", "GET", "/chats", {"member": 200, "admin": 200},
        hides=("S", "C"), blind=("member", "admin")),
    Row("messenger", "GET", "/chats/{R}", team(404)),
    Row("messenger", "POST", "/chats/{R}/messages", team(404), body={"type": "text", "text": "x"}),
    Row("messenger", "POST", "/chats",
        {**everyone(404), **USER_BAD, "outsider": 422},  # Erin names only herself
        body={"member_ids": ["{erin}"]}, says="member_ids"),
    Row("messenger", "GET", "/uploads/{F_bob}", team(404, member=200)),
    Row("messenger", "POST", "/chats/{T}/messages", team(404, owner=422, member=201),
        body={"type": "image", "image_id": "{F_bob}"}, says="image_id"),
    Row("messenger", "POST", "/chats", {**everyone(201), **USER_BAD,
        "outsider": 404}, body={"member_ids": ["{bob}", "{carol}"]}),  # group of three
    Row("messenger", "GET", "/uploads/{F_R}", team(404, member=200)),
    # FastAPI routes answer only their declared methods: HEAD is 405 (once authenticated).
    Row("messenger", "HEAD", "/uploads/{F}", team(405, hidden=405)),
    Row("messenger", "OPTIONS", "/chats/{T}", {"anon": 401}),
    Row("messenger", "POST", "/uploads", {**everyone(201), **USER_BAD}, kind="multipart"),
    Row("messenger", "GET", "/uploads/{F}", team(200)),
    Row("messenger", "GET", "/uploads/{F}/thumbnail", team(200)),
    Row("token", "POST", "/token", {"anon": 401}, kind="form",
        body={"username": "authz-alice", "password": "wrong"}),
    # --- Session API (seeds 000/001): /v1/chats takes session tokens ---------------------
    # owner = the host's session token of S, member = Bob's; session_other = Frank's in S2.
    Row("session_chats", "GET", "/v1/chats",
        {"owner": 200, "member": 200, "session_other": 200, **SESSION_BAD,
         "removed": 401,  # Hank's session token, revoked when the host removed him
         "session_removed": 404},  # a token of a removed session: the session is gone
        hides=("mS_alice",), blind=("session_other",)),
    Row("session_chats", "POST", "/v1/chats",
        {"owner": 200, "member": 200, "session_other": 200, **SESSION_BAD,
         "removed": 401, "session_removed": 404},
        body={"message": "hello"}),
    Row("session_chats", "DELETE", "/v1/chats/{mS_alice}",
        {"owner": 200, "member": 403, "session_other": 404, **SESSION_BAD}),
    Row("session_chats", "DELETE", "/v1/chats/{mS_bob}",
        {"owner": 200, "member": 200, "session_other": 404, **SESSION_BAD}),
    Row("session_chats", "GET", "/v1/chats/reactions?chatId={mS_alice}",
        {"owner": 200, "member": 200, "session_other": 200, **SESSION_BAD},
        hides=("rS",), blind=("session_other",)),
    Row("session_chats", "POST", "/v1/chats/{mS_bob}/reactions",
        {"owner": 200, "member": 200, "session_other": 404, **SESSION_BAD},
        body={"reaction": ":thumbsup:"}),
    Row("session_chats", "DELETE", "/v1/chats/{mS_alice}/reactions/{rS}",
        {"owner": 200, "member": 403, "session_other": 404, **SESSION_BAD}),
    Row("session_chats", "POST", "/v1/chats/{mS_alice}/pins",
        {"owner": 200, "member": 403, "session_other": 404, **SESSION_BAD}),
    Row("session_chats", "DELETE", "/v1/chats/{mS_bob}/pins/{pS}",
        {"owner": 200, "member": 403, "session_other": 404, **SESSION_BAD}),
    # Ids of another message's pin or reaction, or a message outside the session: 404.
    Row("session_chats", "DELETE", "/v1/chats/{mS_alice}/pins/{pS}",
        {"owner": 404, "member": 404, "session_other": 404}),
    Row("session_chats", "DELETE", "/v1/chats/{mS_bob}/reactions/{rS}",
        {"owner": 404, "member": 404, "session_other": 404}),
    Row("session_chats", "POST", "/v1/chats/{mT_alice}/reactions",
        {"owner": 404, "member": 404, "session_other": 404}, body={"reaction": ":thumbsup:"}),
    Row("session_chats", "DELETE", "/v1/chats/{mT_alice}", {"owner": 404, "member": 404}),
    Row("session_chats", "POST", "/v1/chats/{mS_bob}/pins", {"owner": 409}),  # pinned already
    # The host is in T too, but a session token reads its session only.
    Row("session_chats", "GET", "/v1/chats/reactions?chatId={mT_alice}", {"owner": 200},
        hides=("rT",), blind=("owner",)),
    Row("session_chats", "OPTIONS", "/v1/chats", {"anon": 401}),
    # /v1/sessions takes user tokens (ours; the seed only says "session credentials").
    Row("sessions", "POST", "/v1/sessions", {**everyone(201), **USER_BAD},
        body={"title": "Standup"}),
    # Anyone of S's workspace may join; someone of another workspace does not see S.
    Row("sessions", "POST", "/v1/sessions/{S}/join", {**everyone(200), **USER_BAD,
        "outsider": 404}),
    # Removed by a host: 403 until a host adds them back (README, Security).
    Row("sessions", "POST", "/v1/sessions/{S}/join", {"removed": 403}),
    Row("sessions", "POST", "/v1/sessions/{T}/join", {**everyone(404), "removed": 404}),
    Row("sessions", "POST", "/v1/sessions/{C}/join", {**everyone(404), "removed": 404}),
    # --- Support API (seed 003): workspace API keys --------------------------------------
    Row("support", "GET", "/api/v1/chats", {"key": 200, "key_other": 200, **SUPPORT_BAD},
        hides=("C",), blind=("key_other",)),
    Row("support", "POST", "/api/v1/chats",
        {"key": 200, "key_other": 400, **SUPPORT_BAD},  # seed: 200; W's channel unknown to X
        body=new_chat("{cuSI}"), says='"channelId"'),
    Row("support", "GET", "/api/v1/chats/{C}", {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "PATCH", "/api/v1/chats/{C}", {"key": 200, "key_other": 404, **SUPPORT_BAD},
        body={"title": "Renamed"}),
    Row("support", "DELETE", "/api/v1/chats/{C}", {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "GET", "/api/v1/chats/details",
        {"key": 200, "key_other": 200, **SUPPORT_BAD}, hides=("C",), blind=("key_other",)),
    Row("support", "GET", "/api/v1/chats/{C}/details",
        {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "GET", "/api/v1/chats/{C}/messages",
        {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "POST", "/api/v1/chats/{C}/messages",
        {"key": 201, "key_other": 404, **SUPPORT_BAD}, body={"role": "agent", "content": "hi"}),
    Row("support", "GET", "/api/v1/channels", {"key": 200, "key_other": 200, **SUPPORT_BAD},
        hides=("ch",), blind=("key_other",)),
    Row("support", "POST", "/api/v1/channels", {"key": 201, "key_other": 400, **SUPPORT_BAD},
        body={"name": "Mail", "type": "api", "responderId": "{rp}"}),
    Row("support", "GET", "/api/v1/external-users",
        {"key": 200, "key_other": 200, **SUPPORT_BAD}, hides=("cu",), blind=("key_other",)),
    Row("support", "POST", "/api/v1/external-users",
        {"key": 201, "key_other": 201, **SUPPORT_BAD}, body={"identifier": "+15550999"}),
    Row("support", "POST", "/api/v1/external-users/{cu}/block",
        {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "DELETE", "/api/v1/external-users/{cu}/block",
        {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "GET", "/api/v1/members", {"key": 200, "key_other": 200, **SUPPORT_BAD},
        hides=("alice",), blind=("key_other",)),
    Row("support", "GET", "/api/v1/responders", {"key": 200, "key_other": 200, **SUPPORT_BAD},
        hides=("rp",), blind=("key_other",)),
    Row("support", "POST", "/api/v1/responders", {"key": 201, "key_other": 201, **SUPPORT_BAD},
        body={"name": "Bot", "entity": "agent"}),
    Row("support", "POST", "/api/v1/responders/{rp}/versions",
        {"key": 201, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "GET", "/api/v1/tickets", {"key": 200, "key_other": 200, **SUPPORT_BAD},
        hides=("tk",), blind=("key_other",)),
    Row("support", "POST", "/api/v1/tickets", {"key": 201, "key_other": 400, **SUPPORT_BAD},
        body={"chatId": "{C}", "subject": "More"}, says='"chatId"'),
    Row("support", "GET", "/api/v1/tickets/{tk}", {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "PATCH", "/api/v1/tickets/{tk}",
        {"key": 200, "key_other": 404, **SUPPORT_BAD}, body={"status": "closed"}),
    # Another workspace's ids in filters or bodies match nothing / are bad input; threads
    # of other surfaces are not support chats.
    Row("support", "GET", "/api/v1/chats?ownerIds={cuSIX}", {"key": 200},
        hides=("CX",), blind=("key",)),
    Row("support", "POST", "/api/v1/chats", {"key": 400},
        body=new_chat("{cuSIX}"), says='"ownerId"'),
    Row("support", "POST", "/api/v1/tickets", {"key": 400}, body={"chatId": "{CX}"},
        says='"chatId"'),
    Row("support", "POST", "/api/v1/chats", {"key": 400},
        body=new_chat("{erinSI}"), says='"ownerId"'),  # a user of another workspace
    Row("support", "POST", "/api/v1/chats", {"key": 400},
        body=new_chat("{ivySI}"), says='"ownerId"'),  # a deactivated user
    Row("support", "POST", "/api/v1/chats", {"key": 200, "key_other": 400},
        body=new_chat("{aliceSI}"), says='"channelId"'),  # a member of W
    Row("support", "POST", "/api/v1/chats", {"key": 400},
        body=new_chat("{cuSI}", responderId="{rpX}"),
        says='"responderId"'),
    Row("support", "POST", "/api/v1/chats", {"key": 400},
        body=new_chat("{cuSI}", responderVersionId="{rvX}"),
        says='"responderVersionId"'),
    Row("support", "GET", "/api/v1/chats/{C}/details?responderVersionId={rvX}", {"key": 404}),
    Row("support", "POST", "/api/v1/tickets", {"key": 400}, body={"chatId": "{T}"},
        says='"chatId"'),
    Row("support", "GET", "/api/v1/members?pageSize=100", {"key": 200},
        hides=("erin",), blind=("key",)),
    Row("support", "GET", "/api/v1/chats?includeRemoved=true", {"key_other": 200},
        hides=("C",), blind=("key_other",)),
    Row("support", "HEAD", "/api/v1/chats/{C}", {"key": 200, "key_other": 404, **SUPPORT_BAD}),
    Row("support", "OPTIONS", "/api/v1/chats/{C}", {"anon": 401}),
    # A removed support chat stays readable by id and takes no messages (README: 409);
    # the desk's browser pages treat it like any removed thread.
    Row("support", "GET", "/api/v1/chats/{CR}", {"key": 200, "key_other": 404}),
    Row("support", "POST", "/api/v1/chats/{CR}/messages", {"key": 409, "key_other": 404},
        body={"role": "agent", "content": "hi"}),
    Row("support", "GET", "/api/v1/chats", {"key": 200}, hides=("CR",), blind=("key",)),
    Row("support", "GET", "/api/v1/chats/{T}", {"key": 404, "key_other": 404}),
    Row("support", "GET", "/api/v1/chats/{S}/messages", {"key": 404, "key_other": 404}),
    Row("support", "POST", "/api/v1/chats/{T}/messages", {"key": 404, "key_other": 404},
        body={"role": "agent", "content": "hi"}),
    Row("support", "DELETE", "/api/v1/chats/{D}", {"key": 404, "key_other": 404}),
    # --- Browser JSON endpoints (/web/...), session cookie --------------------------------
    Row("web", "GET", "/web/threads/{T}/messages/", web(200)),
    Row("web", "POST", "/web/threads/{T}/send/", web(201), body={"text": "hi"}),
    Row("web", "POST", "/web/threads/{R}/send/", web(404), body={"text": "hi"}),
    Row("web", "POST", "/web/threads/{T}/read/", web(200)),
    Row("web", "DELETE", "/web/messages/{mT_alice}/", web(200, member=403)),
    Row("web", "POST", "/web/messages/{mT_bob}/reactions/:smile:/", web(200)),
    Row("web", "POST", "/web/messages/{mT_bob}/pin/", web(200, member=403)),
    Row("web", "GET", "/web/threads/{S}/messages/", web(200)),
    Row("web", "GET", "/web/files/{F_bob}/", web(404, member=200)),
    Row("web", "POST", "/web/messages/{mS_alice}/reactions/:thumbsdown:/", web(200)),
    Row("web", "DELETE", "/web/messages/{mC}/", web(404, admin=200)),  # desk staff moderate
    Row("web", "POST", "/web/messages/{mR}/pin/", web(404)),
    Row("web", "GET", "/web/files/{F_R}/", web(404, member=200)),
    Row("web", "GET", "/web/threads/{T}/messages/?before={mS_alice}", web(400), says="before"),
    Row("web", "POST", "/web/files/", {**everyone(201), "anon": 401}, kind="multipart"),
    Row("web", "GET", "/web/files/{F}/", web(200)),
    # Support chats: the workspace's admins and agents only (Gina is staff, not an agent).
    Row("web", "GET", "/web/threads/{C}/messages/", web(404, admin=200)),
    Row("web", "POST", "/web/threads/{C}/send/", web(404, admin=201), body={"text": "hi"}),
    Row("web", "POST", "/web/support/{C}/block/", web(404, admin=200), body={"blocked": "true"}),
    Row("web", "POST", "/web/support/{C}/status/", web(404, admin=200),
        body={"status": "closed"}),
    Row("web", "POST", "/web/threads/{CR}/send/", web(404), body={"text": "hi"}),
    Row("web", "GET", "/web/threads/{CR}/messages/", web(404)),
    Row("web", "POST", "/web/support/{CX}/status/", web(404), body={"status": "closed"}),
    # --- Browser pages, session cookie (anonymous: redirect to sign in) ------------------
    Row("page", "GET", "/threads/{T}/", page(200)),
    Row("page", "GET", "/", page(200, 200), hides=("T",), blind=BLIND_TO_T),
    Row("page", "GET", "/web/sidebar/", page(200, 200), hides=("T",), blind=BLIND_TO_T),
    Row("page", "GET", "/support/", page(404, admin=200, owner=404, member=404),
        hides=("CX",), blind=("admin",)),
    Row("page", "GET", "/threads/{S}/", page(302, outsider=404)),  # members: to the room
    Row("page", "GET", "/", {"owner": 200, "member": 200}, hides=("R",),
        blind=("owner", "member")),
    Row("page", "GET", "/", {"admin": 200}, hides=("C",), blind=("admin",)),  # inbox only
    Row("page", "GET", "/threads/{R}/", page(404)),
    Row("page", "GET", "/threads/{G}/members/", page(200, admin=200)),
    # Alice and Bob see G but may not add to it: the form answers its error (400).
    Row("page", "POST", "/threads/{G}/members/", page(400, admin=302),
        body={"action": "add", "user": "{carol}"}, refused=frozenset({"anon"}),
        says="You may not add members"),
    # Someone of the workspace who has not joined sees the "Join" page, not the messages.
    Row("page", "GET", "/sessions/{S}/", {**page(200, 200, outsider=404), "removed": 200},
        hides=("mS_alice", "mS_bob"), blind=("admin", "nonmember", "staff", "removed")),
    Row("page", "POST", "/sessions/{S}/join/", {**page(302, 302, outsider=404), "removed": 403},
        refused=frozenset({"anon"})),
    Row("page", "POST", "/groups/new/", page(302, 302, admin=400, outsider=400),
        body={"name": "Pair", "members": ["{dave}"]},  # Dave himself, and Erin: nobody to add
        says="Choose at least one person",
        refused=frozenset({"anon"})),
    Row("page", "GET", "/support/{C}/", page(404, admin=200, owner=404, member=404)),
    Row("page", "GET", "/support/{CR}/", page(404, admin=404, owner=404, member=404)),
    Row("page", "GET", "/support/{CX}/", page(404, admin=404, owner=404, member=404)),
    Row("page", "POST", "/people/{alice}/direct/", page(302, 302, owner=404, outsider=404),
        refused=frozenset({"anon"})),
    # --- Admin (/admin/), session cookie: staff with view permissions only ---------------
    # Not signed in, or signed in without is_staff: Django's redirect to the admin login.
    Row("admin", "GET", "/admin/chats/message/",
        {"staff": 200, "member": 302, "anon": 302, "deactivated": 302}),
    Row("admin", "GET", "/admin/chats/message/{mT_alice}/change/",
        {"staff": 200, "member": 302, "anon": 302}),
    Row("admin", "POST", "/admin/threads/thread/{T}/change/",
        {"staff": 403, "member": 302, "anon": 302}, body={"title": "Hijacked"},
        refused=frozenset({"member", "anon"})),
    Row("admin", "POST", "/admin/threads/thread/{T}/delete/",
        {"staff": 403, "member": 302, "anon": 302}, body={"post": "yes"},
        refused=frozenset({"member", "anon"})),
    Row("admin", "GET", "/admin/threads/thread/{T}/change/",
        {"staff": 200, "admin": 302, "anon": 302}),
    Row("admin", "POST", "/admin/accounts/apikey/add/", {"staff": 403, "anon": 302},
        body={"name": "mine"}, refused=frozenset({"anon"})),
    # Every moderation action, posted by view-only staff (who is not offered it), by a
    # signed-in non-staff user and by nobody, changes nothing; a moderator's does (so the
    # row's target is right). Moderators may not hard-delete anything. (Staff with no
    # action at all get the list again, 200; others are sent back to it, 302.)
    *(
        Row("admin", "POST", f"/admin/{model}/",
            {"staff": 200, "member": 302, "anon": 302, "moderator": 302},
            body={"action": action, "_selected_action": [target]},
            refused=frozenset({"staff", "member", "anon", *(() if allowed else ["moderator"])}),
            changes=frozenset({"moderator"} if allowed else ()))
        for model, action, target, allowed in [
            ("threads/thread", "remove_chats", "{C}", True),
            ("threads/thread", "delete_selected", "{T}", False),
            ("threads/membership", "remove_members", "{mbT_bob}", True),
            ("threads/sessionremoval", "let_rejoin", "{srHank}", True),
            ("threads/externaluser", "block", "{cu}", True),
            ("accounts/user", "deactivate", "{bob}", True),
            ("chats/message", "pin_messages", "{mT_bob}", True),
            ("chats/message", "delete_selected", "{mT_bob}", False),
            ("reactions/reaction", "remove_reactions", "{rT}", True),
            ("pins/pin", "unpin", "{pS}", True),
        ]
    ),
    # An action the caller lacks is not offered; posting it anyway re-renders the list
    # (Django: "No action selected") and changes nothing.
    Row("admin", "POST", "/admin/chats/message/",
        {"staff": 200, "member": 302, "anon": 302},
        body={"action": "remove_messages", "_selected_action": ["{mT_alice}"]},
        refused=frozenset({"staff", "member", "anon"})),
]
# fmt: on


def cells():
    for row in TABLE:
        for caller, status in row.expect.items():
            name = f"{row.surface}:{row.method} {row.path}"
            if row.body is not None:
                name += " " + json.dumps(row.body, sort_keys=True)[:40]
            yield pytest.param(row, caller, status, id=f"{name} as {caller}")


def fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def world_media(tmp_path_factory):
    return tmp_path_factory.mktemp("authz-media")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, world_media):
    """Built once, inside a transaction rolled back when the module is done."""
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=fast, MEDIA_ROOT=world_media),
        transaction.atomic(),
    ):
        yield authz_world.build()
        transaction.set_rollback(True)


@pytest.fixture
def media_root(settings, world_media):
    """The world's uploads stay readable in every test (overrides the conftest's)."""
    settings.MEDIA_ROOT = world_media


def call(world, row: Row, caller: str) -> tuple[Client, dict]:
    client = Client()
    headers = {}
    if row.surface in ("admin", "web", "page"):
        if caller != "anon":
            client.force_login(world.users[caller])
    else:
        header = authorization(world, row.surface, caller)
        if header is not None:
            headers["HTTP_AUTHORIZATION"] = header
    return client, headers


@pytest.mark.parametrize(("row", "caller", "expected"), list(cells()))
def test_cell(world, row: Row, caller: str, expected: int):
    client, headers = call(world, row, caller)
    path = fill(row.path, world.ids)
    body = fill(row.body, world.ids)
    write = row.method in WRITES
    refused = write and (expected >= 400 or caller in row.refused)
    before = snapshot() if refused or caller in row.changes else None

    kind = row.kind or ("form" if row.surface in ("page", "admin") else "json")
    if kind == "multipart":
        upload = SimpleUploadedFile("up.png", png_bytes(), "image/png")
        response = client.post(path, {"file": upload}, **headers)
    elif kind == "form":
        response = client.generic(
            row.method,
            path,
            "" if body is None else _urlencode(body),
            content_type="application/x-www-form-urlencoded",
            **headers,
        )
    else:
        data = "" if body is None else json.dumps(body)
        response = client.generic(
            row.method, path, data, content_type="application/json", **headers
        )

    assert response.status_code == expected, (
        f"{row.method} {path} as {caller}: {response.status_code} {_excerpt(response)}"
    )
    says = row.says.get(expected, "") if isinstance(row.says, dict) else row.says
    if says and expected in (400, 403, 422):
        assert says in _excerpt(response, limit=2000), _excerpt(response)
    if caller in row.changes:
        assert snapshot() != before, f"{row.method} {path} as {caller} changed nothing"
    if refused:
        assert snapshot() == before, f"a refused {row.method} {path} changed rows"
    if 200 <= expected < 300 and caller in row.blind:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        for name in row.hides:
            assert world.ids[name].encode() not in content, f"{name} leaked to {caller}"


def _excerpt(response, limit: int = 300) -> str:
    """What the answer said: an HTML page's alert, else the start of the body."""
    if response.streaming:
        return "(file)"
    text = response.content.decode(errors="replace")
    alert = re.search(r'role="alert">([^<]*)', text)
    return alert.group(1) if alert else text[:limit]


def _urlencode(body: dict) -> str:
    return urlencode(body, doseq=True)


def test_a_snapshot_sees_a_write(world):
    """The unchanged-rows check is only worth something if a real write shows in it."""
    client, headers = call(world, Row("team", "POST", "", {}), "owner")
    before = snapshot()
    sent = client.post(
        "/api/v1/chat/messages",
        json.dumps({"thread": world.ids["T"], "content": "counted"}),
        content_type="application/json",
        **headers,
    )
    assert sent.status_code == 200
    assert snapshot() != before


def test_the_table_covers_every_caller_kind():
    """The matrix is only as good as its rows: every caller kind appears somewhere."""
    kinds = {caller for row in TABLE for caller in row.expect}
    assert kinds >= {
        *PEOPLE,
        "anon",
        "revoked",
        "deactivated",
        "session",
        "session_other",
        "user_token",
        "removed",
        "session_removed",
        "key",
        "key_other",
    }
