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

What the shortcut skips: SQLAlchemy's cursor events (nothing of the portal's listens on
PostgreSQL; the tests that count a page's statements count pages, which do not use this)
and its logging of statements.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Executable, Select, UpdateBase
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:  # core.db runs its advisory locks through here
    from lk_corporate.core.db import DbSession

__all__ = ["execute"]

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


_PLANS: dict[tuple[int, str], _Plan | None] = {}


def _row_type(names: list[str]) -> type[Any]:
    """A named tuple of ``names`` (as SQLAlchemy's rows, by attribute and by position)."""
    return namedtuple("Row", names, rename=True)  # type: ignore[misc]


def _plan(statement: Executable, dialect: Dialect) -> _Plan | None:
    key = (id(statement), dialect.name)
    if key in _PLANS:
        return _PLANS[key]
    compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
    plan = None
    if "POSTCOMPILE" not in compiled.string and compiled.positiontup is None:
        binds = {}
        defaults = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            binds[name] = processor
            if bind.value is not None or not bind.required:
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


def execute(session: DbSession, statement: Executable,
            params: Mapping[str, Any] | None = None) -> Sequence[Any]:
    """Run ``statement`` in the session's transaction; its rows (named tuples), or an empty
    list for a statement that returns none."""
    connection = session.connection()
    dialect = connection.dialect
    plan = _plan(statement, dialect) if dialect.driver == "psycopg" else None
    if plan is None:
        result = connection.execute(statement, dict(params or {}))
        return result.all() if result.returns_rows else []
    values = dict(plan.defaults)
    for name, value in (params or {}).items():
        processor = plan.binds.get(name)
        values[name] = processor(value) if processor is not None and value is not None \
            else value
    fairy = connection.connection
    cursor = fairy.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(plan.sql, values)
        if plan.row is not None:
            raw = cursor.fetchall()
            processors = plan.processors(cursor.description, dialect)
    except dialect.loaded_dbapi.Error as exc:
        lost = dialect.is_disconnect(exc, fairy.dbapi_connection, cursor)
        if lost:
            connection.invalidate(exc)
        raise DBAPIError.instance(plan.sql, values, exc, dialect.loaded_dbapi.Error,
                                  connection_invalidated=lost, dialect=dialect) from exc
    finally:
        cursor.close()
    if plan.row is None:
        return []
    make = plan.row._make
    if not any(processors):
        return [make(r) for r in raw]
    return [make([v if p is None or v is None else p(v) for p, v in zip(processors, r)])
            for r in raw]
