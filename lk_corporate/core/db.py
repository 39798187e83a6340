"""The declarative base and the column types every model uses.

Money and quantities are ``Numeric`` mapped to ``Decimal``; times are timezone-aware UTC on
both PostgreSQL and SQLite (SQLite stores no zone, so the type re-attaches UTC on load).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias, TypeVar, cast

from sqlalchemy import (
    CursorResult,
    DateTime,
    Engine,
    MetaData,
    Numeric,
    TypeDecorator,
    event,
    insert,
    text,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import DeclarativeBase, Session, make_transient_to_detached, scoped_session
from sqlalchemy.orm.attributes import instance_state

from lk_corporate.core import driver

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# Whether the transactions begun in this context mean to write: ``core.uow`` sets it, the
# SQLite BEGIN hook below reads it. A context variable, so threads and requests each have
# their own.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("lk_write_intent",
                                                                    default=False)


# What operations take: a session, or Flask-SQLAlchemy's ``db.session`` (a scoped session that
# proxies one), so controllers, tasks and commands pass what they have.
DbSession: TypeAlias = Session | scoped_session[Any]


def utcnow() -> dt.datetime:
    """Now, as an aware UTC datetime (the only kind of time the models hold)."""
    return dt.datetime.now(dt.UTC)


_ADVISORY_LOCKS = {1: text("SELECT pg_advisory_xact_lock(:a)"),
                   2: text("SELECT pg_advisory_xact_lock(:a, :b)")}


def advisory_lock(session: DbSession, *key: int) -> None:
    """Wait for PostgreSQL's advisory lock ``key`` (one 64-bit number, or two 32-bit ones:
    a space and an item), held until the transaction ends. For the orders the rows cannot
    give: the audit chain's appends, the launches of a period's calculation. SQLite: nothing,
    it has one writer at a time anyway (``core.uow``)."""
    if session.get_bind().dialect.name == "postgresql":
        driver.execute(session, _ADVISORY_LOCKS[len(key)], dict(zip("ab", key)))


class UTCDateTime(TypeDecorator[dt.datetime]):
    """An aware datetime stored as UTC; naive values are refused rather than guessed."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Money(TypeDecorator[Decimal]):
    """An amount in the supplier's currency: 2 decimal places, never a float."""

    impl = Numeric(18, 2, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Decimal | None:
        return _decimal(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))


