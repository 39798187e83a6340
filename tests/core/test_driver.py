"""``core.driver.execute``: a prebuilt statement sent straight to psycopg gives what SQLAlchemy
gives (the same values and types both ways: enums, decimals, UTC times), and a driver error
arrives as SQLAlchemy's, the connection invalidated when it is gone; on SQLite it is
SQLAlchemy's own execution."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import bindparam, literal, select, text, update
from sqlalchemy.exc import DBAPIError

from lk_corporate.core import driver
from lk_corporate.core.audit import Actor, AuditEntry, Event, record_many
from lk_corporate.core.db import insert_persistent, utcnow
from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.invoicing.models import Invoice
from tests.support.factories import create_client
from tests.support.statements import statements

_DOCUMENTS = (select(Document.id, Document.kind, Document.status, Document.created_at,
                     Document.number)
              .where(Document.client_id == bindparam("client_id"),
                     Document.status == DocumentStatus.SENT)
              .order_by(Document.id))
_RENUMBER = (update(Document).where(Document.id == bindparam("document"))
             .values(status=bindparam("to"), status_reason="voided in a test")
             .returning(Document.id, Document.status, Document.updated_at))
_EXPANDING = select(Document.number).where(Document.id.in_(bindparam("ids", expanding=True)))


def _documents(client_id: int, count: int) -> list[Document]:
    now = utcnow()
    return insert_persistent(db.session, Document, [
        {"kind": DocumentKind.INVOICE, "number": f"2026-00{client_id:02d}{i:02d}",
         "client_id": client_id, "period_id": None, "status": DocumentStatus.SENT,
         "date": dt.date(2026, 10, 31), "sha256": f"{i}" * 64, "created_at": now,
         "updated_at": now} for i in range(count)])


def test_rows_as_sqlalchemy_gives_them(session):
    client = create_client()
    made = _documents(client.id, 3)
    fast = driver.execute(db.session, _DOCUMENTS, {"client_id": client.id})
    slow = db.session.execute(_DOCUMENTS, {"client_id": client.id}).all()
    assert [tuple(r) for r in fast] == [tuple(r) for r in slow]
    assert [r.id for r in fast] == [d.id for d in made]
    first = fast[0]
    assert first.kind is DocumentKind.INVOICE and first.status is DocumentStatus.SENT
    assert first.created_at.tzinfo is not None and first.created_at.utcoffset() == dt.timedelta(0)


def test_values_the_statement_carries_and_returning(session):
    client = create_client()
    (document,) = _documents(client.id, 1)
    (row,) = driver.execute(db.session, _RENUMBER, {"document": document.id,
                                                    "to": DocumentStatus.VOIDED})
    assert (row.id, row.status) == (document.id, DocumentStatus.VOIDED)
    db.session.expire_all()
    again = db.session.get(Document, document.id)
    assert again is not None and again.status is DocumentStatus.VOIDED
    assert again.status_reason == "voided in a test"
    # a statement that returns nothing gives an empty list; one with an expanding IN (its
    # SQL depends on the parameters) goes through SQLAlchemy
    assert driver.execute(db.session, text("SELECT 1 WHERE 1 = 0")) == []
    assert [r.number for r in driver.execute(db.session, _EXPANDING,
                                             {"ids": [document.id]})] == [document.number]


def test_decimals_stay_decimals(session):
    client = create_client()
    statement = select(Invoice.total, Invoice.net).where(Invoice.client_id == bindparam("c"))
    assert driver.execute(db.session, statement, {"c": client.id}) == []
    literal = select(bindparam("amount", Decimal("59531.62"), type_=Invoice.total.type))
    (row,) = driver.execute(db.session, literal)
    assert row[0] == Decimal("59531.62") and isinstance(row[0], Decimal)


def test_a_driver_error_is_sqlalchemys_and_the_transaction_can_go_on(session):
    with pytest.raises(DBAPIError) as raised:
        driver.execute(db.session, text("SELECT * FROM no_such_table"))
    assert not raised.value.connection_invalidated
    db.session.rollback()
    assert [tuple(r) for r in driver.execute(db.session, select(literal(1).label("one")))] \
        == [(1,)]


def test_a_lost_connection_is_invalidated_and_the_next_transaction_gets_a_new_one(session):
    """As the month-end job needs it: a restarted server shows as a ``DBAPIError`` with the
    connection invalidated, and the session then works on a fresh connection."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("cutting a connection is a PostgreSQL test (LK_TEST_DATABASE_URL)")
    victim = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
    with db.engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
    with pytest.raises(DBAPIError) as raised:
        driver.execute(db.session, select(Document.id).limit(1))
    assert raised.value.connection_invalidated
    db.session.rollback()
    assert db.session.execute(text("SELECT pg_backend_pid()")).scalar() != victim


def test_many_rows_inserted_come_back_in_their_order(session):
    """``insert_many`` (``insert_persistent`` and the audit chain use it): one RETURNING row
    per row, in the rows' order, whatever order the database wrote them in."""
    client = create_client()
    made = _documents(client.id, 5)
    numbers = {d.id: d.number for d in made}
    assert sorted(numbers.values()) == [d.number for d in made]
    db.session.expire_all()
    for document in made:
        assert db.session.get(Document, document.id).number == numbers[document.id]
    before = db.session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1))
    actor = Actor.system("test")
    record_many(db.session, [Event("test.one", actor), Event("test.two", actor)])
    rows = db.session.execute(select(AuditEntry.seq, AuditEntry.action)
                              .where(AuditEntry.action.like("test.%"))
                              .order_by(AuditEntry.seq)).all()
    assert [tuple(r) for r in rows] == [((before or 0) + 1, "test.one"),
                                        ((before or 0) + 2, "test.two")]


def test_a_listener_sees_every_statement(session):
    """While something counts the statements, they go through SQLAlchemy and are seen."""
    client_id = create_client().id
    with statements() as sent:
        driver.execute(db.session, _DOCUMENTS, {"client_id": client_id})
        _documents(client_id, 2)
    assert sent[0].lstrip().startswith("SELECT documents.id")
    assert any(s.lstrip().startswith("INSERT INTO documents") for s in sent[1:])
