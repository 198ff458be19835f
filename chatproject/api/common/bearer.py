"""``Authorization: Bearer <token>`` (RFC 6750), read the same way by every entry point.

REST authentication and the websocket middleware both call :func:`bearer_token`, so a
header that one accepts the other accepts too.
"""


def bearer_token(header: str | bytes | None) -> str | None:
    """The token of a ``Bearer`` header, or ``None`` if the header is not one.

    The scheme is case-insensitive and may be followed by any run of whitespace; the token
    is what follows, stripped. ``Bearer`` alone (no token) is not a bearer credential.
    Bytes are read as latin-1, as HTTP header values are.
    """
    if header is None:
        return None
    if isinstance(header, bytes):
        header = header.decode("latin-1")
    parts = header.strip().split(None, 1)
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1].strip() or None
