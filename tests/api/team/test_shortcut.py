"""The re-read shortcut (``chatproject/api/team/shortcut.py``): a latest page answered before
the middleware chain must be, byte for byte and header for header, what the whole stack
answers, and every request it is not sure of must go the whole way."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.testing import HttpCommunicator
from django.db import OperationalError
from django.test import RequestFactory

from chatproject import handlers
from chatproject.accounts import services as accounts
from chatproject.accounts.models import AccessToken
from chatproject.api.team import rendered
from chatproject.api.team.shortcut import LatestPageShortcut
from chatproject.asgi import application
from tests import factories
from tests.api.team.conftest import TeamClient, send, upload
from threads import services as thread_services
from threads.models import Event, Membership

pytestmark = pytest.mark.django_db(transaction=True)


class WatchedShortcut(LatestPageShortcut):
    """The shortcut, noting for each request whether it answered."""

    def __init__(self):
        super().__init__()
        self.answered: list[bool] = []

    def answer(self, request):
        response = super().answer(request)
        self.answered.append(response is not None)
        return response


@pytest.fixture
def shortcut(monkeypatch):
    made = WatchedShortcut()
    monkeypatch.setattr(handlers, "request_shortcuts", lambda: (made,))
    return made


def served(
    path,
    token=None,
    *,
    method="GET",
    query="limit=20",
    headers=(),
    host="testserver",
    root_path=None,
) -> tuple:
    """Status, headers (in order) and body of a request through the served application
    (``root_path``: the script prefix, which daphne takes from a client's
    ``Daphne-Root-Path`` header)."""
    sent = [(b"host", host.encode())]
    if token:
        sent.append((b"authorization", f"Bearer {token}".encode()))
    sent += [(name.encode(), value.encode()) for name, value in headers]
    communicator = HttpCommunicator(
        application, method, f"{path}?{query}" if query else path, headers=sent
    )
    if root_path is not None:
        communicator.scope["root_path"] = root_path
    response = async_to_sync(communicator.get_response)(timeout=10)
    return response["status"], response["headers"], response["body"]


def by_the_stack(monkeypatch, *args, **kwargs) -> tuple:
    with monkeypatch.context() as m:
        m.setattr(handlers, "request_shortcuts", lambda: ())
        return served(*args, **kwargs)


@pytest.fixture
def read(personal_thread, alice, bob):
    """Three messages in alice's and bob's thread, its latest page read once by alice (the
    whole stack: the page is rendered and its headers learned)."""
    for i in range(3):
        send(personal_thread, (alice, bob)[i % 2], f"m{i}")
    token = factories.user_token(alice)
    path = f"/api/v1/chat/threads/{personal_thread.id}/messages"
    first = served(path, token)
    assert first[0] == 200
    return path, token, first


def test_a_reread_is_answered_without_the_stack_exactly_as_the_stack_answered(shortcut, read):
    path, token, first = read

    again = served(path, token)

    assert shortcut.answered == [False, True]
    assert again == first
    headers = {name.lower(): value for name, value in again[1]}
    assert headers[b"content-length"] == str(len(again[2])).encode()
    assert headers[b"x-frame-options"] == b"DENY"
    assert [m["content"] for m in json.loads(again[2])] == ["m0", "m1", "m2"]


def test_nothing_is_answered_before_the_stack_has_answered_such_a_read(shortcut, read):
    path, token, _ = read
    other_limit = served(path, token, query="limit=2")  # not rendered yet: the stack's
    assert other_limit[0] == 200
    assert shortcut.answered == [False, False]
    assert served(path, token, query="limit=2") == other_limit
    assert shortcut.answered == [False, False, True]


def _outsider_token():
    outsider = factories.UserFactory(workspace=factories.WorkspaceFactory())
    return factories.user_token(outsider)


def _revoked_token(user):
    raw = factories.user_token(user)
    accounts.token_revoke(token=AccessToken.objects.get(token_hash=accounts.digest(raw)))
    return raw


# Each: how the request differs from the plain re-read, and whether the shortcut answers.
VARIANTS = {
    "plain": (dict(), True),
    "accept json": (dict(headers=[("accept", "application/json")]), True),
    "no limit": (dict(query=""), True),  # the default size, rendered by the stack first
    "unknown token": (dict(token="nope"), False),
    "revoked token": (dict(token="revoked"), False),
    "no token": (dict(token=None), False),
    "outsider": (dict(token="outsider"), False),
    "limit 0": (dict(query="limit=0"), False),
    "limit abc": (dict(query="limit=abc"), False),
    "limit 101": (dict(query="limit=101"), False),
    "anchor": (dict(query="limit=20&before=00000000-0000-0000-0000-000000000000"), False),
    "search": (dict(query="limit=20&search=m1"), False),
    "format": (dict(query="limit=20&format=json"), False),
    "another parameter": (dict(query="limit=20&x=1"), False),
    "head": (dict(method="HEAD"), False),
    "cookie": (dict(headers=[("cookie", "sessionid=x")]), False),
    "accept html": (dict(headers=[("accept", "text/html")]), False),
    "accept json and more": (dict(headers=[("accept", "application/json, text/plain")]), False),
    "empty accept": (dict(headers=[("accept", "")]), False),  # no media type: a 406
    "bad host": (dict(host="evil.example"), False),
    "malformed thread id": (dict(path="/api/v1/chat/threads/nope/messages"), False),
    "unknown thread": (
        dict(path="/api/v1/chat/threads/00000000-0000-0000-0000-000000000000/messages"),
        False,
    ),
    "trailing slash": (dict(path="{path}/"), False),
    "another route": (dict(path="/api/v1/chat/threads"), False),
}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_other_request_gets_what_the_stack_answers(variant, shortcut, monkeypatch, read, bob):
    path, token, _ = read
    changes, answers = VARIANTS[variant]
    kwargs = dict(changes)
    kwargs["path"] = kwargs.get("path", path).format(path=path)
    who = kwargs.pop("token", token)
    who = {"revoked": lambda: _revoked_token(bob), "outsider": _outsider_token}.get(
        who, lambda: who
    )()
    request_path = kwargs.pop("path")

    expected = by_the_stack(monkeypatch, request_path, who, **kwargs)
    got = served(request_path, who, **kwargs)

    assert shortcut.answered[-1] is answers
    assert got == expected


def test_revocation_removal_and_deletion_end_reads_at_once(shortcut, workspace, alice, bob):
    thread = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="t", members=[bob]
    )
    send(thread, alice, "hello")
    path = f"/api/v1/chat/threads/{thread.id}/messages"
    alices, bobs = factories.user_token(alice), factories.user_token(bob)
    assert served(path, bobs)[0] == 200
    assert served(path, bobs)[0] == 200
    assert served(path, alices)[0] == 200
    assert shortcut.answered == [False, True, True]

    thread_services.membership_remove(thread=thread, user=bob, actor=alice)
    assert served(path, bobs)[0] == 404

    accounts.token_revoke(token=AccessToken.objects.get(token_hash=accounts.digest(alices)))
    assert served(path, alices)[0] == 401

    fresh = factories.user_token(alice)
    assert served(path, fresh)[0] == 200
    thread_services.thread_remove(thread=thread, actor=alice)
    assert served(path, fresh)[0] == 404
    assert shortcut.answered[-4:] == [False, False, True, False]


def test_a_new_message_goes_through_the_stack_once_then_is_reread(shortcut, read, alice):
    path, token, _ = read
    thread_id = path.split("/")[-2]
    send(Membership.objects.get(user=alice, thread_id=thread_id).thread, alice, "m3")

    after = served(path, token)
    again = served(path, token)

    assert shortcut.answered == [False, False, True]
    assert again == after
    assert json.loads(after[2])[-1]["content"] == "m3"


def test_the_shortcut_marks_an_unread_page_read_once(shortcut, read, personal_thread, bob):
    """alice's read rendered the page; bob has not read m2 yet (his own message m1 is his
    mark): the shortcut answers him and moves his mark, announced once, like the view."""
    path, _, first = read
    token = factories.user_token(bob)
    since = Event.objects.order_by("-id").values_list("id", flat=True).first()

    assert served(path, token)[2] == first[2]
    assert served(path, token)[2] == first[2]

    assert shortcut.answered[-2:] == [True, True]
    moved = Event.objects.filter(id__gt=since)
    assert [(e.type, e.thread_id, e.user_id) for e in moved] == [
        ("read.updated", personal_thread.id, bob.id)
    ]
    mark = Membership.objects.get(user=bob, thread=personal_thread).last_read_at
    assert mark == personal_thread.messages.order_by("-created_at")[0].created_at


def test_a_reread_costs_the_token_and_the_thread_query_and_writes_nothing(
    read, alice, django_assert_num_queries
):
    path, token, _ = read
    made = LatestPageShortcut()
    plain = RequestFactory().get(path, {"limit": 20}, HTTP_AUTHORIZATION=f"Bearer {token}")
    made.learn(plain, TeamClient(token).get(path, {"limit": 20}))
    events = Event.objects.count()

    with django_assert_num_queries(2):
        response = made.answer(plain)

    assert response is not None and response.status_code == 200
    assert Event.objects.count() == events


def test_an_outage_while_it_looks_is_answered_by_the_stack(shortcut, read, monkeypatch):
    """The shortcut declines on any error; the stack meets the same outage in the view and
    answers it as every API does (503, ``Retry-After``)."""
    path, token, _ = read

    def down(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(rendered, "mark_latest_page_read", down)
    status, headers, _ = served(path, token)

    assert shortcut.answered == [False, False]
    assert status == 503
    assert b"retry-after" in {name.lower() for name, _ in headers}


@pytest.mark.parametrize("where", ["{path}", "/api/v1/chat/threads", "/nowhere"])
def test_too_many_query_fields_get_the_stacks_answer(where, shortcut, monkeypatch, read):
    """Reading more than 1,000 query fields raises; the stack answers it (its 400, or the
    404 of a path that never reads them), whichever path it is."""
    path, token, _ = read
    target = where.format(path=path)
    query = "&".join(["limit=20"] * 1001)

    expected = by_the_stack(monkeypatch, target, token, query=query)
    got = served(target, token, query=query)

    assert expected[0] in (400, 404)
    assert got == expected


def _file_urls(body: bytes) -> list[str]:
    return [f["url"] for m in json.loads(body) for f in m["files"]]


def test_files_are_linked_under_the_address_each_reader_asked(
    shortcut, monkeypatch, settings, personal_thread, alice, bob
):
    """A page's file URLs carry the scheme, host and script prefix of the request; a
    client chooses the prefix (daphne's ``Daphne-Root-Path``) and, where allowed, the
    host. One reader's address is never another's, through the shortcut or the stack."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    send(personal_thread, alice, "see file", attachments=[upload(alice)])
    path = f"/api/v1/chat/threads/{personal_thread.id}/messages"
    token = factories.user_token(alice)

    prefixed = served(path, factories.user_token(bob), root_path="/poison")
    assert _file_urls(prefixed[2])[0].startswith("http://testserver/poison/api/v1/files/")
    answers = {}
    for name, address in (
        ("plain", {}),
        ("other host", {"host": "other.example"}),
        ("prefixed", {"root_path": "/poison"}),
    ):
        first = served(path, token, **address)  # the stack's for a new address; learned
        assert served(path, token, **address) == first
        assert shortcut.answered[-1] is True
        assert by_the_stack(monkeypatch, path, token, **address) == first
        answers[name] = _file_urls(first[2])[0]
    assert answers["plain"].startswith("http://testserver/api/v1/files/")
    assert answers["other host"].startswith("http://other.example/api/v1/files/")
    assert answers["prefixed"].startswith("http://testserver/poison/api/v1/files/")


@pytest.mark.parametrize("way", ["shortcut", "stack"])
def test_a_read_marks_read_only_what_its_answer_shows(
    way, shortcut, monkeypatch, read, personal_thread, alice, bob
):
    """The rows a read finds may be newer than the page kept for the thread's version (a
    message committed after the thread row was read, the rows evicted meanwhile): the
    mark moves up to the newest message the answer shows, never past it."""
    from chats import selectors as chat_selectors

    path, _, _ = read
    token = factories.user_token(bob)
    chat_selectors.LATEST_PAGES.clear()
    found = rendered.thread_for_reader
    late = []

    def then_a_message_arrives(**kwargs):
        thread = found(**kwargs)
        if not late:
            late.append(send(personal_thread, alice, "late"))
        return thread

    monkeypatch.setattr(rendered, "thread_for_reader", then_a_message_arrives)
    got = served(path, token) if way == "shortcut" else by_the_stack(monkeypatch, path, token)

    assert got[0] == 200
    assert shortcut.answered[-1] is (way == "shortcut")
    shown = [m["content"] for m in json.loads(got[2])]
    assert shown == ["m0", "m1", "m2"]
    mark = Membership.objects.get(user=bob, thread=personal_thread).last_read_at
    assert mark == personal_thread.messages.get(text="m2").created_at
