"""``GET /chats`` and ``GET /chats/details``: every filter alone and combined, paging and
``X-Total-Count``, detail rows for 0, 1 and 2+ messages, and query counts that do not grow
with ``pageSize``."""

import uuid
from datetime import UTC, datetime

import pytest

from chatproject.actors import SYSTEM
from tests import factories
from tests.api.support.conftest import count_queries, say
from threads import services as thread_services

T1 = datetime(2027, 1, 1, 12, tzinfo=UTC)
T2 = datetime(2027, 2, 1, 12, tzinfo=UTC)
T3 = datetime(2027, 3, 1, 12, tzinfo=UTC)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()]


@pytest.fixture
def desk(workspace, make_chat, alice):
    """Four chats that differ in every filtered property (and one removed chat)."""
    web = factories.ChannelFactory(workspace=workspace, type="widget", name="Web")
    wa = factories.ChannelFactory(workspace=workspace, type="whatsapp", name="WA")
    ava = factories.ResponderFactory(workspace=workspace, name="Ava")
    bo = factories.ResponderFactory(workspace=workspace, name="Bo", entity="squad")
    ava_v1 = thread_services.responder_version_create(responder=ava, actor=SYSTEM)
    erin = factories.ExternalUserFactory(
        workspace=workspace, name="Erin Evans", identifier="+1555777", email="erin@shop.test"
    )
    frank = factories.ExternalUserFactory(workspace=workspace, name="Frank", identifier="@frank")
    c = {
        "refund": make_chat(erin, channel=web, responder=ava, title="Refund please"),
        "address": make_chat(frank, channel=wa, responder=bo, title="New address"),
        "internal": make_chat(alice, responder=ava, title="Internal test"),
        "quiet": make_chat(frank, channel=web, responder=bo, title=""),
    }
    say(c["address"], "user", "My parcel went to the wrong street")
    for chat, at in ((c["refund"], T1), (c["address"], T2), (c["internal"], T3)):
        thread_services.support_chat_update(chat=chat, last_message_at=at, actor=SYSTEM)
    removed = make_chat(erin, channel=web, title="Removed")
    thread_services.support_chat_remove(chat=removed, actor=SYSTEM)
    return {
        "chats": {k: str(v.id) for k, v in c.items()},
        "web": web,
        "wa": wa,
        "ava": ava,
        "bo": bo,
        "ava_v1": ava_v1,
        "erin": erin,
        "frank": frank,
        "alice": alice,
        "removed": str(removed.id),
    }


def test_chats_come_newest_activity_first_with_the_total_in_a_header(api, desk):
    c = desk["chats"]
    response = api.get("/api/v1/chats")

    assert ids(response) == [c["internal"], c["address"], c["refund"], c["quiet"]]
    assert response["X-Total-Count"] == "4"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        (lambda d: {"channelIds": str(d["web"].id)}, ["refund", "quiet"]),
        (lambda d: {"channelTypes": "whatsapp"}, ["address"]),
        (lambda d: {"channelTypes": ["whatsapp", "widget"]}, ["address", "refund", "quiet"]),
        (lambda d: {"ownerIds": str(d["frank"].super_identity_id)}, ["address", "quiet"]),
        (lambda d: {"ownerIds": str(d["alice"].super_identity_id)}, ["internal"]),
        (lambda d: {"responderIds": str(d["ava"].super_identity_id)}, ["internal", "refund"]),
        (lambda d: {"responderVersionIds": str(d["ava_v1"].id)}, ["internal", "refund"]),
        (
            lambda d: {"lastChatMessageCreatedAtStart": "2027-02-01T12:00:00Z"},
            ["internal", "address"],
        ),
        (lambda d: {"lastChatMessageCreatedAtEnd": "2027-02-01T12:00:00Z"}, ["address", "refund"]),
        (lambda d: {"search": "REFUND"}, ["refund"]),
        (lambda d: {"search": "frank"}, ["address", "quiet"]),
        (lambda d: {"search": "+1555777"}, ["refund"]),
        (lambda d: {"search": "shop.test"}, ["refund"]),
        (lambda d: {"search": "wrong street"}, ["address"]),
        (lambda d: {"search": "alice@"}, ["internal"]),
        (lambda d: {"search": "nothing like it"}, []),
    ],
)
def test_each_filter_alone(api, desk, params, expected):
    response = api.get("/api/v1/chats", params(desk))
    assert ids(response) == [desk["chats"][name] for name in expected]
    assert response["X-Total-Count"] == str(len(expected))


