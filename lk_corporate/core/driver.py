"""Statements sent straight to the database driver, for the few that run for every client of a
month-end batch.

SQLAlchemy's Core execution costs about three times what psycopg's own takes for the same
statement (0.09 against 0.03 ms of CPU for a one-row select, measured alone; more in the
job, whose other work evicts the caches): the execution context, the result object, the
parameter and row processing in general form. The month-end job runs a dozen such prebuilt
statements per client, and the workers' CPU is what limits the batch (``BENCHMARKS.md``).

:func:`execute` runs a prebuilt Core statement in the session's transaction. On PostgreSQL
through psycopg it sends the statement compiled once per dialect to the driver's cursor,
with SQLAlchemy's own processing of the parameters and the rows, worked out once per
statement (so enums, the UTC type and decimals come and go as through SQLAlchemy). A
driver error is raised as SQLAlchemy's ``DBAPIError`` (the connection invalidated when it
is gone), so callers that start over on a lost database (``invoicing.tasks``) see what
they would see otherwise. Any other database, or a statement whose SQL depends on its
parameters (an expanding ``IN``), goes through SQLAlchemy as usual.

:func:`insert_many` does the same for an INSERT of several rows: psycopg's ``executemany``,
pipelined (one round trip), its RETURNING in the rows' order.

While anything listens for the statements sent (SQLAlchemy's ``before_cursor_execute``: a
test counting them), both run through SQLAlchemy, so that nothing goes unseen. SQLAlchemy's
logging of statements (``echo``) is skipped.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Executable, Insert, Select, UpdateBase
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:  # core.db sends its inserts and advisory locks through here
    from lk_corporate.core.db import DbSession

__all__ = ["execute", "insert_many"]

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Plan:  # frozen, but ``columns`` is filled once
    """A statement as the driver gets it, and how its values and rows are processed."""

    sql: str
    defaults: dict[str, Any]
    """The values the statement carries itself (``.values(status=DONE)``), processed."""
    binds: dict[str, _Processor]
    """Each parameter's processing, by name (None: sent as it is)."""
    row: type[Any] | None
    """A named tuple of the result's columns (None: the statement returns no rows)."""
    types: tuple[Any, ...]
    """Each result column's SQLAlchemy type, for its processing."""
    statement: Executable
    """Kept so that the cache key (its ``id``) cannot be reused by another object."""
    columns: list[tuple[_Processor, ...]]
    """Each result column's processing (None: as the driver gives it), worked out at the
    first execution: it depends on the type the driver reports (a numeric as Decimal)."""

    def processors(self, description: Sequence[Any], dialect: Dialect) -> tuple[_Processor, ...]:
        if not self.columns:
            self.columns.append(tuple(
                t.dialect_impl(dialect).result_processor(dialect, d[1])
                for t, d in zip(self.types, description, strict=True)))
        return self.columns[0]


_PLANS: dict[tuple[int, str, tuple[str, ...]], _Plan | None] = {}


def _row_type(names: list[str]) -> type[Any]:
    """A named tuple of ``names`` (as SQLAlchemy's rows, by attribute and by position)."""
    return namedtuple("Row", names, rename=True)  # type: ignore[misc]


def _driver_plan(connection: Connection, statement: Executable,
                 columns: tuple[str, ...] = ()) -> _Plan | None:
    """The statement's plan, or None where SQLAlchemy must execute it: another driver, or
    someone listening for the statements sent (a test counting them)."""
    if connection.dialect.driver != "psycopg" or connection.dispatch.before_cursor_execute:
        return None
    return _plan(statement, connection.dialect, columns)


def _plan(statement: Executable, dialect: Dialect, columns: tuple[str, ...] = ()
          ) -> _Plan | None:
    """``columns``: an INSERT's columns (those of its rows), as SQLAlchemy compiles it."""
    key = (id(statement), dialect.name, columns)
    if key in _PLANS:
        return _PLANS[key]
    compiled = statement.compile(  # type: ignore[attr-defined]
        dialect=dialect, **({"column_keys": list(columns)} if columns else {}))
    plan = None
    if "POSTCOMPILE" not in compiled.string and compiled.positiontup is None:
        binds = {}
        defaults = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            binds[name] = processor
            if not bind.required:
                value = bind.effective_value
                defaults[name] = processor(value) if processor and value is not None else value
        row: type[Any] | None = None
        returned = (statement.selected_columns if isinstance(statement, Select)
                    else statement.exported_columns if isinstance(statement, UpdateBase)
                    else None)
        if returned:
            row = _row_type([str(c.key) for c in returned])
        plan = _Plan(compiled.string, defaults, binds, row,
                     tuple(c.type for c in returned or ()), statement, [])
    _PLANS[key] = plan
    return plan


def _values(plan: _Plan, params: Mapping[str, Any]) -> dict[str, Any]:
    values = dict(plan.defaults)
    for name, value in params.items():
        processor = plan.binds.get(name)
        values[name] = processor(value) if processor is not None and value is not None \
            else value
    return values


def _rows(plan: _Plan, raw: Sequence[Any], processors: tuple[_Processor, ...]) -> list[Any]:
    assert plan.row is not None
    make = plan.row._make
    if not any(processors):
        return [make(r) for r in raw]
    return [make([v if p is None or v is None else p(v) for p, v in zip(processors, r)])
            for r in raw]


@contextmanager
def _cursor(connection: Connection, plan: _Plan, values: Any) -> Iterator[Any]:
    """The driver's cursor; a driver error raised as SQLAlchemy's ``DBAPIError``."""
    dialect = connection.dialect
    fairy = connection.connection
    cursor = fairy.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        yield cursor
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, fairy.dbapi_connection, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(plan.sql, values, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from exc
    finally:
        cursor.close()


def execute(session: DbSession, statement: Executable,
            params: Mapping[str, Any] | None = None) -> Sequence[Any]:
    """Run ``statement`` in the session's transaction; its rows (named tuples), or an empty
    list for a statement that returns none."""
    connection = session.connection()
    dialect = connection.dialect
    plan = _driver_plan(connection, statement)
    if plan is None:
        result = connection.execute(statement, dict(params or {}))
        return result.all() if result.returns_rows else []
    values = _values(plan, params or {})
    with _cursor(connection, plan, values) as cursor:
        cursor.execute(plan.sql, values)
        if plan.row is None:
            return []
        return _rows(plan, cursor.fetchall(), plan.processors(cursor.description, dialect))


def insert_many(session: DbSession, statement: Insert, rows: Sequence[Mapping[str, Any]]
                ) -> Sequence[Any]:
    """Insert ``rows`` (each with the same columns) with ``statement``; what its RETURNING
    gives, one row per row inserted, in the rows' order. On psycopg one ``executemany``
    (pipelined: one round trip), else SQLAlchemy's "insertmanyvalues" (its RETURNING sorted
    by the parameters' order)."""
    if not rows:
        return []
    connection = session.connection()
    dialect = connection.dialect
    plan = _driver_plan(connection, statement, tuple(rows[0]))
    if plan is None:
        result = connection.execute(statement, [dict(r) for r in rows])
        return result.all() if result.returns_rows else []
    values = [_values(plan, r) for r in rows]
    with _cursor(connection, plan, values) as cursor:
        cursor.executemany(plan.sql, values, returning=plan.row is not None)
        if plan.row is None:
            return []
        raw = []
        processors: tuple[_Processor, ...] = ()
        while True:
            raw.extend(cursor.fetchall())
            processors = processors or plan.processors(cursor.description, dialect)
            if not cursor.nextset():
                break
        return _rows(plan, raw, processors)
