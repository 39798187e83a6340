"""``core.uow``: what a unit of work changes about its own transaction stays in it."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

from lk_corporate.core.extensions import db
from lk_corporate.core.uow import commit_without_waiting_for_the_disk


def test_an_asynchronous_commit_is_this_transactions_only(session):
    """The month-end job's reservation commits without waiting for the disk; the connection
    must not carry that into its next transaction (the one that issues the invoices must
    wait for the disk). One connection for both transactions, as the pool hands it on."""
    postgresql = db.engine.dialect.name == "postgresql"
    with db.engine.connect() as connection:
        with Session(bind=connection) as first, first.begin():
            commit_without_waiting_for_the_disk(first)
            if postgresql:
                assert first.execute(text("SHOW synchronous_commit")).scalar() == "off"
        with Session(bind=connection) as second, second.begin():
            if postgresql:
                assert second.execute(text("SHOW synchronous_commit")).scalar() == "on"
            else:  # SQLite: nothing to change, and nothing changed
                assert second.execute(text("SELECT 1")).scalar() == 1