def test_list_filters_take_many_values_repeated_or_comma_separated(api, desk):
    web, wa = str(desk["web"].id), str(desk["wa"].id)
    repeated = api.get(f"/api/v1/chats?channelIds={web}&channelIds={wa}")
    commas = api.get(f"/api/v1/chats?channelIds={web},{wa}")
    assert ids(repeated) == ids(commas)
    assert set(ids(repeated)) == {desk["chats"][n] for n in ("refund", "address", "quiet")}


def test_filters_combine(api, desk):
    c = desk["chats"]
    both = api.get(
        "/api/v1/chats",
        {
            "channelTypes": "widget",
            "responderIds": str(desk["bo"].super_identity_id),
            "ownerIds": [str(desk["frank"].super_identity_id), str(desk["erin"].super_identity_id)],
        },
    )
    assert ids(both) == [c["quiet"]]
    ranged = api.get(
        "/api/v1/chats",
        {
            "lastChatMessageCreatedAtStart": "2027-01-01T00:00:00Z",
            "lastChatMessageCreatedAtEnd": "2027-02-15T00:00:00+00:00",
            "search": "e",
            "channelIds": [str(desk["web"].id), str(desk["wa"].id)],
        },
    )
    assert ids(ranged) == [c["address"], c["refund"]]


def test_removed_chats_only_on_request(api, desk):
    assert desk["removed"] not in ids(api.get("/api/v1/chats"))
    assert desk["removed"] in ids(api.get("/api/v1/chats", {"includeRemoved": "true"}))
    assert desk["removed"] in ids(api.get("/api/v1/chats/details", {"includeRemoved": "true"}))


def test_ids_of_other_workspaces_match_nothing(api, desk, other_workspace):
    stranger = factories.ExternalUserFactory(workspace=other_workspace)
    assert ids(api.get("/api/v1/chats", {"ownerIds": str(stranger.super_identity_id)})) == []
    assert ids(api.get("/api/v1/chats", {"channelIds": str(uuid.uuid4())})) == []


