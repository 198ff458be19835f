"""Throttling of failed sign-ins: ``POST /token``, the sign-in form and Support API keys.

A failed password check costs real CPU (a deliberately slow hash) and each one is a guess,
so failures are counted per client (IP address) and per username in fixed windows of
``CHAT_AUTH_THROTTLE_WINDOW_S`` seconds. Past ``CHAT_AUTH_FAILURES_PER_CLIENT`` failures
from one client, or ``CHAT_AUTH_FAILURES_PER_USERNAME`` against one username, further
attempts are refused *before* the password is checked, with 429 and ``Retry-After`` (the
seconds until the window ends). API keys have no username: their failures count per
client. A success clears the username's count (the owner got in; locking them out would
only help an attacker deny them service).

Counters live in Django's cache: Redis when ``REDIS_URL`` is set, so every worker shares
them; the local-memory cache otherwise (one process, as the in-memory channel layer).

The client is ``REMOTE_ADDR``. Behind a proxy, let the ASGI server put the real client
there (uvicorn: ``--forwarded-allow-ips=<proxy address>``, which is how ``scripts/serve``
and the README run it); otherwise every user shares the proxy's one bucket.
"""

import hashlib
import math
import time

from django.conf import settings
from django.core.cache import caches

PASSWORD = "password"
API_KEY = "apikey"


def _cache():
    return caches[settings.CHAT_AUTH_THROTTLE_CACHE]


def _window() -> tuple[int, float]:
    """The current window's number and the seconds left in it."""
    size = settings.CHAT_AUTH_THROTTLE_WINDOW_S
    now = time.time()
    return int(now // size), size - (now % size)


def client_of(request) -> str:
    meta = getattr(request, "META", None) or {}
    return meta.get("REMOTE_ADDR") or "unknown"


def _keys(scope: str, client: str, username: str | None) -> list[tuple[str, int]]:
    number, _ = _window()
    keys = [(f"throttle:{scope}:client:{client}:{number}", settings.CHAT_AUTH_FAILURES_PER_CLIENT)]
    if username:
        # Hashed: usernames are arbitrary text, cache keys are not.
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        keys.append(
            (f"throttle:{scope}:user:{digest}:{number}", settings.CHAT_AUTH_FAILURES_PER_USERNAME)
        )
    return keys


def retry_after(scope: str, *, client: str, username: str | None = None) -> int | None:
    """Seconds to wait if this client or username has failed too often, else ``None``.

    One cache read (``get_many``); call it before checking the credential.
    """
    keys = _keys(scope, client, username)
    counts = _cache().get_many([key for key, _ in keys])
    if any(counts.get(key, 0) >= limit for key, limit in keys):
        return max(1, math.ceil(_window()[1]))
    return None


def failed(scope: str, *, client: str, username: str | None = None) -> None:
    """Count one failed attempt against the client and the username."""
    cache = _cache()
    timeout = settings.CHAT_AUTH_THROTTLE_WINDOW_S + 1
    for key, _ in _keys(scope, client, username):
        cache.add(key, 0, timeout=timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: start again
            cache.set(key, 1, timeout=timeout)


def succeeded(scope: str, *, username: str | None) -> None:
    """The owner signed in: their username's failures no longer count."""
    if username:
        number, _ = _window()
        digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
        _cache().delete(f"throttle:{scope}:user:{digest}:{number}")
