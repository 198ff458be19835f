"""Hot read queries of a fixed shape, compiled to SQL once per database and then run with
new values.

Building and compiling a queryset costs far more than running it: the thread visibility
lookup (two ``EXISTS`` from ``visible_threads_q`` plus the reader's mark) takes ~2.5 ms of
CPU to build and compile and ~0.1 ms to run on SQLite. Queries asked on every request with
only their values changing are therefore compiled once: ``build`` is called with
placeholder values, the ORM compiles it as usual, and each later call runs that SQL with
the placeholders' parameters swapped for the real values. The query is still written
once, with the ORM and the same ``Q`` objects as everywhere else; only its compilation is
reused. A shape whose placeholders the compiler does not pass as parameters (inlined into
the SQL) is refused at first use, loudly, rather than run wrong.

The SQL is also handed to the driver without Django's cursor wrappers when nothing needs
them: on SQLite they rewrote the same ``%s`` placeholders to ``?`` with a regular expression
on every run, and with their layers took about a tenth of a cached history read's CPU.
While queries are logged (``DEBUG``, ``CaptureQueriesContext``, so the query-count tests)
or an ``execute_wrapper`` is installed, the query goes through the wrappers as any other;
database errors become Django's either way.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import QuerySet


class CompiledQuery:
    """``build(**placeholders)`` is a ``values_list`` queryset; ``rows(**values)`` runs it.

    Placeholders are UUIDs or strings (ids, hashes): values the ORM always sends as
    parameters. ``rows`` returns the rows as lists, converted like the queryset's own.

    ``build`` runs once per database with placeholder values (a user is ``User(pk=...)``,
    nothing else set), so it must use them only as values in the query: a Python branch
    on them (``if user.is_staff``) would be decided once, for a user who does not exist.
    """

    def __init__(self, build: Callable[..., QuerySet[Any]], **kinds: type) -> None:
        self.build = build
        self.kinds = kinds  # placeholder name -> uuid.UUID or str
        self._compiled: dict[str, tuple[str, str, list[Any], list[str | None], Any, Any]] = {}
        self._lock = threading.Lock()

    def rows(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[list[Any]]:
        connection = connections[using]
        compiled = self._compiled.get(using) or self._compile(using)
        sql, driver_sql, constants, slots, compiler, converters = compiled
        params = [
            constant if slot is None else _prep(values[slot], constant)
            for constant, slot in zip(constants, slots, strict=True)
        ]
        if connection.queries_logged or connection.execute_wrappers:
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                found = cursor.fetchall()
        else:
            found = _run_on_driver(connection, driver_sql, params)
        if converters:
            return list(compiler.apply_converters(found, converters))
        return [list(row) for row in found]

    def _compile(self, using: str) -> tuple[str, str, list[Any], list[str | None], Any, Any]:
        placeholders: dict[str, Any] = {
            name: uuid.uuid4() if kind is uuid.UUID else f"placeholder-{uuid.uuid4()}"
            for name, kind in self.kinds.items()
        }
        queryset = self.build(**placeholders)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        slots: list[str | None] = []
        for param in params:
            slots.append(next((n for n, v in placeholders.items() if param in (v, _hex(v))), None))
        missing = set(placeholders) - set(slots)
        if missing:
            raise RuntimeError(f"placeholders {sorted(missing)} are not parameters of {sql!r}")
        converters = compiler.get_converters([col for col, _, _ in compiler.select])
        compiled = (
            sql,
            _driver_sql(sql, connections[using]),
            list(params),
            slots,
            compiler,
            converters,
        )
        with self._lock:
            self._compiled[using] = compiled
        return compiled


def _driver_sql(sql: str, connection: Any) -> str:
    """``sql`` as the database driver itself takes it: on SQLite, rewritten once as Django's
    cursor rewrites it on every run ("format" placeholders to qmark)."""
    if connection.vendor == "sqlite":
        return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return sql


def _run_on_driver(connection: Any, sql: str, params: list[Any]) -> list[Any]:
    """What ``connection.cursor().execute(...)`` then ``fetchall()`` does, minus the wrappers:
    the same checks first, the driver's errors turned into Django's."""
    connection.validate_no_broken_transaction()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        if connection.vendor == "sqlite":
            cursor = connection.connection.cursor()  # Django's would rewrite the SQL
        else:
            cursor = connection.create_cursor()
        try:
            cursor.execute(sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()


def _hex(value: Any) -> Any:
    return value.hex if isinstance(value, uuid.UUID) else value


def _prep(value: Any, like: Any) -> Any:
    """``value`` in the form the compiler gave its placeholder (UUID, or its hex on SQLite)."""
    if isinstance(like, str) and isinstance(value, uuid.UUID):
        return value.hex
    return value
