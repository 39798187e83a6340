"""The client's «Платежи» and «Текущее сальдо», the invoices' «Остаток» after payments, the
staff's upload (a malformed file refused whole, with the line), queue and assignment."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal as D

from sqlalchemy import func, select

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_SIGNER
from lk_corporate.payments.models import Payment, StatementImport
from tests.clients.helpers import as_client_user, as_staff
from tests.payments.helpers import import_orders, make_invoice
from tests.payments.statements import Order, one_c
from tests.support.factories import create_client, create_client_user, csrf_token, login


def _firm():
    firm = create_client(tax_id="7712345671", contract_number="123")
    make_invoice(firm, "2026-000010", dt.date(2026, 10, 3), "1000.00")
    make_invoice(firm, "2026-000020", dt.date(2026, 11, 3), "500.00")
    return firm


def test_payments_balance_and_remaining(client, session):
    firm = _firm()
    import_orders([Order("11", dt.date(2026, 11, 10), D("1200.00"), "7712345671",
                         "Оплата по договору 123")])
    as_client_user(client, firm)
    page = client.get("/payments").get_data(as_text=True)
    amounts = re.findall(r'data-lk="payment-amount">([^<]+)<', page)
    assert [re.sub(r"\s", "", a) for a in amounts] == ["1200,00"]
    assert "2026-000010" in page and "2026-000020" in page
    invoices = client.get("/invoices").get_data(as_text=True)
    remaining = re.findall(r'data-lk="invoice-remaining">([^<]+)<', invoices)
    assert [r.replace("\u00a0", " ") for r in remaining] == ["300,00", "0,00"]
    balance = client.get("/balance").get_data(as_text=True)
    amount = re.search(r'data-lk="balance-amount">([^<]+)<', balance).group(1)
    assert "300,00" in amount.replace("\u00a0", " ")
    assert 'id="balance-months"' in balance


def test_staff_upload_queue_and_assign(client, session):
    firm = _firm()
    as_staff(client, SUPPLIER_SIGNER)
    bad = one_c([Order("1", dt.date(2026, 11, 5), D("1.00"), "7712345671", "x")]).replace(
        b"\xd1\xf3\xec\xec\xe0=1.00", b"\xd1\xf3\xec\xec\xe0=abc")  # Сумма=abc in CP1251
    token = csrf_token(client, "/staff/payments")
    page = client.get("/staff/payments").get_data(as_text=True)
    submission = re.search(r'name="submission_id"[^>]*value="([^"]+)"', page).group(1)
    refused = client.post("/staff/payments", data={
        "csrf_token": token, "submission_id": submission,
        "file": (io.BytesIO(bad), "bad.txt")}, content_type="multipart/form-data")
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert re.search(r"(line|строка) \d+", text) and "abc" in text
    # The reason in Russian, as the page is (the statement's own words quoted as they are).
    assert "Сумма: «abc» — не сумма" in text and "is not an amount" not in text
    assert db.session.scalar(select(func.count()).select_from(StatementImport)) == 0

    good = one_c([Order("1", dt.date(2026, 11, 5), D("100.00"), "7712345671", "договор 123"),
                  Order("2", dt.date(2026, 11, 6), D("50.00"), "7799999999", "за свет")])
    page = client.get("/staff/payments").get_data(as_text=True)
    submission = re.search(r'name="submission_id"[^>]*value="([^"]+)"', page).group(1)
    done = client.post("/staff/payments", data={
        "csrf_token": token, "submission_id": submission,
        "file": (io.BytesIO(good), "good.txt")}, content_type="multipart/form-data")
    assert done.status_code == 302
    queue = client.get("/staff/payments/unmatched").get_data(as_text=True)
    assert "за свет" in queue
    unmatched = db.session.scalars(select(Payment).where(Payment.number == "2")).one()
    wrong = client.post(f"/staff/payments/{unmatched.id}/assign", data={
        "csrf_token": token, "contract_number": "nope"})
    assert wrong.status_code == 422
    ok = client.post(f"/staff/payments/{unmatched.id}/assign", data={
        "csrf_token": token, "contract_number": "123", "invoice_number": "2026-000020"})
    assert ok.status_code == 302
    db.session.expire_all()
    assigned = db.session.get(Payment, unmatched.id)
    assert assigned.client_id == firm.id and assigned.allocated == D("50.00")


def test_another_clients_act_is_404(client, session):
    _firm()
    other = create_client()
    create_client_user(other, login="other")
    assert login(client, "other").status_code == 302
    assert client.get("/reconciliation-acts/999").status_code == 404
    assert client.get("/balance").status_code == 200
