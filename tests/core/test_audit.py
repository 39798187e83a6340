"""The audit chain: intact after appends; broken by any edit or deletion, found by
``lk audit verify`` run as a real command against the real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from lk_corporate.core.audit import Actor, AuditEntry, record, verify_chain
from lk_corporate.core.extensions import db

LK = str(Path(sys.executable).parent / "lk")


def _append(n: int) -> None:
    for i in range(n):
        record(db.session, "test.event", actor=Actor(None, "tester", "127.0.0.1"),
               object_type="thing", object_id=i, details={"i": i, "text": "Привет"})
    db.session.commit()


def _lk_audit_verify(database_url: str) -> subprocess.CompletedProcess[str]:
    # No checkpoints (test_audit_anchor.py has those), not even a demo's in instance/.
    env = {**os.environ, "LK_DATABASE_URL": database_url,
           "LK_AUDIT_CHECKPOINT_DIR": "/nonexistent/lk-audit-checkpoints"}
    return subprocess.run([LK, "audit", "verify"], env=env, capture_output=True, text=True,
                          check=False, timeout=60, stdin=subprocess.DEVNULL)


def test_chain_intact_after_appends(session, database_url):
    _append(5)
    report = verify_chain(db.session)
    assert report.intact and report.entries == 5
    result = _lk_audit_verify(database_url)
    assert result.returncode == 0, result.stderr
    assert "intact: 5 entries" in result.stdout


@pytest.mark.parametrize("column,value", [
    ("details", '{"i":1,"text":"Пока"}'),
    ("actor", "somebody else"),
    ("action", "test.other"),
    ("ip", "10.0.0.1"),
])
def test_edit_by_hand_is_detected(session, database_url, column, value):
    _append(4)
    with db.engine.begin() as conn:
        conn.execute(sa.text(f"UPDATE audit_entries SET {column} = :v WHERE seq = 2"), {"v": value})
    db.session.expire_all()
    report = verify_chain(db.session)
    assert not report.intact
    assert any(p.seq == 2 and "edited" in p.message for p in report.problems)
    result = _lk_audit_verify(database_url)
    assert result.returncode == 1
    assert "entry #2" in result.stderr


def test_rehashed_edit_still_breaks_the_next_link(session):
    """An attacker who also recomputes the edited entry's hash breaks the next entry's link."""
    _append(3)
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.seq == 2)).one()
    entry.details = '{"forged":true}'
    entry.hash = entry.computed_hash()
    db.session.commit()
    report = verify_chain(db.session)
    assert any(p.seq == 3 and "link" in p.message for p in report.problems)


def test_deleted_middle_entry_is_detected(session, database_url):
    _append(4)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_entries WHERE seq = 2"))
    report = verify_chain(db.session)
    assert not report.intact
    assert any("missing" in p.message for p in report.problems)
    assert _lk_audit_verify(database_url).returncode == 1


def test_deleted_last_entry_is_detected(session, database_url):
    _append(4)
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM audit_entries WHERE seq = 4"))
    report = verify_chain(db.session)
    assert not report.intact
    assert any("deleted" in p.message for p in report.problems)
    result = _lk_audit_verify(database_url)
    assert result.returncode == 1 and "deleted" in result.stderr


def test_fork_is_refused(session):
    """Two entries may never claim the same predecessor."""
    _append(1)
    first = db.session.scalars(sa.select(AuditEntry)).one()
    clone = AuditEntry(seq=2, created_at=first.created_at, actor="x", ip="", action="a",
                       object_type="", object_id="", details="{}", prev_hash=first.prev_hash,
                       hash="f" * 64)
    db.session.add(clone)
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()
