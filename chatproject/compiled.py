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

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import Model, QuerySet
from django.db.models.signals import post_save, pre_save
from django.db.models.sql.subqueries import InsertQuery


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
        found = _run(connection, sql, driver_sql, params)
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


class CompiledInsert:
    """``model.objects.create(**values)`` on the default database for a row written on
    every send, with the INSERT compiled once.

    ``Model.save`` compiles its INSERT anew for every row: for a send's two rows (the
    message and its event) about half of the ~0.6 ms of CPU they took to write, on SQLite
    and on PostgreSQL (this saves ~0.3 ms per send; ``bench/RESULTS.md``, round 7).

    This builds the object and runs Django's own ``pre_save`` and value preparation for
    each field, as ``save`` does, with the SQL of the first row. The object comes back
    saved, its returned columns (an auto-increment id) set. Where ``save`` would do more,
    it simply saves: when a ``pre_save`` or ``post_save`` receiver listens to the model,
    when a model inherits from another or orders with respect to one, or when a value is
    an expression rather than a value.
    """

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self._compiled: dict[bool, tuple[Any, ...]] = {}  # by whether the pk is set
        self._lock = threading.Lock()

    def create(self, **values: Any) -> Any:
        using = DEFAULT_DB_ALIAS
        obj: Any = self.model(**values)
        meta = self.model._meta
        if (
            meta.parents
            or meta.order_with_respect_to
            or pre_save.has_listeners(self.model)
            or post_save.has_listeners(self.model)
            or any(hasattr(v, "resolve_expression") for v in values.values())
        ):
            obj.save(force_insert=True, using=using)
            return obj
        obj._prepare_related_fields_for_save(operation_name="save")
        if not obj._is_pk_set(meta):
            pk: Any = meta.pk
            setattr(obj, pk.attname, pk.get_pk_value_on_save(obj))
        pk_set = obj._is_pk_set(meta)
        connection = connections[using]
        compiled = self._compiled.get(pk_set) or self._compile(using, pk_set, obj)
        sql, driver_sql, fields, returning, compiler, converters = compiled
        params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in fields]
        with transaction.mark_for_rollback_on_error(using):
            rows = _run(connection, sql, driver_sql, params, fetch=bool(returning))
        if converters:
            rows = list(compiler.apply_converters(rows, converters))
        for row in rows:
            for field, value in zip(returning, row, strict=True):
                setattr(obj, field.attname, value)
        obj._state.adding = False
        obj._state.db = using
        return obj

    def _compile(self, using: str, pk_set: bool, obj: Model) -> tuple[Any, ...]:
        """Django's INSERT for ``obj``, with the fields ``Model._save_table`` inserts."""
        meta = self.model._meta
        connection = connections[using]
        fields = [
            f
            for f in meta.local_concrete_fields
            if not f.generated and (pk_set or f is not meta.auto_field)
        ]
        returning = list(meta.db_returning_fields)
        if returning and not connection.features.can_return_columns_from_insert:
            raise RuntimeError(f"{connection.vendor} cannot return the columns of {meta.label}")
        query = InsertQuery(self.model)
        query.insert_values(fields, [obj])
        compiler = query.get_compiler(using=using)
        compiler.returning_fields = returning
        [(sql, params)] = compiler.as_sql()
        if len(params) != len(fields):
            raise RuntimeError(f"{sql!r} does not take one parameter per field")
        converters = compiler.get_converters([f.get_col(meta.db_table) for f in returning])
        compiled = (sql, _driver_sql(sql, connection), fields, returning, compiler, converters)
        with self._lock:
            self._compiled[pk_set] = compiled
        return compiled


def _driver_sql(sql: str, connection: Any) -> str:
    """``sql`` as the database driver itself takes it: on SQLite, rewritten once as Django's
    cursor rewrites it on every run ("format" placeholders to qmark)."""
    if connection.vendor == "sqlite":
        return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")
    return sql


def _run(
    connection: Any, sql: str, driver_sql: str, params: list[Any], *, fetch: bool = True
) -> list[Any]:
    """Run compiled SQL: through Django's cursor while queries are logged or wrapped (DEBUG,
    ``CaptureQueriesContext``, an ``execute_wrapper``), else straight to the driver."""
    if connection.queries_logged or connection.execute_wrappers:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if fetch else []
    return _run_on_driver(connection, driver_sql, params, fetch=fetch)


def _run_on_driver(
    connection: Any, sql: str, params: list[Any], *, fetch: bool = True
) -> list[Any]:
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
            return cursor.fetchall() if fetch else []
        finally:
            cursor.close()


def _hex(value: Any) -> Any:
    return value.hex if isinstance(value, uuid.UUID) else value


def _prep(value: Any, like: Any) -> Any:
    """``value`` in the form the compiler gave its placeholder (UUID, or its hex on SQLite)."""
    if isinstance(like, str) and isinstance(value, uuid.UUID):
        return value.hex
    return value
