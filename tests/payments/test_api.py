"""The money API: payments with their allocations, the balance (positive is a debt), a
reconciliation act issued for a period, invoices' ``remaining`` after payments; another
client's ID is 404; a staff token acts over every client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from lk_corporate.core.rights import SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from lk_corporate.docflow.models import DocumentKind
from tests.api.conftest import bearer, make_token
from tests.docsign.fixtures import ROMASHKA
from tests.payments.helpers import import_orders, make_invoice
from tests.payments.statements import Order
from tests.support.factories import (
    create_client,
    create_client_user,
    create_staff_user,
    create_supplier,
)


def _world():
    create_supplier(chief_accountant="Петрова Анна Сергеевна")
    firm = create_client(tax_id=ROMASHKA, contract_number="123", name="ООО «Ромашка»")
    other = create_client()
    october = make_invoice(firm, "2026-000010", dt.date(2026, 10, 3), "1000.00")
    make_invoice(firm, "2026-000020", dt.date(2026, 11, 3), "500.00")
    import_orders([Order("11", dt.date(2026, 11, 10), D("600.00"), ROMASHKA,
                         "Оплата по договору 123")])
    return firm, other, october


def test_payments_and_balance(client, session):
    firm, other, october = _world()
    token = make_token(create_client_user(firm, login="buh"))
    listed = client.get(f"/api/v1/payments?client_id={firm.id}", headers=bearer(token))
    assert listed.status_code == 200
    (payment,) = listed.get_json()["items"]
    assert payment["amount"] == "600.00" and payment["payer_tax_id"] == ROMASHKA
    assert payment["date"] == "2026-11-10" and "договору 123" in payment["purpose"]
    assert payment["allocations"] == [{"invoice_id": october.id, "amount": "600.00"}]
    balance = client.get(f"/api/v1/balance?client_id={firm.id}", headers=bearer(token))
    body = balance.get_json()
    assert (body["invoiced"], body["paid"], body["balance"]) == ("1500.00", "600.00", "900.00")
    assert dt.date.fromisoformat(body["as_of"])
    for path in ("payments", "balance"):
        assert client.get(f"/api/v1/{path}?client_id={other.id}",
                          headers=bearer(token)).status_code == 404
    documents = client.get(f"/api/v1/documents?client_id={firm.id}&kind=invoice",
                           headers=bearer(token)).get_json()["items"]
    assert sorted(d["remaining"] for d in documents) == ["400.00", "500.00"]
    staff = make_token(create_staff_user(SUPPLIER_OPERATOR, login="operator1"))
    assert client.get(f"/api/v1/balance?client_id={firm.id}",
                      headers=bearer(staff)).get_json()["balance"] == "900.00"


def test_reconciliation_act_through_the_api(client, session, money_config):
    firm, other, _october = _world()
    token = make_token(create_client_user(firm, login="buh"))
    body = {"client_id": firm.id, "date_from": "2026-10-01", "date_to": "2026-11-30"}
    made = client.post("/api/v1/reconciliation-acts", json=body, headers=bearer(token))
    assert made.status_code == 201, made.get_json()
    document = made.get_json()["document"]
    assert document["kind"] == DocumentKind.RECONCILIATION_ACT.value
    assert document["status"] == "awaiting_signature" and document["signatures"] == 1
    bad = client.post("/api/v1/reconciliation-acts", headers=bearer(token),
                      json={**body, "date_from": "2026-12-01"})
    assert bad.status_code == 422
    assert client.post("/api/v1/reconciliation-acts", headers=bearer(token),
                       json={**body, "client_id": other.id}).status_code == 404
    operator = make_token(create_staff_user(SUPPLIER_OPERATOR, login="operator1"))
    assert client.post("/api/v1/reconciliation-acts", json=body,
                       headers=bearer(operator)).status_code == 403
    signer = make_token(create_staff_user(SUPPLIER_SIGNER, login="signer1"))
    assert client.post("/api/v1/reconciliation-acts", json=body,
                       headers=bearer(signer)).status_code == 201


def test_the_operations_are_described(client, session):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert set(spec["paths"]["/api/v1/payments"]) == {"get"}
    assert set(spec["paths"]["/api/v1/balance"]) == {"get"}
    assert set(spec["paths"]["/api/v1/reconciliation-acts"]) == {"post"}
    payment = spec["components"]["schemas"]["PaymentOut"]["properties"]
    assert {"id", "date", "amount", "payer_tax_id", "purpose", "allocations"} <= set(payment)
    balance = spec["components"]["schemas"]["BalanceOut"]["properties"]
    assert set(balance) == {"as_of", "invoiced", "paid", "balance"}
