"""Invoices for the payment tests: issued rows with a document, without rendering or signing
(the allocation reads only the amounts, dates and numbers)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from flask import current_app

from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import DocumentKind, DocumentStatus
from lk_corporate.docflow.operations import issue_document
from lk_corporate.invoicing.models import Invoice
from lk_corporate.payments.operations import ImportResult, import_statement
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from tests.payments.statements import Order, one_c

ACTOR = Actor.system("test")


def period(year: int = 2026, month: int = 10) -> BillingPeriod:
    found = db.session.query(BillingPeriod).filter_by(year=year, month=month).first()
    if found is None:
        found = BillingPeriod(year=year, month=month, calculation_date=dt.date(year, month, 28),
                              status=PeriodStatus.OPEN)
        db.session.add(found)
        db.session.commit()
    return found


def make_invoice(client: Client, number: str, date: dt.date, total: str, **extra: Any) -> Invoice:
    """An issued invoice of ``total`` dated ``date`` (its period: the month before)."""
    store = FileStore(Path(current_app.config["LK_STORAGE_DIR"]))
    month = date.month - 1 or 12
    p = period(date.year if date.month > 1 else date.year - 1, month)
    issued = issue_document(db.session, store, kind=DocumentKind.INVOICE, number=number,
                            client_id=client.id, period_id=p.id, date=date,
                            pdf=f"%PDF-1.4 invoice {number}".encode(), actor=ACTOR,
                            status=DocumentStatus.SENT)
    amount = Decimal(total)
    row = Invoice(kind=DocumentKind.INVOICE, number=number, client_id=client.id, period_id=p.id,
                  act_document_id=issued.document.id, document_id=issued.document.id, date=date,
                  due_date=date + dt.timedelta(days=10), net=(amount / Decimal("1.2")).quantize(
                      Decimal("0.01")), vat=amount - (amount / Decimal("1.2")).quantize(
                      Decimal("0.01")), total=amount, lines="[]", **extra)
    db.session.add(row)
    db.session.commit()
    return row


def import_orders(orders: list[Order], **kwargs: Any) -> ImportResult:
    result = import_statement(db.session, io.BytesIO(one_c(orders)), actor=ACTOR, **kwargs)
    db.session.commit()
    return result
