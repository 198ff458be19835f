"""Lookups compiled once and run with each caller's values (``chatproject.compiled``):
the thread a user may see (with or without their read mark), whether they may see it, and
the live token of a request. Each must answer exactly what the uncompiled ORM query
answers, for every caller in turn."""

import uuid

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from chatproject.accounts import services as accounts
from chatproject.accounts.models import User
from chatproject.compiled import CompiledQuery
from chatproject.errors import NotFound
from chats import services as chat_services
from tests import factories
from threads import selectors
from threads import services as thread_services
from threads.models import Thread


def reader(user, thread_id):
    return selectors.thread_get_for_reader(user=user, thread_id=thread_id)


def test_each_reader_gets_their_own_answer(custom_thread, alice, bob, carol, outsider):
    message = chat_services.message_send(thread=custom_thread, actor=alice, text="hi")
    thread_services.thread_mark_read(thread=custom_thread, actor=bob, up_to=message)

    thread, mark = reader(alice, custom_thread.id)
    assert thread == selectors.thread_get_for_user(user=alice, thread_id=custom_thread.id)
    stored = Thread.objects.get(pk=custom_thread.pk)
    assert [getattr(thread, f.attname) for f in Thread._meta.concrete_fields] == [
        getattr(stored, f.attname) for f in Thread._meta.concrete_fields
    ]
    assert mark is not None and mark.last_read_at is None  # alice has not read it

    _, bobs = reader(bob, custom_thread.id)
    assert bobs is not None and bobs.last_read_at == message.created_at
    assert bobs.membership_id != mark.membership_id

    for stranger in (carol, outsider):
        with pytest.raises(NotFound):
            reader(stranger, custom_thread.id)


def test_support_staff_see_a_support_chat_without_a_mark(support_chat, agent, alice):
    thread, mark = reader(agent, support_chat.id)
    assert thread.pk == support_chat.pk and thread.kind == Thread.Kind.SUPPORT
    assert mark is None
    with pytest.raises(NotFound):
        reader(alice, support_chat.id)


@pytest.mark.parametrize("thread_id", [uuid.uuid4(), "not-a-uuid", None])
def test_unknown_or_malformed_ids_are_not_found(alice, thread_id):
    with pytest.raises(NotFound):
        reader(alice, thread_id)


def test_a_removed_thread_is_not_found(custom_thread, alice):
    thread_services.thread_remove(thread=custom_thread, actor=alice)
    with pytest.raises(NotFound):
        reader(alice, custom_thread.id)


def test_the_token_lookup_answers_per_token(alice, bob):
    raw_alice = factories.user_token(alice)
    raw_bob = factories.user_token(bob)

    token = accounts.token_authenticate(raw_alice, kind="user")
    assert token is not None and token.user == alice and token.user.username == "alice"
    assert accounts.token_authenticate(raw_bob, kind="user").user == bob
    assert accounts.token_authenticate(raw_alice, kind="session") is None
    assert accounts.token_authenticate(raw_alice + "x", kind="user") is None


def test_a_shape_that_does_not_pass_a_placeholder_as_a_parameter_is_refused(db):
    ignores_its_id = CompiledQuery(
        lambda *, thread_id: Thread.objects.values_list("id"), thread_id=uuid.UUID
    )
    with pytest.raises(RuntimeError, match="thread_id"):
        ignores_its_id.rows(thread_id=uuid.uuid4())


def test_every_visibility_lookup_agrees_with_the_uncompiled_filter(
    custom_thread, session_thread, support_chat, alice, bob, carol, agent, outsider
):
    gone = thread_services.custom_thread_create(
        workspace=custom_thread.workspace, creator=alice, title="Gone", members=[bob]
    )
    thread_services.thread_remove(thread=gone, actor=alice)
    for user in (alice, bob, carol, agent, outsider):
        for thread in (custom_thread, session_thread, support_chat, gone):
            expected = Thread.objects.filter(
                selectors.visible_threads_q(user), pk=thread.pk
            ).exists()
            assert selectors.can_see_thread(thread=thread, user=user) is expected
            if expected:
                assert selectors.thread_get_for_user(user=user, thread_id=thread.pk) == thread
                assert reader(user, thread.pk)[0] == thread
            else:
                with pytest.raises(NotFound):
                    selectors.thread_get_for_user(user=user, thread_id=thread.pk)
                with pytest.raises(NotFound):
                    reader(user, thread.pk)


def test_a_sockets_subscription_answers_as_the_orm_does(
    custom_thread, session_thread, workspace, alice, bob, agent, carol
):
    thread_services.thread_remove(thread=session_thread, actor=alice)  # bob's, now removed
    for user in (alice, bob, agent, carol):
        orm_threads = {str(pk) for pk in selectors.member_thread_ids(user)}
        assert selectors.member_thread_id_set(user) == orm_threads
        orm_staff = {
            str(pk)
            for pk in selectors.support_staff_of(user).values_list("workspace_id", flat=True)
        }
        assert selectors.support_staff_workspace_ids(user) == orm_staff
    assert selectors.member_thread_id_set(bob) == {str(custom_thread.pk)}
    assert selectors.support_staff_workspace_ids(agent) == {str(workspace.pk)}
    assert selectors.support_staff_workspace_ids(alice) == set()


def test_the_driver_path_answers_what_the_logged_path_answers(custom_thread, alice, bob):
    """Unlogged, a compiled query goes to the driver past Django's cursor wrappers; logged
    (DEBUG, the query-count tests) it goes through them. Both must give the same rows."""
    chat_services.message_send(thread=custom_thread, actor=alice, text="hi")
    raw = factories.user_token(bob)
    unlogged = (reader(bob, custom_thread.id), accounts.token_authenticate(raw, kind="user"))
    with CaptureQueriesContext(connection) as logged_queries:
        logged = (reader(bob, custom_thread.id), accounts.token_authenticate(raw, kind="user"))
    assert len(logged_queries) == 2  # the wrappers saw (and logged) both
    assert unlogged[0] == logged[0]
    unlogged_token, logged_token = unlogged[1], logged[1]
    assert unlogged_token == logged_token and unlogged_token.user == logged_token.user
    assert [getattr(unlogged_token.user, f.attname) for f in User._meta.concrete_fields] == [
        getattr(logged_token.user, f.attname) for f in User._meta.concrete_fields
    ]


def test_the_driver_path_keeps_djangos_checks_and_errors(custom_thread, alice):
    # A transaction that must roll back runs no more queries, as with Django's cursor.
    with transaction.atomic():
        try:
            with transaction.atomic(savepoint=False):
                Thread.objects.create(workspace=None)  # NOT NULL: IntegrityError
        except IntegrityError:
            pass
        with pytest.raises(TransactionManagementError):
            reader(alice, custom_thread.id)

    # The driver's own errors arrive as Django's (what chatproject.outage catches).
    with transaction.atomic():
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(Thread._meta.db_table)
            cursor.execute(f"ALTER TABLE {table} RENAME TO gone_for_a_moment")
        with pytest.raises(DatabaseError):
            reader(alice, custom_thread.id)
        transaction.set_rollback(True)
    assert reader(alice, custom_thread.id)[0] == custom_thread
