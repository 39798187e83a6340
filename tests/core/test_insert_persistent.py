"""``core.db.insert_persistent``: rows inserted by one statement come back as persistent
objects with every column set (defaults included), so reading them sends nothing more."""

from __future__ import annotations

import datetime as dt

import pytest

from lk_corporate.core.db import insert_persistent, utcnow
from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from tests.support.factories import create_client
from tests.support.statements import statements


def test_rows_come_back_persistent_and_complete(session):
    client = create_client()
    now = utcnow()
    rows = [{"kind": DocumentKind.INVOICE, "number": f"2026-00000{i}", "client_id": client.id,
             "period_id": None, "status": DocumentStatus.SENT, "date": dt.date(2026, 10, 31),
             "sha256": f"{i}" * 64, "created_at": now, "updated_at": now} for i in (1, 2)]
    with statements() as sent:
        made = insert_persistent(db.session, Document, rows)
        # every column is known: reading them, and finding them again, asks nothing
        assert [d.number for d in made] == ["2026-000001", "2026-000002"]
        assert [d.status_reason for d in made] == ["", ""]  # the column's Python default
        assert made[0].received_at is None and made[0].supersedes_id is None
        assert db.session.get(Document, made[0].id) is made[0]
        assert not db.session.dirty and not db.session.new
    # One statement on PostgreSQL; SQLite's driver may send it once per row (RETURNING in
    # the parameters' order), never anything else.
    assert sent and all(s.lstrip().startswith("INSERT INTO documents") for s in sent)
    assert len(sent) <= len(rows)
    assert made[0].id != made[1].id
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Document, made[1].id)
    assert again is not None and again.sha256 == "2" * 64 and again.status is DocumentStatus.SENT


def test_a_column_without_value_or_default_is_refused(session):
    with pytest.raises(ValueError, match="Document.kind"):
        insert_persistent(db.session, Document, [{"number": "x"}])
