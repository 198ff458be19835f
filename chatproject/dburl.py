"""Turn ``DATABASE_URL`` into a Django ``DATABASES`` entry.

Only the two engines the project supports are understood, so a typo fails loudly at
start-up instead of silently falling back to another database.
"""

from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

# SQLite is the embedded default and must hold real load: WAL lets readers run beside
# one writer, IMMEDIATE takes the write lock at BEGIN (so two writers queue instead of
# deadlocking on lock upgrade), and the busy timeout makes the queue wait, not fail.
SQLITE_INIT = "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
SQLITE_BUSY_TIMEOUT_S = 30


def sqlite_config(path: Path | str) -> dict:
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_S,
            "init_command": SQLITE_INIT,
        },
        # A file, not :memory:, for tests too: WAL and cross-thread races need a real file.
        "TEST": {"NAME": str(Path(path).with_name(Path(path).stem + "_test.sqlite3"))},
    }


def parse(url: str, *, base_dir: Path) -> dict:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "sqlite":
        # sqlite:///relative.db, sqlite:////absolute.db
        raw = unquote(parts.path)
        path = Path(raw[1:]) if raw.startswith("/") else Path(raw)
        if not path.is_absolute():
            path = base_dir / path
        return sqlite_config(path)
    if scheme in {"postgres", "postgresql", "pgsql"}:
        options = dict(parse_qsl(parts.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
            # Under ASGI, Django's docs advise against persistent connections.
            "CONN_MAX_AGE": 0,
            "OPTIONS": options,
        }
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgres)")
