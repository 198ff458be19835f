"""PostgreSQL's connection pool: a pooled connection is checked without a round trip, and
one the server ended is still never handed out (``chatproject.postgresql``).

These talk to the PostgreSQL server of the test run, outside Django's test transaction:
the pool under test is a psycopg pool of its own, built with the check Django's is given.
"""

import time

import psycopg
import pytest
from django.db import connection
from psycopg_pool import ConnectionPool

from chatproject.postgresql.base import check_quiet_or_query

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's pool"),
]


@pytest.fixture
def params():
    return {**connection.get_connection_params(), "autocommit": True}


def traffic(conn: psycopg.Connection, action, path) -> str:
    """What ``action(conn)`` sent and received on ``conn``, as libpq traces it."""
    with open(path, "w") as out:
        conn.pgconn.trace(out.fileno())
        try:
            action(conn)
        finally:
            conn.pgconn.untrace()
    return path.read_text()


def test_a_quiet_connection_passes_the_check_without_a_round_trip(params, tmp_path):
    with psycopg.connect(**params) as conn:
        assert traffic(conn, check_quiet_or_query, tmp_path / "ours") == ""
        # The trace does show a round trip: psycopg's own check makes one.
        assert "Query" in traffic(conn, ConnectionPool.check_connection, tmp_path / "theirs")


def test_a_connection_the_server_ended_is_never_handed_out(params):
    pool = ConnectionPool(kwargs=params, min_size=1, max_size=1, check=check_quiet_or_query)
    with pool, psycopg.connect(**params) as admin:
        with pool.connection() as conn:
            ended = conn.info.backend_pid
        # As a restart or an idle timeout would: the server ends the idle pooled connection.
        admin.execute("SELECT pg_terminate_backend(%s)", [ended])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [ended]).fetchone():
            assert time.monotonic() < deadline
            time.sleep(0.01)

        with pool.connection() as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
            assert conn.info.backend_pid != ended


def test_the_project_pool_uses_this_check():
    pool = connection.pool
    if pool is None:  # persistent connections instead (DATABASE_POOL_MAX_SIZE=0)
        assert connection.settings_dict["CONN_MAX_AGE"] != 0
        return
    assert pool._check is check_quiet_or_query


def test_a_statement_a_connection_runs_often_is_prepared_on_it():
    """The server then stops parsing and planning it on every request (``chatproject.dburl``);
    with ``DATABASE_PREPARED_STATEMENTS=0`` (a transaction pooler in front) nothing is."""
    from threads.models import Thread

    enabled = connection.settings_dict["OPTIONS"].get("server_side_binding") is True

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared()
    for _ in range(6):
        list(Thread.objects.filter(title="prepared?").values_list("pk"))
    assert (prepared() > before) is enabled


def test_the_check_works_on_a_descriptor_past_1024(params, tmp_path):
    """A process with many open sockets (a websocket per client) gets database connections
    with high descriptor numbers, which ``select`` cannot watch."""
    import os
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert hard >= 1200 or hard == resource.RLIM_INFINITY, "this machine allows few files"
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1200), hard))
    filler = []
    try:
        while not filler or filler[-1] < 1100:
            filler.append(os.open(os.devnull, os.O_RDONLY))
        with psycopg.connect(**params) as conn:
            assert conn.fileno() > 1024
            assert traffic(conn, check_quiet_or_query, tmp_path / "quiet") == ""
    finally:
        for fd in filler:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
