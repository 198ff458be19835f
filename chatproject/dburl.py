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
# Each thread keeps its SQLite connection: opening one (file, PRAGMAs) cost more than the
# queries of a websocket connect, and every database_sync_to_async call opened a new one.
SQLITE_CONN_MAX_AGE_S = 600

# PostgreSQL pool: kept open even when idle, and how long a request waits for a free one
# (while the database is away, a request waits this long, then answers 503).
POOL_MIN_SIZE = 2
POOL_TIMEOUT_S = 10.0
# PostgreSQL prepared statements: a statement a connection has run this many times is
# prepared on it (psycopg's default), so the server stops parsing and planning it anew.
PREPARE_THRESHOLD = 5


def sqlite_config(path: Path | str) -> dict:
    return {
        "ENGINE": "chatproject.sqlite",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_S,
            "init_command": SQLITE_INIT,
        },
        "CONN_MAX_AGE": SQLITE_CONN_MAX_AGE_S,
        # A file, not :memory:, for tests too: WAL and cross-thread races need a real file.
        "TEST": {"NAME": str(Path(path).with_name(Path(path).stem + "_test.sqlite3"))},
    }


def parse(
    url: str,
    *,
    base_dir: Path,
    pool_max_size: int = 0,
    conn_max_age: int = 0,
    health_checks: bool = True,
    pool_timeout: float = POOL_TIMEOUT_S,
    prepared_statements: bool = True,
) -> dict:
    """A ``DATABASES`` entry for ``url``.

    PostgreSQL connections are reused, because opening one (TCP, authentication, backend
    start) costs more than a whole chat request: ``pool_max_size > 0`` gives every process a
    psycopg 3 connection pool of at most that many connections (Django returns a connection to
    it at the end of each request, so it also serves the short-lived threads of
    ``database_sync_to_async``); ``0`` keeps one persistent connection per thread for
    ``conn_max_age`` seconds instead (``0``: a new connection per request). ``health_checks``
    checks a reused connection before handing it out (with a pool: a connection whose socket
    shows the database ended it is discarded, ``chatproject.postgresql``), so a database
    restart costs no request once the database is back; ``pool_timeout`` bounds the wait for
    a connection meanwhile.

    ``prepared_statements``: PostgreSQL gets the query and its parameters apart (server-side
    binding) and a connection prepares the statements it runs often. The server otherwise
    parses and plans every statement anew, which was most of its CPU: per history read
    1.3-1.5 ms of PostgreSQL CPU with Django's default (parameters merged into the SQL by
    the client), 0.3-0.4 ms prepared; per send 3.8-4.1 ms, 1.8-2.3 ms. Turn it off behind a
    pooler that hands one client's statements to several server sessions (PgBouncer in
    transaction mode before 1.21), as Django's default does.
    """
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
        options: dict = dict(parse_qsl(parts.query))
        if prepared_statements:
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", PREPARE_THRESHOLD)
        if pool_max_size > 0:
            options["pool"] = {
                "min_size": min(POOL_MIN_SIZE, pool_max_size),
                "max_size": pool_max_size,
                "timeout": pool_timeout,
            }
        return {
            # Django's, with a cheaper pool check (chatproject/postgresql/base.py).
            "ENGINE": "chatproject.postgresql",
            "NAME": unquote(parts.path.lstrip("/")),
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": unquote(parts.hostname or ""),
            "PORT": str(parts.port or ""),
            # A pool and persistent connections exclude each other (Django refuses both).
            "CONN_MAX_AGE": 0 if pool_max_size > 0 else conn_max_age,
            "CONN_HEALTH_CHECKS": health_checks,
            "OPTIONS": options,
        }
    raise ValueError(f"DATABASE_URL scheme {scheme!r} is not supported (use sqlite or postgres)")
