"""The embedded default holds real load: concurrent senders never see "database is locked"."""

import threading

import pytest
from django.db import connection

from chats import services as chat_services
from chats.models import Message
from tests import factories
from threads import services as thread_services

pytestmark = pytest.mark.django_db(transaction=True)


def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
        else:
            # On PostgreSQL the same guarantee comes from row locks: check the server answers.
            cursor.execute("SHOW transaction_isolation")
            assert cursor.fetchone()[0] == "read committed"


def test_eight_concurrent_senders_all_succeed(workspace):
    senders = [factories.UserFactory() for _ in range(8)]
    thread = thread_services.custom_thread_create(
        workspace=workspace, creator=senders[0], title="busy", members=senders[1:]
    )
    barrier = threading.Barrier(len(senders))
    errors: list[Exception] = []

    def send(user):
        try:
            barrier.wait()
            for i in range(20):
                chat_services.message_send(thread=thread, author=user, text=f"{user.pk} {i}")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    workers = [threading.Thread(target=send, args=(u,)) for u in senders]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert errors == []
    assert Message.objects.filter(thread=thread).count() == 160
    seqs = list(thread.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))  # gap-free, no duplicates