def test_pages_are_cut_in_order_and_the_total_stays(api, desk):
    c = desk["chats"]
    pages = [api.get("/api/v1/chats", {"pageSize": 3, "pageNumber": n}) for n in (1, 2, 3)]
    assert [ids(p) for p in pages] == [
        [c["internal"], c["address"], c["refund"]],
        [c["quiet"]],
        [],
    ]
    assert {p["X-Total-Count"] for p in pages} == {"4"}
    assert len(ids(api.get("/api/v1/chats", {"pageSize": 100}))) == 4
    assert len(ids(api.get("/api/v1/chats", {"pageSize": 1}))) == 1


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("/api/v1/chats", {"pageNumber": "0"}, "pageNumber"),
        ("/api/v1/chats", {"pageNumber": "x"}, "pageNumber"),
        ("/api/v1/chats", {"pageSize": "101"}, "pageSize"),
        ("/api/v1/chats", {"pageSize": "0"}, "pageSize"),
        ("/api/v1/chats", {"pageNumber": "99999999999999999999"}, "pageNumber"),
        ("/api/v1/chats", {"channelIds": "not-a-uuid"}, "channelIds"),
        ("/api/v1/chats", {"ownerIds": [str(uuid.uuid4()), "nope"]}, "ownerIds"),
        ("/api/v1/chats", {"responderIds": "1"}, "responderIds"),
        ("/api/v1/chats", {"responderVersionIds": "x"}, "responderVersionIds"),
        ("/api/v1/chats", {"channelTypes": "fax"}, "channelTypes"),
        (
            "/api/v1/chats",
            {"lastChatMessageCreatedAtStart": "soon"},
            "lastChatMessageCreatedAtStart",
        ),
        (
            "/api/v1/chats",
            {"lastChatMessageCreatedAtEnd": "2026-13-01"},
            "lastChatMessageCreatedAtEnd",
        ),
        ("/api/v1/chats", {"search": "x" * 201}, "search"),
        ("/api/v1/chats", {"includeRemoved": "maybe"}, "includeRemoved"),
        ("/api/v1/chats/details", {"pageSize": "101"}, "pageSize"),
        ("/api/v1/chats/details", {"responderIds": "nope"}, "responderIds"),
        ("/api/v1/channels", {"pageNumber": "0"}, "pageNumber"),
    ],
)
def test_bad_queries_are_400_naming_the_parameter(api, db, path, params, parameter):
    response = api.get(path, params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid"
    assert response.json()["parameter"] == parameter
    assert response.json()["message"]


# --- details ----------------------------------------------------------------------------


DETAIL_FIELDS = {
    "channelId",
    "channelName",
    "channelType",
    "createdAt",
    "id",
    "isOwnerBlocked",
    "isRemoved",
    "lastMessageContent",
    "lastMessageCreatedAt",
    "lastMessageRole",
    "ownerEmail",
    "ownerId",
    "ownerIdentifier",
    "ownerName",
    "penultimateMessageContent",
    "penultimateMessageCreatedAt",
    "penultimateMessageRole",
    "responderEntity",
    "responderId",
    "responderName",
    "responderPicture",
    "responderVersionId",
    "responderVersionNumber",
    "ticketId",
    "ticketStatus",
    "title",
    "workspaceId",
}


def detail(api, chat) -> dict:
    response = api.get(f"/api/v1/chats/{chat.id}/details")
    assert response.status_code == 200, response.content
    return response.json()


def test_details_of_a_chat_with_no_messages(api, chat, customer, channel, workspace):
    row = detail(api, chat)

    assert set(row) == DETAIL_FIELDS
    responder = workspace.__class__.objects.get(pk=workspace.pk).default_responder
    assert row == {
        **row,
        "channelId": str(channel.id),
        "channelName": "Website",
        "channelType": "widget",
        "isOwnerBlocked": False,
        "isRemoved": False,
        "ownerId": str(customer.super_identity_id),
        "ownerName": "Erin Evans",
        "ownerIdentifier": customer.identifier,
        "ownerEmail": None,
        "responderId": str(responder.super_identity_id),
        "responderName": responder.name,
        "responderEntity": "agent",
        "responderPicture": None,
        "responderVersionId": None,
        "responderVersionNumber": None,
        "ticketId": None,
        "ticketStatus": None,
        "title": "Where is my order?",
    }
    for prefix in ("last", "penultimate"):
        for part in ("Content", "CreatedAt", "Role"):
            assert row[f"{prefix}Message{part}"] is None


def test_message_contents_in_details_are_previews_cut_in_the_database(api, chat):
    long = "é" + "x" * 5_000
    say(chat, "user", long)
    say(chat, "agent", "short")

    row = detail(api, chat)

    assert row["lastMessageContent"] == "short"
    assert row["penultimateMessageContent"] == long[:200]  # characters, not bytes
    # The messages themselves are whole.
    messages = api.get(f"/api/v1/chats/{chat.pk}/messages").json()
    assert long in [m["content"] for m in messages]


def test_details_with_one_and_with_several_messages(api, chat):
    first = say(chat, "user", "Where is it?")
    row = detail(api, chat)
    assert (row["lastMessageContent"], row["lastMessageRole"]) == ("Where is it?", "user")
    assert row["lastMessageCreatedAt"] == first.created_at.isoformat().replace("+00:00", "Z")
    assert row["penultimateMessageContent"] is None

    say(chat, "assistant", "On its way.")
    say(chat, "agent", "Tracking link sent.")
    row = detail(api, chat)
    assert (row["lastMessageContent"], row["lastMessageRole"]) == ("Tracking link sent.", "agent")
    assert (row["penultimateMessageContent"], row["penultimateMessageRole"]) == (
        "On its way.",
        "assistant",
    )


def test_details_show_the_ticket_the_version_and_the_block(api, workspace, customer):
    responder = factories.ResponderFactory(
        workspace=workspace, name="Ava", picture="https://x.test/a.png"
    )
    version = thread_services.responder_version_create(responder=responder, actor=SYSTEM)
    chat = thread_services.support_chat_create(
        workspace=workspace, owner=customer, responder=responder, actor=SYSTEM
    )
    ticket = thread_services.ticket_create(
        workspace=workspace, chat=chat, status="pending", actor=SYSTEM
    )
    thread_services.external_user_set_blocked(external_user=customer, blocked=True, actor=SYSTEM)

    row = detail(api, chat)

    assert (row["responderVersionId"], row["responderVersionNumber"]) == (str(version.id), 1)
    assert (row["responderName"], row["responderPicture"]) == ("Ava", "https://x.test/a.png")
    assert (row["ticketId"], row["ticketStatus"]) == (str(ticket.id), "pending")
    assert row["isOwnerBlocked"] is True
    assert row["title"] is None
    query = {"responderVersionId": str(version.id)}
    assert api.get(f"/api/v1/chats/{chat.id}/details", query).status_code == 200
    other = api.get(f"/api/v1/chats/{chat.id}/details", {"responderVersionId": str(uuid.uuid4())})
    assert other.status_code == 404
    bad = api.get(f"/api/v1/chats/{chat.id}/details", {"responderVersionId": "v1"})
    assert (bad.status_code, bad.json()["parameter"]) == (400, "responderVersionId")


def test_details_of_a_platform_users_chat(api, make_chat, alice):
    row = detail(api, make_chat(alice))
    assert (row["ownerName"], row["ownerEmail"]) == ("Alice", alice.email)
    assert (row["ownerIdentifier"], row["isOwnerBlocked"]) == (None, None)


def test_the_details_list_matches_the_list(api, desk):
    plain = api.get("/api/v1/chats", {"channelTypes": "widget"})
    details = api.get("/api/v1/chats/details", {"channelIds": str(desk["web"].id)})
    assert ids(details) == ids(plain)
    assert details["X-Total-Count"] == plain["X-Total-Count"] == "2"
    by_id = {row["id"]: row for row in details.json()}
    assert by_id[desk["chats"]["refund"]]["ownerName"] == "Erin Evans"
    search = api.get("/api/v1/chats/details", {"search": "wrong street"})
    assert ids(search) == [desk["chats"]["address"]]
    # The details list takes every filter of the list, not only the seed's subset.
    query = {
        "ownerIds": str(desk["frank"].super_identity_id),
        "channelTypes": "widget,whatsapp",
        "lastChatMessageCreatedAtStart": "2027-01-15T00:00:00Z",
    }
    assert ids(api.get("/api/v1/chats/details", query)) == ids(api.get("/api/v1/chats", query))
    assert ids(api.get("/api/v1/chats", query)) == [desk["chats"]["address"]]


# --- query counts -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/chats",
        "/api/v1/chats/details",
        "/api/v1/channels",
        "/api/v1/external-users",
        "/api/v1/members",
        "/api/v1/responders",
        "/api/v1/tickets",
    ],
)
def test_query_count_does_not_grow_with_page_size(api, workspace, make_chat, make_user, path):
    for i in range(12):
        chat = make_chat(channel=factories.ChannelFactory(workspace=workspace))
        say(chat, "user", f"hello {i}")
        say(chat, "assistant", f"hi {i}")
        thread_services.ticket_create(workspace=workspace, chat=chat, actor=SYSTEM)
        factories.ResponderFactory(workspace=workspace)
        make_user()
    small, response = count_queries(api, path, {"pageSize": 2})
    assert len(response.json()) == 2
    large, response = count_queries(api, path, {"pageSize": 12})
    assert len(response.json()) == 12
    assert small == large, f"{path}: {small} queries for 2 rows, {large} for 12"


def test_a_chats_messages_cost_the_same_at_any_page_size(api, chat):
    for i in range(12):
        say(chat, "user", f"m{i}")
    url = f"/api/v1/chats/{chat.id}/messages"
    small, _ = count_queries(api, url, {"pageSize": 2})
    large, response = count_queries(api, url, {"pageSize": 12})
    assert small == large
    assert len(response.json()) == 12
