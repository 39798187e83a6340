"""The documents pages: the client's list (newest first, filters, the seeds' words), a
document's page with its revisions and history, downloads that record receipt, and the
staff's view of every client's documents."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest

from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_OPERATOR
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import add_revision, issue_document
from lk_corporate.docflow.states import transition
from tests.clients.helpers import as_client_user, as_staff
from tests.support.factories import create_client, create_supplier

ACTOR = Actor(None, "tests")


@pytest.fixture()
def firm(session):
    create_supplier()
    return create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»")


def _issue(app, client_id: int, kind: DocumentKind, number: str, day: int,
           pdf: bytes = b"%PDF-1.7 doc") -> Document:
    store = FileStore(Path(app.config["LK_STORAGE_DIR"]))
    with unit_of_work() as s:
        return issue_document(s, store, kind=kind, number=number, client_id=client_id,
                              period_id=None, date=dt.date(2026, 11, day), pdf=pdf + number.encode(),
                              actor=ACTOR).document


def test_list_newest_first_with_filters_and_words(client, firm, app):
    act = _issue(app, firm.id, DocumentKind.READING_ACT, "A-7", 25)
    invoice = _issue(app, firm.id, DocumentKind.INVOICE, "2026-000001", 30)
    _issue(app, create_client().id, DocumentKind.INVOICE, "FOREIGN-1", 30)
    as_client_user(client, firm)
    page = client.get("/documents").get_data(as_text=True)
    assert "FOREIGN-1" not in page
    assert page.index("2026-000001") < page.index("A-7")  # newest first
    assert "Ожидает подписи" in page and "Отправлен" in page
    only_invoices = client.get("/documents?kind=invoice").get_data(as_text=True)
    assert "2026-000001" in only_invoices and "A-7" not in only_invoices
    waiting = client.get("/documents?status=awaiting_signature").get_data(as_text=True)
    assert "A-7" in waiting and "2026-000001" not in waiting
    assert client.get("/documents?kind=nonsense&status=x&period_id=abc").status_code == 200
    assert act.id and invoice.id


def test_the_list_reads_the_same_number_of_statements_for_more_documents(client, firm, app):
    """Each document's revisions (its signatures) come for the whole page at once: not one
    query per document."""
    from tests.support.statements import statements

    _issue(app, firm.id, DocumentKind.INVOICE, "2026-000001", 1)
    as_client_user(client, firm)
    assert client.get("/documents").status_code == 200
    with statements() as few:
        assert client.get("/documents").status_code == 200
    for n in range(2, 12):
        _issue(app, firm.id, DocumentKind.INVOICE, f"2026-{n:06d}", n)
    with statements() as more:
        page = client.get("/documents").get_data(as_text=True)
    assert "2026-000011" in page and len(more) == len(few)


def test_download_records_receipt_once_and_keeps_every_revision(client, firm, app):
    invoice = _issue(app, firm.id, DocumentKind.INVOICE, "2026-000002", 30)
    as_client_user(client, firm)
    first = client.get(f"/documents/{invoice.id}/file")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert "attachment" in first.headers["Content-Disposition"]
    assert first.data == b"%PDF-1.7 doc2026-000002"
    db.session.expire_all()
    assert db.session.get(Document, invoice.id).status is DocumentStatus.RECEIVED
    client.get(f"/documents/{invoice.id}/file")
    page = client.get(f"/documents/{invoice.id}").get_data(as_text=True)
    assert page.count("Документ получен") == 1 and "Получен" in page


def test_document_page_shows_revisions_and_history(client, firm, app):
    act = _issue(app, firm.id, DocumentKind.READING_ACT, "A-8", 25)
    store = FileStore(Path(app.config["LK_STORAGE_DIR"]))
    with unit_of_work() as s:
        doc = s.get(Document, act.id)
        add_revision(s, store, doc, b"%PDF-1.7 signed", source=RevisionSource.CLIENT_SIGNATURE,
                     actor=ACTOR, verdict="TOTAL-FAILED", report="{}")
        transition(s, doc, DocumentStatus.REJECTED, actor=ACTOR,
                   reason="Подпись сделана сертификатом другой организации.")
    as_client_user(client, firm)
    page = client.get(f"/documents/{act.id}").get_data(as_text=True)
    assert page.count('data-lk="revision-download"') == 2
    assert "Отклонён" in page and "сертификатом другой организации" in page
    links = re.findall(r'href="(/documents/\d+/revisions/\d+/file)"', page)
    assert [client.get(u).data for u in links] == [b"%PDF-1.7 docA-8", b"%PDF-1.7 signed"]
    assert client.get(f"/documents/{act.id}/revisions/3/file").status_code == 404


def test_staff_see_every_client_but_their_downloads_are_no_receipt(client, firm, app):
    invoice = _issue(app, firm.id, DocumentKind.INVOICE, "2026-000003", 30)
    as_staff(client, SUPPLIER_OPERATOR)
    page = client.get("/staff/documents").get_data(as_text=True)
    assert "2026-000003" in page and "ООО «Ромашка»" in page
    assert client.get(f"/staff/documents/{invoice.id}/file").status_code == 200
    db.session.expire_all()
    assert db.session.get(Document, invoice.id).status is DocumentStatus.SENT
    assert client.get("/documents").status_code == 403


def test_the_evidence_bundle_holds_every_revision_and_the_audit_trail(client, firm, app):
    act = _issue(app, firm.id, DocumentKind.READING_ACT, "A-9", 25)
    store = FileStore(Path(app.config["LK_STORAGE_DIR"]))
    with unit_of_work() as s:
        doc = s.get(Document, act.id)
        add_revision(s, store, doc, b"%PDF-1.7 signed A-9", source=RevisionSource.CLIENT_SIGNATURE,
                     actor=ACTOR, verdict="TOTAL-PASSED", report='{"signatures": []}')
        transition(s, doc, DocumentStatus.RECEIVED, actor=ACTOR)
    as_client_user(client, firm)
    page = client.get(f"/documents/{act.id}").get_data(as_text=True)
    assert 'data-lk="evidence"' in page
    r = client.get(f"/documents/{act.id}/evidence.zip")
    assert r.status_code == 200 and r.mimetype == "application/zip"
    import hashlib
    import json
    import zipfile

    with zipfile.ZipFile(io.BytesIO(r.data)) as z:
        names = sorted(n.split("/", 1)[1] for n in z.namelist())
        assert names == ["README.txt", "audit-trail.json", "document.pdf",
                         "reports/as-received.json", "reports/checked-now.json",
                         "revisions/01-issued.pdf", "revisions/02-client_signature.pdf"]
        root = z.namelist()[0].split("/")[0]
        assert z.read(f"{root}/document.pdf") == b"%PDF-1.7 signed A-9"
        trail = json.loads(z.read(f"{root}/audit-trail.json"))
        assert [e["action"] for e in trail] == ["document.awaiting_signature",
                                               "document.received"]
        assert all(e["hash_checks"] for e in trail)
        assert trail[-1]["details"]["sha256_after"] == hashlib.sha256(
            b"%PDF-1.7 signed A-9").hexdigest()
    # Same evidence, same bytes; another client's document: not found.
    assert client.get(f"/documents/{act.id}/evidence.zip").data == r.data
    other = _issue(app, create_client().id, DocumentKind.READING_ACT, "X-1", 25)
    assert client.get(f"/documents/{other.id}/evidence.zip").status_code == 404


def test_a_cyrillic_number_downloads_under_a_header_http_can_carry(client, firm, app):
    """Headers are Latin-1 on the wire: «АП-123» goes in ``filename*`` (RFC 6266)."""
    act = _issue(app, firm.id, DocumentKind.READING_ACT, "АП-123-2026-10", 25)
    as_client_user(client, firm)
    header = client.get(f"/documents/{act.id}/file").headers["Content-Disposition"]
    header.encode("latin-1")
    assert header.startswith('attachment; filename="reading_act-__-123-2026-10.pdf"')
    assert "filename*=UTF-8''reading_act-%D0%90%D0%9F-123-2026-10.pdf" in header
    # The evidence bundle of the same act, and the API's download of it, likewise.
    bundle = client.get(f"/documents/{act.id}/evidence.zip").headers["Content-Disposition"]
    bundle.encode("latin-1")
    assert "filename*=UTF-8''reading_act-%D0%90%D0%9F-123-2026-10-evidence.zip" in bundle
