"""The support desk's services and selectors (seed 003): super identities, chats, customers,
channels, responders, tickets and support messages."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from chatproject.accounts.models import SuperIdentity
from chatproject.actors import SYSTEM
from chatproject.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from chats import selectors as chat_selectors
from chats import services as chat_services
from chats.models import Message
from tests import factories
from tests.services.helpers import event_types, last_event
from threads import selectors, services
from threads.models import Event, ExternalUser, Responder, Thread, Ticket, Workspace


@pytest.fixture
def customer(workspace):
    return factories.ExternalUserFactory(workspace=workspace)


@pytest.fixture
def chat(workspace, customer):
    return services.support_chat_create(
        workspace=workspace, owner=customer, title="Where is my order?", actor=SYSTEM
    )


# --- super identities -------------------------------------------------------------------


def test_users_customers_and_responders_each_get_their_own_super_identity(workspace, alice):
    customer = factories.ExternalUserFactory()
    responder = factories.ResponderFactory()

    kinds = {
        alice.super_identity_id: "user",
        customer.super_identity_id: "external_user",
        responder.super_identity_id: "responder",
    }
    assert len(kinds) == 3
    stored = dict(SuperIdentity.objects.filter(pk__in=kinds).values_list("pk", "kind"))
    assert stored == kinds


def test_an_owner_identity_resolves_to_a_customer_or_a_member_of_the_workspace(
    workspace, alice, customer, outsider
):
    found = selectors.support_owner_by_identity
    assert found(workspace_id=workspace.pk, identity_id=customer.super_identity_id) == customer
    assert found(workspace_id=workspace.pk, identity_id=alice.super_identity_id) == alice
    assert found(workspace_id=workspace.pk, identity_id=outsider.super_identity_id) is None
    responder = factories.ResponderFactory()
    assert found(workspace_id=workspace.pk, identity_id=responder.super_identity_id) is None
    other = factories.WorkspaceFactory()
    assert found(workspace_id=other.pk, identity_id=customer.super_identity_id) is None


# --- workspaces and responders ----------------------------------------------------------


@pytest.mark.django_db
def test_a_new_workspace_comes_with_its_default_responder():
    workspace = services.workspace_create(slug="acme", name="Acme", actor=SYSTEM)

    responder = Workspace.objects.get(pk=workspace.pk).default_responder
    assert responder.workspace == workspace and responder.entity == Responder.Entity.AGENT
    assert services.workspace_default_responder(workspace=workspace) == responder
    assert Responder.objects.filter(workspace=workspace).count() == 1


@pytest.mark.django_db
def test_workspace_slugs_are_unique_and_well_formed():
    services.workspace_create(slug="acme", actor=SYSTEM)
    with pytest.raises(Conflict) as error:
        services.workspace_create(slug="acme", actor=SYSTEM)
    assert error.value.field == "slug"
    with pytest.raises(InvalidInput):
        services.workspace_create(slug="no spaces", actor=SYSTEM)


def test_only_the_system_creates_workspaces(alice):
    with pytest.raises(PermissionDenied):
        services.workspace_create(slug="mine", actor=alice)


def test_responder_versions_count_up_from_one(workspace):
    responder = services.responder_create(
        workspace=workspace, name="Ava", entity="agent", actor=SYSTEM
    )
    numbers = [
        services.responder_version_create(responder=responder, actor=SYSTEM).number
        for _ in range(3)
    ]
    assert numbers == [1, 2, 3]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (
            lambda ws: services.channel_create(workspace=ws, name="x", type="fax", actor=SYSTEM),
            "type",
        ),
        (
            lambda ws: services.channel_create(workspace=ws, name=" ", type="api", actor=SYSTEM),
            "name",
        ),
        (
            lambda ws: services.responder_create(
                workspace=ws, name="x", entity="robot", actor=SYSTEM
            ),
            "entity",
        ),
        (
            lambda ws: services.responder_create(
                workspace=ws, name="x", entity="agent", picture="javascript:1", actor=SYSTEM
            ),
            "picture",
        ),
        (lambda ws: services.ticket_create(workspace=ws, status="lost", actor=SYSTEM), "status"),
        (
            lambda ws: services.external_user_create(workspace=ws, identifier=" ", actor=SYSTEM),
            "identifier",
        ),
        (
            lambda ws: services.external_user_create(
                workspace=ws, identifier="x", email="nope", actor=SYSTEM
            ),
            "email",
        ),
    ],
)
def test_directory_entries_refuse_bad_values_naming_the_field(workspace, call, field):
    with pytest.raises(InvalidInput) as error:
        call(workspace)
    assert error.value.field == field


def test_the_same_customer_identifier_twice_is_a_conflict(workspace):
    services.external_user_create(workspace=workspace, identifier="+1555", actor=SYSTEM)
    with pytest.raises(Conflict) as error:
        services.external_user_create(workspace=workspace, identifier=" +1555 ", actor=SYSTEM)
    assert error.value.field == "identifier"
    assert ExternalUser.objects.filter(identifier="+1555").count() == 1


def test_plain_members_may_not_change_the_desk(workspace, alice, agent):
    with pytest.raises(PermissionDenied):
        services.channel_create(workspace=workspace, name="Web", type="widget", actor=alice)
    channel = services.channel_create(workspace=workspace, name="Web", type="widget", actor=agent)
    assert channel.workspace == workspace


# --- chats ------------------------------------------------------------------------------


def test_a_chat_gets_the_channels_responder_else_the_workspaces_default(workspace, customer):
    helper = factories.ResponderFactory(workspace=workspace)
    version = services.responder_version_create(responder=helper, actor=SYSTEM)
    channel = services.channel_create(
        workspace=workspace, name="Web", type="widget", responder=helper, actor=SYSTEM
    )

    via_channel = services.support_chat_create(
        workspace=workspace, owner=customer, channel=channel, actor=SYSTEM
    )
    plain = services.support_chat_create(workspace=workspace, owner=customer, actor=SYSTEM)

    assert (via_channel.responder, via_channel.responder_version) == (helper, version)
    assert via_channel.current_responder == helper
    default = services.workspace_default_responder(workspace=workspace)
    assert (plain.responder, plain.responder_version) == (default, None)


def test_a_chat_carries_the_desks_fields_and_announces_itself(workspace, customer):
    channel = factories.ChannelFactory()
    version = factories.ResponderVersionFactory()
    ticket = factories.TicketFactory()

    chat = services.support_chat_create(
        workspace=workspace,
        owner=customer,
        channel=channel,
        title=" Where is my order? ",
        responder=version.responder,
        responder_version=version,
        ticket=ticket,
        actor=SYSTEM,
    )

    assert chat.kind == Thread.Kind.SUPPORT and chat.title == "Where is my order?"
    assert not chat.memberships.exists()
    event = Event.objects.get(thread=chat)
    assert event.type == "thread.created"
    assert event.payload["thread"]["support"] == {
        "channel": str(channel.id),
        "owner": str(customer.id),
        "owner_user": None,
        "owner_blocked": False,
        "responder": str(version.responder.id),
        "responder_version": str(version.id),
        "ticket": str(ticket.id),
    }


def test_a_platform_user_may_own_a_chat_and_becomes_its_member(workspace, alice):
    chat = services.support_chat_create(workspace=workspace, owner=alice, actor=SYSTEM)

    assert chat.owner is None and chat.owner_user == alice
    assert list(chat.members.all()) == [alice]


def test_a_platform_user_of_another_workspace_may_not_own_a_chat(workspace, outsider):
    with pytest.raises(InvalidInput) as error:
        services.support_chat_create(workspace=workspace, owner=outsider, actor=SYSTEM)
    assert error.value.field == "owner"


@pytest.mark.parametrize(
    ("field", "make"),
    [
        ("owner", lambda ws: {"owner": factories.ExternalUserFactory(workspace=ws)}),
        ("channel", lambda ws: {"channel": factories.ChannelFactory(workspace=ws)}),
        ("responder", lambda ws: {"responder": factories.ResponderFactory(workspace=ws)}),
        ("ticket", lambda ws: {"ticket": factories.TicketFactory(workspace=ws)}),
    ],
)
def test_a_chat_refuses_entities_of_another_workspace(workspace, field, make):
    fields = {"owner": factories.ExternalUserFactory()}
    fields.update(make(factories.WorkspaceFactory()))
    with pytest.raises(InvalidInput) as error:
        services.support_chat_create(workspace=workspace, actor=SYSTEM, **fields)
    assert error.value.field == field
    assert not Thread.objects.exists()


def test_a_chat_refuses_a_version_of_another_responder(workspace, customer):
    version = factories.ResponderVersionFactory()
    with pytest.raises(InvalidInput) as error:
        services.support_chat_create(
            workspace=workspace,
            owner=customer,
            responder=factories.ResponderFactory(),
            responder_version=version,
            actor=SYSTEM,
        )
    assert error.value.field == "responder_version"
    assert not Thread.objects.exists()


def test_update_changes_only_the_given_fields_and_moves_updated_at(chat):
    at = timezone.now()
    before = chat.updated_at

    services.support_chat_update(chat=chat, last_message_at=at, actor=SYSTEM)

    chat.refresh_from_db()
    assert (chat.title, chat.last_message_at) == ("Where is my order?", at)
    assert chat.updated_at > before
    assert last_event(chat).type == "thread.updated"


def test_an_update_that_changes_nothing_writes_nothing(chat):
    count, before = Event.objects.count(), chat.updated_at
    services.support_chat_update(chat=chat, title="Where is my order?", actor=SYSTEM)
    chat.refresh_from_db()
    assert Event.objects.count() == count and chat.updated_at == before


def test_removing_a_chat_is_soft_and_idempotent(chat):
    services.support_chat_remove(chat=chat, actor=SYSTEM)
    services.support_chat_remove(chat=chat, actor=SYSTEM)

    chat.refresh_from_db()
    assert chat.is_removed
    assert event_types(chat) == ["thread.created", "thread.removed"]


def test_other_thread_kinds_are_not_support_chats(session_thread):
    with pytest.raises(NotFound):
        services.support_chat_remove(chat=session_thread, actor=SYSTEM)


# --- customers, tickets -----------------------------------------------------------------


def test_blocking_a_customer_announces_each_of_their_chats(workspace, chat, customer):
    second = services.support_chat_create(workspace=workspace, owner=customer, actor=SYSTEM)
    unrelated = services.support_chat_create(
        workspace=workspace, owner=factories.ExternalUserFactory(), actor=SYSTEM
    )

    services.external_user_set_blocked(external_user=customer, blocked=True, actor=SYSTEM)

    customer.refresh_from_db()
    assert customer.is_blocked
    for each in (chat, second):
        event = last_event(each)
        assert event.type == "thread.updated"
        assert event.payload["thread"]["support"]["owner_blocked"] is True
    assert event_types(unrelated) == ["thread.created"]


def test_blocking_an_already_blocked_customer_announces_nothing(chat, customer):
    services.external_user_set_blocked(external_user=customer, blocked=True, actor=SYSTEM)
    count = Event.objects.count()
    services.external_user_set_blocked(external_user=customer, blocked=True, actor=SYSTEM)
    assert Event.objects.count() == count


def test_a_ticket_links_to_its_chat_and_its_status_changes_announce_the_chat(workspace, chat):
    ticket = services.ticket_create(workspace=workspace, subject="Refund", chat=chat, actor=SYSTEM)
    chat.refresh_from_db()
    assert chat.ticket == ticket
    assert last_event(chat).type == "thread.updated"
    seq = last_event(chat).seq

    services.ticket_update(ticket=ticket, status=Ticket.Status.RESOLVED, actor=SYSTEM)
    services.ticket_update(ticket=ticket, status=Ticket.Status.RESOLVED, actor=SYSTEM)

    assert Ticket.objects.get(pk=ticket.pk).status == "resolved"
    assert last_event(chat).seq == seq + 1


# --- messages ---------------------------------------------------------------------------


def test_support_messages_are_written_as_the_owner_and_the_responder(chat, customer):
    asked = chat_services.support_message_send(
        chat=chat, role="user", text=" Hello? ", actor=SYSTEM
    )
    answered = chat_services.support_message_send(
        chat=chat, role="assistant", text="Hi!", actor=SYSTEM
    )
    noted = chat_services.support_message_send(chat=chat, role="system", text="x", actor=SYSTEM)

    assert (asked.text, asked.author_external, asked.author) == ("Hello?", customer, None)
    assert answered.author_responder == chat.responder
    assert (noted.author, noted.author_external, noted.author_responder) == (None, None, None)
    payload = last_event(chat).payload["message"]
    assert payload["role"] == "system" and payload["author"] is None
    created = Event.objects.get(thread=chat, type="message.created", seq=3)
    assert created.payload["message"]["author"]["responder"] is True
    assert Thread.objects.get(pk=chat.pk).last_message_at == noted.created_at


def test_a_blocked_owners_messages_are_refused(chat, customer):
    services.external_user_set_blocked(external_user=customer, blocked=True, actor=SYSTEM)
    with pytest.raises(PermissionDenied):
        chat_services.support_message_send(chat=chat, role="user", text="hi", actor=SYSTEM)
    chat_services.support_message_send(chat=chat, role="assistant", text="bye", actor=SYSTEM)
    assert list(Message.objects.values_list("role", flat=True)) == ["assistant"]


def test_messages_to_a_removed_chat_are_refused(chat):
    services.support_chat_remove(chat=chat, actor=SYSTEM)
    with pytest.raises(Conflict):
        chat_services.support_message_send(chat=chat, role="user", text="hi", actor=SYSTEM)


def test_a_support_message_needs_text_and_a_known_role(chat):
    with pytest.raises(InvalidInput) as error:
        chat_services.support_message_send(chat=chat, role="user", text="  ", actor=SYSTEM)
    assert error.value.field == "text"
    with pytest.raises(InvalidInput) as error:
        chat_services.support_message_send(chat=chat, role="bot", text="x", actor=SYSTEM)
    assert error.value.field == "role"


# --- detail rows ------------------------------------------------------------------------


def details(workspace, **filters):
    chats = chat_selectors.support_chats(workspace_id=workspace.pk, **filters)
    return {c.pk: c for c in chat_selectors.with_support_details(chats)}


def test_detail_rows_show_the_last_two_visible_messages(workspace, chat):
    assert details(workspace)[chat.pk].last_message_content is None
    first = chat_services.support_message_send(chat=chat, role="user", text="one", actor=SYSTEM)
    row = details(workspace)[chat.pk]
    assert (row.last_message_content, row.last_message_role) == ("one", "user")
    assert row.penultimate_message_content is None

    chat_services.support_message_send(chat=chat, role="assistant", text="two", actor=SYSTEM)
    third = chat_services.support_message_send(chat=chat, role="agent", text="3", actor=SYSTEM)
    chat_services.message_remove(message=third, actor=SYSTEM)

    row = details(workspace)[chat.pk]
    assert (row.last_message_content, row.last_message_role) == ("two", "assistant")
    assert (row.penultimate_message_content, row.penultimate_message_created_at) == (
        "one",
        first.created_at,
    )


def test_detail_rows_resolve_the_owner_from_either_table(workspace, chat, customer, alice):
    mine = services.support_chat_create(workspace=workspace, owner=alice, actor=SYSTEM)
    rows = details(workspace)

    assert (rows[chat.pk].owner_name, rows[chat.pk].owner_identifier) == (
        customer.name,
        customer.identifier,
    )
    assert (rows[chat.pk].owner_email, rows[chat.pk].is_owner_blocked) == (None, False)
    assert rows[chat.pk].owner_identity_id == customer.super_identity_id
    assert (rows[mine.pk].owner_name, rows[mine.pk].owner_email) == ("Alice", alice.email)
    assert (rows[mine.pk].owner_identifier, rows[mine.pk].is_owner_blocked) == (None, None)
    assert rows[mine.pk].owner_identity_id == alice.super_identity_id


# --- commands ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_create_workspace_prints_the_id_of_a_workspace_ready_for_support_chats():
    out = io.StringIO()
    call_command("create_workspace", "acme", "--name", "Acme Inc.", stdout=out)

    workspace = Workspace.objects.get(pk=out.getvalue().strip())
    assert (workspace.slug, workspace.name) == ("acme", "Acme Inc.")
    assert workspace.default_responder is not None
    with pytest.raises(CommandError, match="slug"):
        call_command("create_workspace", "acme", stdout=io.StringIO())


def test_a_customer_or_responder_with_chats_is_not_deleted_from_under_them(chat, customer):
    from django.db.models import RestrictedError

    with pytest.raises(RestrictedError):
        customer.delete()
    with pytest.raises(RestrictedError):
        chat.responder.delete()
    assert Thread.objects.filter(pk=chat.pk, owner=customer).exists()


def test_a_workspace_with_chats_is_kept_and_an_empty_one_still_cascades(workspace, chat):
    """A workspace with threads is never deleted with its history (issue 12,
    ``Thread.workspace`` is PROTECT); one without threads still takes its customers along:
    the RESTRICT on owners and responders guards chats, not whole workspaces."""
    from django.db.models import ProtectedError

    other = services.workspace_create(slug="kept", actor=SYSTEM)
    customer = factories.ExternalUserFactory(workspace=other)
    kept = services.support_chat_create(workspace=other, owner=customer, actor=SYSTEM)
    with pytest.raises(ProtectedError):
        Workspace.objects.filter(pk=other.pk).delete()
    assert Thread.objects.filter(pk=kept.pk).exists()

    empty = services.workspace_create(slug="gone", actor=SYSTEM)
    factories.ExternalUserFactory(workspace=empty)
    Workspace.objects.filter(pk=empty.pk).delete()
    assert not ExternalUser.objects.filter(workspace_id=empty.pk).exists()
    assert Thread.objects.filter(pk=chat.pk).exists()


def test_staff_posting_through_the_common_send_answer_as_the_desk(support_chat, agent):
    # The websocket's message.send and the chat UI call message_send, not the Support API's
    # send: an agent's words must not show up as the customer's.
    message = chat_services.message_send(thread=support_chat, actor=agent, text="On its way")
    assert message.role == Message.Role.AGENT
    assert message.author == agent
    assert last_event(support_chat).payload["message"]["role"] == "agent"


def test_a_platform_owner_of_a_support_chat_speaks_as_the_customer(workspace, alice):
    chat = services.support_chat_create(
        workspace=workspace, owner=alice, title="Billing", actor=SYSTEM
    )
    message = chat_services.message_send(thread=chat, actor=alice, text="Hello?")
    assert message.role == Message.Role.USER
