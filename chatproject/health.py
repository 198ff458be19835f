"""What ``/healthz`` checks: the database and the channel layer, each with a short bound.

A load balancer or orchestrator polls it to take a process out of rotation while either is
away, and to see it come back by itself (README "Reliability").
"""

import asyncio

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection

from chatproject import outage

UP = "up"
DOWN = "down"


def database_state() -> str:
    """``SELECT 1`` through the app's own connection handling (the pool, if any).

    With a pool, the check waits for a connection at most ``CHAT_HEALTH_TIMEOUT_S``, not the
    pool's request timeout: a probe must answer quickly while the database is away.
    """
    try:
        pool = getattr(connection, "pool", None) if connection.vendor == "postgresql" else None
        if pool is not None:
            pool.open()  # Django opens it lazily; a no-op once open.
            with (
                pool.connection(timeout=settings.CHAT_HEALTH_TIMEOUT_S) as conn,
                conn.cursor() as cursor,
            ):
                cursor.execute("SELECT 1")
        else:
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
    except Exception as exc:
        outage.log(exc, "healthz database")
        return DOWN
    return UP


def channel_layer_state() -> str:
    """A round trip to the channel layer: a Redis ``PING`` for channels-redis.

    The in-memory layer lives in the process, so it is up whenever the process answers.
    """
    layer = get_channel_layer()
    if layer is None or not hasattr(layer, "connection"):
        return UP
    try:
        async_to_sync(_ping_redis)(layer, settings.CHAT_HEALTH_TIMEOUT_S)
    except Exception as exc:
        outage.log(exc, "healthz channel layer")
        return DOWN
    return UP


async def _ping_redis(layer, timeout: float) -> None:
    for index in range(layer.ring_size):
        await asyncio.wait_for(layer.connection(index).ping(), timeout)


def channel_layer_backend() -> str:
    layer = get_channel_layer()
    return "redis" if layer is not None and hasattr(layer, "connection") else "memory"
