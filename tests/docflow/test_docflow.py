"""Documents: files kept by their hash and never overwritten, moves only as the table allows
(each audited with the file's hash before and after), numbers without gaps or repeats even
when many transactions take one at once."""

from __future__ import annotations

import datetime as dt
import json
import threading

import pytest
from sqlalchemy import select

from lk_corporate.core.audit import Actor, AuditEntry, verify_chain
from lk_corporate.core.errors import InvalidTransition, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore, StoredFileMissing, sha256_hex
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import (
    add_revision,
    get_document,
    history,
    issue_document,
    next_number,
    record_receipt,
    supersede,
)
from lk_corporate.docflow.states import transition
from tests.support.factories import create_client

ACTOR = Actor(None, "tests", "10.0.0.1")


@pytest.fixture()
def store(tmp_path) -> FileStore:
    return FileStore(tmp_path / "files")


def test_files_are_kept_by_hash_and_checked(store, tmp_path):
    digest = store.put(b"%PDF-1.7 one")
    assert digest == sha256_hex(b"%PDF-1.7 one") and store.put(b"%PDF-1.7 one") == digest
    assert store.get(digest) == b"%PDF-1.7 one"
    path = store.path(digest)
    path.chmod(0o640)
    path.write_bytes(b"tampered")
    with pytest.raises(StoredFileMissing):
        store.get(digest)
    with pytest.raises(StoredFileMissing):
        store.get("../../etc/passwd")


def test_storing_the_same_new_file_at_once_leaves_one_read_only_file(store):
    """Eight threads store the same bytes into folders that do not exist yet: every one gets
    the hash, one file remains (read-only), and no temporary file is left behind."""
    from concurrent.futures import ThreadPoolExecutor

    data = b"%PDF-1.7 " + bytes(range(256)) * 64
    with ThreadPoolExecutor(8) as pool:
        digests = set(pool.map(lambda _: store.put(data), range(8)))
    assert digests == {sha256_hex(data)}
    folder = store.path(sha256_hex(data)).parent
    assert [p.name for p in folder.iterdir()] == [sha256_hex(data)]
    assert store.path(sha256_hex(data)).stat().st_mode & 0o777 == 0o440
    assert store.get(sha256_hex(data)) == data


def test_a_document_keeps_every_revision_and_audits_every_move(session, store):
    firm = create_client()
    with unit_of_work() as s:
        issued = issue_document(s, store, kind=DocumentKind.READING_ACT, number="A-1",
                                client_id=firm.id, period_id=None, date=dt.date(2026, 11, 30),
                                pdf=b"%PDF issued", actor=ACTOR)
        doc = issued.document
        assert doc.status is DocumentStatus.AWAITING_SIGNATURE
        signed = b"%PDF issued + client signature"
        add_revision(s, store, doc, signed, source=RevisionSource.CLIENT_SIGNATURE, actor=ACTOR,
                     verdict="TOTAL-PASSED", report="{}")
        transition(s, doc, DocumentStatus.RECEIVED, actor=ACTOR)
        transition(s, doc, DocumentStatus.ACCEPTED, actor=ACTOR)
    doc = get_document(db.session, doc.id, client_id=firm.id)
    assert [r.seq for r in doc.revisions] == [1, 2]
    assert store.get(doc.revisions[0].sha256) == b"%PDF issued"
    assert doc.sha256 == sha256_hex(signed) and doc.signature_count == 1
    moves = [(h["action"], h["details"].get("sha256_after")) for h in history(db.session, doc)]
    assert [m[0] for m in moves] == ["document.awaiting_signature", "document.received",
                                     "document.accepted"]
    assert all(m[1] for m in moves)
    assert verify_chain(db.session).intact


def test_moves_outside_the_table_are_refused_and_change_nothing(session, store):
    firm = create_client()
    with unit_of_work() as s:
        doc = issue_document(s, store, kind=DocumentKind.INVOICE, number="1", client_id=firm.id,
                             period_id=None, date=dt.date(2026, 11, 30), pdf=b"%PDF inv",
                             actor=ACTOR).document
    before = db.session.scalars(select(AuditEntry)).all()
    with pytest.raises(InvalidTransition), unit_of_work() as s:
        transition(s, doc, DocumentStatus.ACCEPTED, actor=ACTOR)
    db.session.expire_all()
    assert get_document(db.session, doc.id, client_id=None).status is DocumentStatus.SENT
    assert len(db.session.scalars(select(AuditEntry)).all()) == len(before)
    with unit_of_work() as s:
        assert record_receipt(s, get_document(s, doc.id, client_id=None), actor=ACTOR)
        assert not record_receipt(s, get_document(s, doc.id, client_id=None), actor=ACTOR)


def test_another_clients_document_is_not_found(session, store):
    a, b = create_client(), create_client()
    with unit_of_work() as s:
        doc = issue_document(s, store, kind=DocumentKind.READING_ACT, number="B-1",
                             client_id=b.id, period_id=None, date=dt.date(2026, 11, 30),
                             pdf=b"%PDF b", actor=ACTOR).document
    with pytest.raises(NotFound):
        get_document(db.session, doc.id, client_id=a.id)


def test_supersede_records_both_ends(session, store):
    firm = create_client()
    with unit_of_work() as s:
        old = issue_document(s, store, kind=DocumentKind.READING_ACT, number="C-1",
                             client_id=firm.id, period_id=None, date=dt.date(2026, 11, 30),
                             pdf=b"%PDF old", actor=ACTOR).document
        new = issue_document(s, store, kind=DocumentKind.READING_ACT, number="C-2",
                             client_id=firm.id, period_id=None, date=dt.date(2026, 11, 30),
                             pdf=b"%PDF new", actor=ACTOR, supersedes=old).document
        supersede(s, old, by=new, actor=ACTOR, reason="new readings")
    db.session.expire_all()
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action ==
                                                        "document.superseded")).one()
    assert json.loads(entry.details)["superseded_by"] == new.id


def test_numbers_have_no_gaps_or_repeats_under_concurrency(clean_app):
    """Eight transactions at once, each taking five numbers: 1..40, each once; a rolled-back
    transaction gives its numbers back."""
    results: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def take(fail: bool) -> None:
        with clean_app.app_context():
            barrier.wait()
            try:
                with unit_of_work() as s:
                    taken = [next_number(s, DocumentKind.INVOICE, 2026) for _ in range(5)]
                    if fail:
                        raise RuntimeError("rolled back")
                with lock:
                    results.extend(taken)
            except RuntimeError:
                pass
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(i == 3,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == list(range(1, 36))
    with unit_of_work() as s:
        assert next_number(s, DocumentKind.INVOICE, 2026) == 36
        assert next_number(s, DocumentKind.INVOICE, 2027) == 1
        assert next_number(s, DocumentKind.TAX_INVOICE, 2026) == 1
