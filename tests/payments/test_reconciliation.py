"""Reconciliation acts: the figures from invoices and payments, the supplier's certifying
signature, the client's signature on the signing page as the agreement (both signatures
valid), a disagreement with a comment per line going to the staff's list."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from decimal import Decimal as D

import pytest
from flask import current_app

from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_SIGNER
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.payments import reconciliation as rec
from lk_corporate.payments.models import Outcome, ReconciliationAct
from signing.remote import Scheme
from tests.clients.helpers import as_client_user, as_staff
from tests.docsign.fixtures import ROMASHKA, browser_sign, client_key
from tests.docsign.test_protocol import Api
from tests.payments.helpers import import_orders, make_invoice
from tests.payments.statements import Order
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.support.factories import create_client, create_supplier, csrf_token

ACTOR = Actor.system("tests")


@pytest.fixture()
def firm(session, money_config):
    create_supplier(chief_accountant="Петрова Анна Сергеевна")
    firm = create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»", tax_id=ROMASHKA,
                         contract_number="123")
    make_invoice(firm, "2026-000005", dt.date(2026, 9, 3), "700.00")
    make_invoice(firm, "2026-000010", dt.date(2026, 10, 3), "1000.00")
    make_invoice(firm, "2026-000020", dt.date(2026, 11, 3), "500.00")
    import_orders([Order("7", dt.date(2026, 9, 20), D("700.00"), ROMASHKA, "договор 123"),
                   Order("11", dt.date(2026, 10, 10), D("600.00"), ROMASHKA, "договор 123")])
    return firm


def _issue(firm, requested_by="client"):
    act = rec.issue_reconciliation_act(
        db.session, _store(), client_id=firm.id, date_from=dt.date(2026, 10, 1),
        date_to=dt.date(2026, 11, 30), requested_by=requested_by, actor=ACTOR,
        supplier_key=rec.supplier_key_from(current_app.config),
        base_url="https://lk.example", today=dt.date(2026, 12, 2))
    db.session.commit()
    return act


def _store():
    from pathlib import Path

    from lk_corporate.core.storage import FileStore
    return FileStore(Path(current_app.config["LK_STORAGE_DIR"]))


def test_the_books_by_hand(firm):
    """Before 01.10: invoiced 700, paid 700 → opening 0. In the period: invoice 1000 (03.10),
    payment 600 (10.10), invoice 500 (03.11) → closing 900 owed by the client."""
    books = rec.books(db.session, firm.id, dt.date(2026, 10, 1), dt.date(2026, 11, 30))
    assert books.opening == 0
    assert [(e.date.day, e.debit, e.credit) for e in books.entries] == [
        (3, D("1000.00"), 0), (10, 0, D("600.00")), (3, D("500.00"), 0)]
    assert books.closing == D("900.00")
    later = rec.books(db.session, firm.id, dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert later.opening == D("400.00") and later.closing == D("900.00")


def test_signed_in_the_signing_page_protocol_is_agreed(client, firm, demo_pki, nss_db, tmp_path):
    act = _issue(firm)
    document_id = act.document_id
    assert act.document.status is DocumentStatus.AWAITING_SIGNATURE
    as_client_user(client, firm)
    page = client.get(f"/reconciliation-acts/{document_id}").get_data(as_text=True)
    assert 'data-lk="sign-link"' in page and "900,00" in page.replace("\u00a0", " ")
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    started = api.start(chain)
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    signature = browser_sign(key, base64.b64decode(body["to_be_signed"]), Scheme.RSA_PKCS1)
    assert api.finish(body["session"], signature).status_code == 201
    sent = api.post("/send", {"idempotency_key": "rec-1"})
    assert sent.status_code == 200, sent.get_json()
    db.session.expire_all()
    row = db.session.get(ReconciliationAct, act.id)
    assert row.outcome is Outcome.AGREED
    assert db.session.get(Document, document_id).status is DocumentStatus.ACCEPTED
    path = tmp_path / "act.pdf"
    path.write_bytes(client.get(f"/documents/{document_id}/file").data)
    assert_pdfsig_all_valid(path, nss_db, expected=2)  # the supplier's and the client's


def test_a_disagreement_goes_to_staff(client, firm):
    act = _issue(firm, requested_by="staff")
    document_id = act.document_id
    as_client_user(client, firm)
    url = f"/reconciliation-acts/{document_id}/disagree"
    token = csrf_token(client, url)
    page = client.get(url).get_data(as_text=True)
    submission = re.search(r'name="submission_id"[^>]*value="([^"]+)"', page).group(1)
    empty = client.post(url, data={"csrf_token": token, "submission_id": submission})
    assert empty.status_code == 422
    page = client.get(url).get_data(as_text=True)
    submission = re.search(r'name="submission_id"[^>]*value="([^"]+)"', page).group(1)
    sent = client.post(url, data={"csrf_token": token, "submission_id": submission,
                                  "line-2": "По нашим данным оплачено 650,00",
                                  "comment": "Платёж от 12.10 не учтён"})
    assert sent.status_code == 302
    db.session.expire_all()
    row = db.session.get(ReconciliationAct, act.id)
    assert row.outcome is Outcome.DISAGREED
    assert json.loads(row.comments) == [{"line": 2, "comment": "По нашим данным оплачено 650,00"}]
    assert db.session.get(Document, document_id).status is DocumentStatus.REJECTED
    again = client.post(url, data={"csrf_token": token, "comment": "ещё"})
    assert again.status_code == 422  # answered already
    staff_client = client.application.test_client()
    as_staff(staff_client, SUPPLIER_SIGNER)
    staff = staff_client.get("/staff/reconciliation-acts").get_data(as_text=True)
    assert act.document.number in staff and "Платёж от 12.10 не учтён" in staff
    detail = staff_client.get(f"/staff/reconciliation-acts/{document_id}").get_data(as_text=True)
    assert "По нашим данным оплачено 650,00" in detail


def test_the_period_is_checked(firm):
    with pytest.raises(rec.DomainError):
        rec.issue_reconciliation_act(
            db.session, _store(), client_id=firm.id, date_from=dt.date(2026, 11, 1),
            date_to=dt.date(2026, 10, 1), requested_by="client", actor=ACTOR,
            supplier_key=None, base_url="https://lk.example", today=dt.date(2026, 12, 2))
