"""The unit of work: the one place that commits.

Operations take the session, add and flush; whoever calls them — the request boundary
(``core.requests``), a Celery task, an ``lk`` command — runs the call in ``unit_of_work()``.
Whatever must leave the process (e-mail, webhooks) is recorded in the same transaction and
dispatched only after the commit succeeded (``after_commit``), so a rolled-back request
never sends a message.

Writers are serialised where the database cannot do it for us. PostgreSQL runs each
transaction at READ COMMITTED and the few places that need an order (the audit chain, the
document numbers) take a lock of their own. SQLite has one writer at a time: a transaction
that reads first and writes later can find another writer in between and fail with
"database is locked", whatever the busy timeout. So on SQLite a unit of work that means to
write takes the write lock when it begins (``BEGIN IMMEDIATE``, see ``core.db``), and two
writers queue instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event, func, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lk_corporate.core.db import DbSession, write_intent
from lk_corporate.core.extensions import db

_AFTER_COMMIT = "lk_after_commit"



@contextmanager
def unit_of_work(*, write: bool = True) -> Iterator[DbSession]:
    """Commit on success, roll back on any error; then run the after-commit callbacks.

    ``write=False`` for a unit that only reads (on SQLite it then takes no write lock).
    """
    session = db.session
    token = write_intent.set(write)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(_AFTER_COMMIT, None)
        raise
    finally:
        write_intent.reset(token)
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


@contextmanager
def own_transaction() -> Iterator[Session]:
    """A short writing transaction on a session of its own, beside the caller's (e.g. the
    mail sender's claim, which must be committed before the slow part starts)."""
    token = write_intent.set(True)
    try:
        with Session(db.engine, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        write_intent.reset(token)


@contextmanager
def savepoint(session: DbSession) -> Iterator[DbSession]:
    """Run a part of the unit of work that may be refused on its own: on an error its
    writes and its after-commit callbacks are undone, the rest of the unit stays."""
    callbacks = session.info.setdefault(_AFTER_COMMIT, [])
    mark = len(callbacks)
    nested = session.begin_nested()
    try:
        yield session
    except BaseException:
        if nested.is_active:
            nested.rollback()
        del session.info.setdefault(_AFTER_COMMIT, [])[mark:]
        raise
    nested.commit()


def after_commit(session: DbSession, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit of work has committed (dropped on rollback)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


_ASYNCHRONOUS = text("SET LOCAL synchronous_commit TO OFF")


def commit_without_waiting_for_the_disk(session: DbSession) -> None:
    """Let this transaction's COMMIT return before its write-ahead log is on the disk
    (PostgreSQL's asynchronous commit, for this transaction only; SQLite: nothing).

    Only for a transaction whose loss in a server crash is the same as a rollback that its
    caller redoes, and that nobody outside the database acts on before a later
    transaction of the same caller commits normally. That later commit flushes the log up
    to itself, this transaction included: the log is one sequence, so nothing committed
    after this one can survive a crash without it. The month-end job's reservation is
    such a transaction (``invoicing.tasks``): what it holds — the task running, the pair's
    numbers and amounts — is used only by the same job's second transaction, which commits
    normally; a crash in between loses both, the numbers go back to the counter with them,
    and the job starts over. What it gains: the counter rows, which every job numbering
    its pair waits for, are free without waiting for the disk."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(_ASYNCHRONOUS)


ASYNCHRONOUS_COMMIT = func.set_config("synchronous_commit", "off", True).label("asynchronous")
""":func:`commit_without_waiting_for_the_disk` as a column of a PostgreSQL statement the
transaction sends anyway (``SET LOCAL`` as a function): one round trip fewer for a
transaction that knows from its first statement that it may commit so (the month-end job's
claim, ``invoicing.runs.claim_task_and_act``)."""


def is_transient(exc: BaseException) -> bool:
    """A conflict between concurrent transactions that running again resolves: SQLite's
    "database is locked", PostgreSQL's serialization failure or deadlock, a unique key two
    transactions inserted at once."""
    if not isinstance(exc, DBAPIError):
        return False
    # psycopg 3 names the SQLSTATE ``sqlstate``, psycopg2 ``pgcode``
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    # 23505: two requests inserted the same unique key at once (a double submit, two
    # registrations with one e-mail); run again, the second sees the first and refuses
    # cleanly instead of failing.
    if code in ("40001", "40P01", "23505"):
        return True
    text = str(exc.orig)
    return ("database is locked" in text or "database table is locked" in text
            or "UNIQUE constraint failed" in text)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: object) -> None:
    if getattr(previous_transaction, "parent", None) is None:
        session.info.pop(_AFTER_COMMIT, None)
