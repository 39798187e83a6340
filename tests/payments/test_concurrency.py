"""Imports of one statement (and of an overlapping one) running at the same time, each in
its own thread, connection and transaction: every payment is added once and allocated once."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal as D

import sqlalchemy as sa
from sqlalchemy import func, select

from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.uow import is_transient, unit_of_work
from lk_corporate.invoicing.models import Invoice
from lk_corporate.payments.models import Payment, PaymentAllocation
from lk_corporate.payments.operations import import_statement
from tests.payments.helpers import make_invoice
from tests.payments.statements import Order, one_c
from tests.support.factories import create_client


def test_concurrent_imports_add_each_payment_once(clean_app):
    firm = create_client(tax_id="7712345671", contract_number="123")
    invoice = make_invoice(firm, "2026-000010", dt.date(2026, 10, 3), "100000.00")
    orders = [Order(str(n), dt.date(2026, 11, 1 + n % 28), D("10.00") + n, "7712345671",
                    "договор 123") for n in range(300)]
    same = one_c(orders)
    overlapping = one_c(orders[150:] + [Order("9999", dt.date(2026, 11, 30), D("1.00"),
                                              "7712345671", "договор 123")])
    files = [same, same, same, overlapping]
    barrier = threading.Barrier(len(files))
    added: list[int] = []
    errors: list[BaseException] = []

    def worker(data: bytes) -> None:
        with clean_app.app_context():
            barrier.wait()
            for _attempt in range(10):
                try:
                    with unit_of_work() as s:
                        result = import_statement(s, io.BytesIO(data), actor=Actor.system("w"))
                    added.append(result.added)
                    break
                except sa.exc.DBAPIError as exc:  # a lost race: the whole file again
                    if not is_transient(exc):
                        errors.append(exc)
                        break
                    db.session.remove()
                except BaseException as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
                    break
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(f,)) for f in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(added) == 4 and sum(added) == 301, added
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Payment)) == 301
    total = sum((D(10) + n for n in range(300)), D("1.00"))
    paid = db.session.get(Invoice, invoice.id).paid
    assert paid == total
    assert sum(db.session.scalars(select(PaymentAllocation.amount)), D(0)) == total
