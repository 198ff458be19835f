"""The browser pages: who sees what, what they show, CSP, CSRF, escaping, query counts."""

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chatproject.actors import SYSTEM
from chats import services as chat_services
from chats.models import Message
from tests import factories
from tests.web.conftest import csrf
from threads import services as thread_services
from threads.models import Membership, Thread, WorkspaceMember

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def thread_data(response) -> dict:
    match = re.search(
        r'<script id="thread-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    assert match, "the page carries its first messages as json_script"
    return json.loads(match.group(1))


def test_pages_ask_for_sign_in(client):
    for url in ["/", "/people/", "/accounts/profile/", "/support/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_every_page_forbids_inline_script_and_style(client, signed_in, alice, direct_thread):
    pages = [client.get("/accounts/login/")]
    me = signed_in(alice)
    pages += [me.get("/"), me.get(f"/threads/{direct_thread.pk}/"), me.get("/people/")]
    for response in pages:
        assert response.status_code == 200
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy
        assert "style-src 'self'" in policy
        assert "unsafe-inline" not in policy
        html = response.content.decode()
        # No inline script (data blocks are not scripts) and no style attribute or element.
        for script in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in script or 'type="application/json"' in script
        assert "<style" not in html
        assert " style=" not in html


def test_sidebar_names_a_direct_thread_after_the_other_person(signed_in, alice, direct_thread):
    chat_services.message_send(thread=direct_thread, actor=factories_bob(), text="Hi Alice")

    html = signed_in(alice).get("/").content.decode()

    assert 'aria-label="Threads"' in html
    assert "Bob" in html
    assert str(direct_thread.pk) not in re.sub(r'(data-thread|href)="[^"]*"', "", html)
    assert "Hi Alice" in html
    assert 'class="badge"' in html  # one unread message


def factories_bob():
    from chatproject.accounts.models import User

    return User.objects.get(username="bob")


def test_message_text_is_escaped_in_the_page(signed_in, alice, bob, direct_thread):
    chat_services.message_send(thread=direct_thread, actor=bob, text=XSS)

    response = signed_in(alice).get(f"/threads/{direct_thread.pk}/")
    html = response.content.decode()

    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert thread_data(response)["messages"][0]["text"] == XSS  # shown as text by the script
    sidebar = signed_in(alice).get("/web/sidebar/").content.decode()
    assert "<script>alert" not in sidebar
    assert "&lt;script&gt;" in sidebar


def test_threads_the_user_may_not_see_are_404(signed_in, outsider, direct_thread, carol):
    for user in (outsider, carol):
        me = signed_in(user)
        assert me.get(f"/threads/{direct_thread.pk}/").status_code == 404
        assert me.get(f"/web/threads/{direct_thread.pk}/messages/").status_code == 404
        assert me.get("/threads/00000000-0000-0000-0000-000000000000/").status_code == 404


def test_thread_page_shows_latest_messages_and_pages_back_by_keyset(
    signed_in, alice, bob, direct_thread
):
    sent = [
        chat_services.message_send(thread=direct_thread, actor=bob, text=f"m{i}") for i in range(55)
    ]
    me = signed_in(alice)

    data = thread_data(me.get(f"/threads/{direct_thread.pk}/"))
    assert [m["text"] for m in data["messages"]] == [f"m{i}" for i in range(5, 55)]
    assert data["has_more"] is True

    earlier = me.get(
        f"/web/threads/{direct_thread.pk}/messages/", {"before": str(sent[5].pk)}
    ).json()
    assert [m["text"] for m in earlier["messages"]] == [f"m{i}" for i in range(5)]
    assert earlier["has_more"] is False


def test_search_within_a_thread(signed_in, alice, bob, direct_thread):
    chat_services.message_send(thread=direct_thread, actor=bob, text="The Apollo plan")
    chat_services.message_send(thread=direct_thread, actor=bob, text="lunch?")

    found = (
        signed_in(alice)
        .get(f"/web/threads/{direct_thread.pk}/messages/", {"search": "apollo"})
        .json()
    )

    assert [m["text"] for m in found["messages"]] == ["The Apollo plan"]


def test_sending_needs_the_csrf_token_and_a_client_id_posts_once(signed_in, alice, direct_thread):
    me = signed_in(alice)
    url = f"/web/threads/{direct_thread.pk}/send/"
    body = json.dumps({"text": "hello", "client_id": "c-1"})

    refused = me.post(url, body, content_type="application/json")
    first = me.post(url, body, content_type="application/json", **csrf(me))
    again = me.post(url, body, content_type="application/json", **csrf(me))

    assert refused.status_code == 403
    assert first.status_code == 201
    assert again.json()["message"]["id"] == first.json()["message"]["id"]
    assert Message.objects.filter(thread=direct_thread).count() == 1


def test_send_errors_use_the_service_rules(signed_in, alice, direct_thread, settings):
    me = signed_in(alice)
    url = f"/web/threads/{direct_thread.pk}/send/"
    too_long = "x" * (settings.CHAT_MESSAGE_MAX_LENGTH + 1)

    empty = me.post(url, json.dumps({"text": "  "}), content_type="application/json", **csrf(me))
    long = me.post(url, json.dumps({"text": too_long}), content_type="application/json", **csrf(me))

    assert empty.status_code == 400
    assert empty.json()["error"]["field"] == "text"
    assert long.status_code == 400
    assert not Message.objects.exists()


@pytest.mark.parametrize("path", ["send", "read"])
def test_hostile_bodies_get_the_pages_json_errors_and_change_nothing(
    signed_in, alice, bob, direct_thread, settings, path
):
    chat_services.message_send(thread=direct_thread, actor=bob, text="unread")
    me = signed_in(alice)
    url = f"/web/threads/{direct_thread.pk}/{path}/"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000

    def post(body):
        return me.post(url, body, content_type="application/json", **csrf(me))

    deep = post("[" * 100_000 + "]" * 100_000)  # a RecursionError in a plain json.loads
    too_deep = post(json.dumps({"text": "x", "a": [[[[[["six"]]]]]]}))
    not_json = post("NaN")
    too_big = post(json.dumps({"text": "x" * 20_000}))

    for response, status in ((deep, 413), (too_deep, 400), (not_json, 400), (too_big, 413)):
        assert response.status_code == status, response.content
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"]["field"] == "body"
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2_500_000
    deep = post("[" * 100_000 + "]" * 100_000)
    assert deep.status_code == 400
    assert deep.json()["error"]["message"] == "The body must be JSON."
    assert Message.objects.filter(thread=direct_thread).count() == 1
    assert Membership.objects.get(thread=direct_thread, user=alice).last_read_at is None


def test_a_reply_to_that_is_not_an_id_is_named(signed_in, alice, direct_thread):
    me = signed_in(alice)

    refused = me.post(
        f"/web/threads/{direct_thread.pk}/send/",
        json.dumps({"text": "x", "reply_to": {"a": 1}}),
        content_type="application/json",
        **csrf(me),
    )

    assert refused.status_code == 400
    assert refused.json()["error"] == {
        "code": "invalid",
        "message": "Not a valid id.",
        "field": "reply_to",
    }
    assert not Message.objects.exists()


def test_reply_reactions_and_removal_through_the_page_endpoints(
    signed_in, alice, bob, direct_thread
):
    first = chat_services.message_send(thread=direct_thread, actor=bob, text="question")
    me = signed_in(alice)
    reply = me.post(
        f"/web/threads/{direct_thread.pk}/send/",
        json.dumps({"text": "answer", "reply_to": str(first.pk)}),
        content_type="application/json",
        **csrf(me),
    ).json()["message"]
    assert reply["reply"]["text"] == "question"

    liked = me.post(f"/web/messages/{first.pk}/reactions/:thumbsup:/", **csrf(me)).json()
    assert liked["message"]["reactions"][":thumbsup:"]["count"] == 1
    twice = me.post(f"/web/messages/{first.pk}/reactions/:thumbsup:/", **csrf(me))
    assert twice.status_code == 409
    unliked = me.delete(f"/web/messages/{first.pk}/reactions/:thumbsup:/", **csrf(me)).json()
    assert unliked["message"]["reactions"] == {}

    assert me.delete(f"/web/messages/{first.pk}/", **csrf(me)).status_code == 403  # Bob's
    assert me.delete(f"/web/messages/{reply['id']}/", **csrf(me)).status_code == 200
    assert Message.objects.get(pk=reply["id"]).is_removed


def test_read_marks_the_thread_read(signed_in, alice, bob, direct_thread):
    chat_services.message_send(thread=direct_thread, actor=bob, text="unread")
    me = signed_in(alice)
    assert 'class="badge"' in me.get("/web/sidebar/").content.decode()

    response = me.post(f"/web/threads/{direct_thread.pk}/read/", **csrf(me))

    assert response.status_code == 200
    assert 'class="badge"' not in me.get("/web/sidebar/").content.decode()


def test_file_upload_and_download(signed_in, alice, bob, carol, direct_thread):
    from django.core.files.uploadedfile import SimpleUploadedFile

    me = signed_in(alice)
    upload = me.post(
        "/web/files/",
        {"file": SimpleUploadedFile("notes.txt", b"hello", content_type="text/plain")},
        **csrf(me),
    )
    assert upload.status_code == 201
    file_id = upload.json()["id"]
    sent = me.post(
        f"/web/threads/{direct_thread.pk}/send/",
        json.dumps({"files": [file_id]}),
        content_type="application/json",
        **csrf(me),
    )
    assert sent.json()["message"]["attachments"][0]["name"] == "notes.txt"

    assert b"".join(signed_in(bob).get(f"/web/files/{file_id}/").streaming_content) == b"hello"
    assert signed_in(carol).get(f"/web/files/{file_id}/").status_code == 404


def test_people_start_a_direct_chat_and_create_a_group(signed_in, alice, bob, carol):
    me = signed_in(alice)
    assert "Carol" in me.get("/people/").content.decode()

    direct = me.post(f"/people/{bob.pk}/direct/", **csrf(me))
    again = me.post(f"/people/{bob.pk}/direct/", **csrf(me))
    group = me.post(
        "/groups/new/",
        {"name": "Launch crew", "members": [str(bob.pk), str(carol.pk)]},
        **csrf(me),
    )

    assert direct.status_code == 302 and direct["Location"] == again["Location"]
    thread = Thread.objects.get(kind=Thread.Kind.CUSTOM)
    assert group["Location"] == f"/threads/{thread.pk}/"
    assert set(thread.members.values_list("username", flat=True)) == {"alice", "bob", "carol"}


def test_members_can_be_added_and_removed_as_the_services_allow(
    signed_in, workspace, alice, bob, carol
):
    thread = thread_services.custom_thread_create(
        workspace=workspace, creator=alice, title="Crew", members=[bob]
    )
    as_bob = signed_in(bob)
    url = f"/threads/{thread.pk}/members/"

    added = as_bob.post(url, {"action": "add", "user": str(carol.pk)}, **csrf(as_bob))
    refused = as_bob.post(url, {"action": "remove", "user": str(alice.pk)}, **csrf(as_bob))
    as_alice = signed_in(alice)
    removed = as_alice.post(url, {"action": "remove", "user": str(carol.pk)}, **csrf(as_alice))

    assert added.status_code == 302
    assert refused.status_code == 400
    assert removed.status_code == 302
    assert set(thread.members.values_list("username", flat=True)) == {"alice", "bob"}


def test_profile_changes_the_display_name_and_password(signed_in, alice):
    me = signed_in(alice)

    named = me.post("/accounts/profile/", {"form": "profile", "display_name": "Ally"}, **csrf(me))
    changed = me.post(
        "/accounts/profile/",
        {
            "form": "password",
            "old_password": factories.PASSWORD,
            "new_password1": "a much longer secret 42",
            "new_password2": "a much longer secret 42",
        },
        **csrf(me),
    )

    alice.refresh_from_db()
    assert named.status_code == 302 and alice.display_name == "Ally"
    assert changed.status_code == 302 and alice.check_password("a much longer secret 42")
    assert me.get("/").status_code == 200  # still signed in


def test_session_room_host_controls_and_participant(signed_in, session_thread, alice, bob):
    message = chat_services.message_send(thread=session_thread, actor=bob, text="question")
    host, guest = signed_in(alice), signed_in(bob)

    assert thread_data(host.get(f"/sessions/{session_thread.pk}/"))["moderator"] is True
    assert thread_data(guest.get(f"/sessions/{session_thread.pk}/"))["moderator"] is False
    assert guest.post(f"/web/messages/{message.pk}/pin/", **csrf(guest)).status_code == 403
    assert host.post(f"/web/messages/{message.pk}/pin/", **csrf(host)).status_code == 200
    pinned = host.get(f"/web/threads/{session_thread.pk}/messages/", {"sort": "pinned"}).json()
    assert pinned["messages"][0]["pinned"] is True
    assert host.delete(f"/web/messages/{message.pk}/pin/", **csrf(host)).status_code == 200
    too_long = guest.post(
        f"/web/threads/{session_thread.pk}/send/",
        json.dumps({"text": "x" * 281}),
        content_type="application/json",
        **csrf(guest),
    )
    assert too_long.status_code == 400


def test_session_room_offers_joining_to_the_workspace_only(
    signed_in, session_thread, carol, outsider
):
    as_carol = signed_in(carol)
    assert b"Join the session" in as_carol.get(f"/sessions/{session_thread.pk}/").content
    joined = as_carol.post(f"/sessions/{session_thread.pk}/join/", **csrf(as_carol))
    assert joined.status_code == 302
    assert as_carol.get(f"/sessions/{session_thread.pk}/").status_code == 200
    assert signed_in(outsider).get(f"/sessions/{session_thread.pk}/").status_code == 404


def test_a_member_removed_by_the_host_is_told_why_joining_fails(
    signed_in, session_thread, alice, bob
):
    """The page answers like ``/v1/sessions/{id}/join`` (403), with the reason, not a 500."""
    thread_services.membership_remove(thread=session_thread, user=bob, actor=alice)
    as_bob = signed_in(bob)

    refused = as_bob.post(f"/sessions/{session_thread.pk}/join/", **csrf(as_bob))

    assert refused.status_code == 403
    assert b"only a host can add you back" in refused.content
    assert not session_thread.memberships.filter(user=bob).exists()


# --- query counts -----------------------------------------------------------------------


def count_queries(client, url) -> int:
    client.get(url)  # warm up (session, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def grow(workspace, alice, users, threads: int, messages: int) -> None:
    for i in range(threads):
        thread = thread_services.custom_thread_create(
            workspace=workspace, creator=alice, title=f"T{i}", members=users
        )
        for j in range(messages):
            chat_services.message_send(thread=thread, actor=users[j % len(users)], text=f"x{j}")


def test_chat_page_queries_do_not_grow_with_threads_or_messages(
    signed_in, workspace, alice, bob, carol, direct_thread
):
    me = signed_in(alice)
    chat_services.message_send(thread=direct_thread, actor=bob, text="hi")
    urls = ["/", f"/threads/{direct_thread.pk}/", "/web/sidebar/"]
    before = [count_queries(me, url) for url in urls]
    before.append(count_queries(me, f"/web/threads/{direct_thread.pk}/messages/"))

    grow(workspace, alice, [bob, carol], threads=4, messages=3)
    for i in range(12):
        chat_services.message_send(thread=direct_thread, actor=bob, text=f"more {i}")
    msg = Message.objects.filter(thread=direct_thread).first()
    chat_services.message_send(thread=direct_thread, actor=alice, text="r", reply_to_id=msg.pk)
    after = [count_queries(me, url) for url in urls]
    after.append(count_queries(me, f"/web/threads/{direct_thread.pk}/messages/"))

    assert after == before


def test_session_room_queries_do_not_grow_with_messages(signed_in, session_thread, alice, bob):
    host = signed_in(alice)
    chat_services.message_send(thread=session_thread, actor=bob, text="one")
    urls = [f"/sessions/{session_thread.pk}/", f"/sessions/{session_thread.pk}/?sort=top"]
    before = [count_queries(host, url) for url in urls]
    for i in range(10):
        chat_services.message_send(thread=session_thread, actor=bob, text=f"m{i}")
    assert [count_queries(host, url) for url in urls] == before


def test_support_inbox_is_for_agents_and_admins_only(signed_in, workspace, alice, bob):
    agent = factories.UserFactory(username="agent", workspace__role=WorkspaceMember.Role.AGENT)
    customer = factories.ExternalUserFactory()
    thread = thread_services.support_chat_create(
        workspace=workspace, owner=customer, channel=factories.ChannelFactory(), actor=SYSTEM
    )

    assert signed_in(bob).get("/support/").status_code == 404
    assert signed_in(bob).get(f"/support/{thread.pk}/").status_code == 404
    html = signed_in(agent).get("/support/").content.decode()
    assert str(customer) in html
    assert signed_in(agent).get(f"/support/{thread.pk}/").status_code == 200


def test_support_inbox_queries_do_not_grow_with_chats(signed_in, workspace, alice):
    agent = factories.UserFactory(username="agent", workspace__role=WorkspaceMember.Role.AGENT)
    me = signed_in(agent)

    def add_chat():
        thread = thread_services.support_chat_create(
            workspace=workspace,
            owner=factories.ExternalUserFactory(),
            channel=factories.ChannelFactory(),
            ticket=factories.TicketFactory(),
            actor=SYSTEM,
        )
        chat_services.message_send(thread=thread, actor=agent, text="How can I help?")
        return thread

    first = add_chat()
    urls = ["/support/", "/support/?status=open&channel=widget", f"/support/{first.pk}/"]
    before = [count_queries(me, url) for url in urls]
    for _ in range(4):
        add_chat()
    assert [count_queries(me, url) for url in urls] == before