class Quantity(TypeDecorator[Decimal]):
    """A meter reading, ratio, volume or tariff: up to 6 decimal places, never a float."""

    impl = Numeric(20, 6, asdecimal=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> Decimal | None:
        return _decimal(value)

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        return None if value is None else Decimal(str(value))


def _decimal(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money or quantities; pass a Decimal")
    return Decimal(value)


class Base(DeclarativeBase):
    """Base of every model: shared metadata with a constraint naming convention."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_READS = ("SELECT", "PRAGMA", "EXPLAIN")


def configure_engine(engine: Engine) -> None:
    """Connection settings the product relies on, per dialect.

    SQLite allows one writer at a time, and a transaction that read first and writes later
    fails at once ("database is locked") when another writer got in between — however long
    the busy timeout. So the driver's own transaction handling is switched off and BEGIN is
    ours: a unit of work that means to write (``write_intent``) starts with ``BEGIN
    IMMEDIATE`` and queues on the busy timeout for the write lock instead of failing; any
    other connection reads in autocommit, each statement seeing the latest commit (as
    PostgreSQL's READ COMMITTED does), and takes the write lock, again IMMEDIATE, right
    before its first write. WAL lets readers go on while one writer writes.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout = 30000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        if write_intent.get():
            _begin_writing(connection.connection.dbapi_connection)

    @event.listens_for(engine, "before_cursor_execute")
    def _before_write(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction and connection.in_transaction() \
                and not statement.lstrip()[:7].upper().startswith(_READS):
            _begin_writing(dbapi_connection)


def _begin_writing(dbapi_connection: Any) -> None:
    if not dbapi_connection.in_transaction:
        dbapi_connection.execute("BEGIN IMMEDIATE")


def rows_changed(result: Any) -> int:
    """How many rows an UPDATE or DELETE changed (``session.execute`` is typed as returning
    a plain ``Result``; for these statements it is a ``CursorResult``)."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class _InsertPlan:
    """What ``insert_persistent`` needs of a model, worked out once per model: the statement
    (its cache key is then computed once too), the primary key, and per column its attribute
    and how to fill it when a row leaves it out."""

    statement: Any
    pk_attribute: str
    attributes: dict[str, str]
    """column key -> mapped attribute name"""
    defaults: tuple[tuple[str, Any, bool], ...]
    """(column key, default, callable) of the columns with a Python-side default, or None
    for a nullable column without one."""
    required: tuple[str, ...]
    """Columns with neither a default nor NULL allowed."""


_PLANS: dict[type[Base], _InsertPlan] = {}


def _insert_plan(model: type[Base]) -> _InsertPlan:
    plan = _PLANS.get(model)
    if plan is not None:
        return plan
    mapper = sa_inspect(model)
    table = mapper.local_table
    (pk,) = mapper.primary_key
    defaults: list[tuple[str, Any, bool]] = []
    required: list[str] = []
    for column in table.columns:
        if column is pk:
            continue
        default = column.default
        if default is None:
            if column.nullable:
                defaults.append((column.key, None, False))
            else:
                required.append(column.key)
        elif getattr(default, "is_scalar", False):
            defaults.append((column.key, default.arg, False))  # type: ignore[attr-defined]
        else:
            defaults.append((column.key, default.arg, True))  # type: ignore[attr-defined]
    plan = _PLANS[model] = _InsertPlan(
        statement=insert(model).returning(pk, sort_by_parameter_order=True),
        pk_attribute=mapper.get_property_by_column(pk).key,
        attributes={c.key: mapper.get_property_by_column(c).key for c in table.columns},
        defaults=tuple(defaults), required=tuple(required))
    return plan


def insert_persistent(session: DbSession, model: type[M], rows: Sequence[dict[str, Any]]
                      ) -> list[M]:
    """Insert ``rows`` with one Core statement and return them as persistent objects of
    ``model`` in ``session``, as if they had been added and flushed.

    Why: the month-end job inserts these rows for every client, and the flush's bookkeeping
    (change tracking, ordering by dependency, a pass per mapper) serves nothing when the rows
    are new and complete. The objects are built from the values given, the columns'
    Python-side defaults and the generated primary keys, as a query builds what it loads
    (the class's bare instance with its attributes set as loaded: the constructor's change
    events would record history that is thrown away at once), then attached as already
    persistent (``make_transient_to_detached``): no further statement, and no lazy load of a
    column later, since every column has its value. A column with neither a value nor a
    Python-side default is refused (its database default is unknown here).
    """
    if not rows:
        return []
    session.flush()  # what is pending goes first, as an autoflush would send it
    plan = _insert_plan(model)
    complete = []
    for row in rows:
        values = dict(row)
        for key in plan.required:
            if key not in values:
                raise ValueError(f"{model.__name__}.{key}: no value and no default")
        for key, default, call in plan.defaults:
            if key not in values:
                values[key] = default(None) if call else default
        complete.append(values)
    ids = [row[0] for row in driver.insert_many(session, plan.statement, complete)]
    manager = sa_inspect(model).class_manager
    attributes = plan.attributes
    objects: list[M] = []
    for key, values in zip(ids, complete, strict=True):
        obj = cast(M, manager.new_instance())
        state = instance_state(obj)
        state.dict.update({attributes[k]: v for k, v in values.items()})
        state.dict[plan.pk_attribute] = key
        make_transient_to_detached(obj)
        session.add(obj)
        objects.append(obj)
    return objects
