"""Text as the domain accepts it, whichever surface it came through.

One function, used by every service that stores text a caller typed, so REST, the
websocket and the admin refuse the same strings: NUL cannot be stored in a PostgreSQL
text column, and a lone surrogate (``"\\ud800"``, which JSON can carry) cannot be encoded
as UTF-8 on the way out. The messages are the ones DRF gives for the same faults, so a
string refused earlier by a surface's own field reads the same.
"""

import re

from chatproject.errors import InvalidInput

_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: object, *, field: str) -> str:
    """``value`` trimmed; ``None`` is empty. ``InvalidInput`` naming ``field`` for a
    non-string, a NUL character or a lone surrogate."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("Must be a string.", field=field)
    if "\x00" in value:
        raise InvalidInput("Null characters are not allowed.", field=field)
    surrogate = _SURROGATE.search(value)
    if surrogate is not None:
        code = f"U+{ord(surrogate.group()):X}"
        raise InvalidInput(f"Surrogate characters are not allowed: {code}.", field=field)
    return value.strip()
