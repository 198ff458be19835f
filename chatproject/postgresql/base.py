"""PostgreSQL, with a pool check that costs no round trip for a connection that is quiet.

Django's pool checks every connection it hands out (``CONN_HEALTH_CHECKS``) with psycopg's
``ConnectionPool.check_connection``: an empty query, one round trip to the server on every
request. On a send that was about a tenth of its time (``bench/notify.py --db pg``), the
wait for the other user's notification included.

What that check is for is a connection the server ended while it sat in the pool (a restart,
an administrator's ``pg_terminate_backend``, an idle timeout). The server then says so on the
connection's socket (an error message and the end of the stream), which makes an idle
socket readable. So a connection whose socket has nothing to read is handed out at once, and
one that has something to read gets the full check, which reads it and discards the
connection if it is gone. What this cannot see is a peer that vanished without a word (its
host lost power): that costs the request that finds it a 503 (``chatproject.outage``), and
the broken connection is not reused.
"""

from __future__ import annotations

import select

import psycopg
from django.db.backends.postgresql import base
from psycopg_pool import ConnectionPool


def check_quiet_or_query(conn: psycopg.Connection) -> None:
    """The pool's check (raise to discard ``conn``): no query unless the server spoke."""
    if conn.closed or conn.broken:
        raise psycopg.OperationalError("the connection is closed")
    # poll, not select: a process serving many sockets has descriptors past select's 1024.
    poller = select.poll()
    poller.register(conn.fileno(), select.POLLIN)
    if poller.poll(0):
        ConnectionPool.check_connection(conn)


class DatabaseWrapper(base.DatabaseWrapper):
    @property
    def pool(self):
        pool = super().pool
        # Django builds the pool with psycopg's own check whenever CONN_HEALTH_CHECKS is on,
        # and passes ``check`` itself (pool options cannot replace it).
        if pool is not None and pool._check is ConnectionPool.check_connection:
            pool._check = check_quiet_or_query
        return pool
