"""``core.uow``: what a unit of work changes about its own transaction stays in it."""

from __future__ import annotations

from sqlalchemy import text

from lk_corporate.core.extensions import db
from lk_corporate.core.uow import commit_without_waiting_for_the_disk, unit_of_work


def test_an_asynchronous_commit_is_this_transactions_only(session):
    """The month-end job's reservation commits without waiting for the disk; the pooled
    connection must not carry that into the next transaction (the one that issues the
    invoices must wait for the disk)."""
    postgresql = db.engine.dialect.name == "postgresql"
    db.session.remove()
    with unit_of_work() as s:
        commit_without_waiting_for_the_disk(s)
        if postgresql:
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "off"
            backend = s.execute(text("SELECT pg_backend_pid()")).scalar()
    with unit_of_work() as s:
        if postgresql:
            assert s.execute(text("SELECT pg_backend_pid()")).scalar() == backend  # the same
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"
        else:
            assert s.execute(text("SELECT 1")).scalar() == 1  # SQLite: nothing to change
