"""Where the API gets an invoice's amounts: ``invoice_amounts``, read from the invoicing
package's ``Invoice`` rows (net, VAT, total, due date, what remains to be paid).
``endpoints._document`` is its only caller.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from lk_corporate.core.db import DbSession
from lk_corporate.docflow.models import Document, DocumentKind
from lk_corporate.invoicing.models import Invoice

MONEY_KINDS = frozenset({DocumentKind.INVOICE, DocumentKind.TAX_INVOICE})
"""The kinds that carry amounts (and need the money right to be seen through the API)."""


@dataclass(frozen=True)
class InvoiceAmounts:
    amount_net: Decimal | None = None
    vat: Decimal | None = None
    total: Decimal | None = None
    due_date: dt.date | None = None
    remaining: Decimal | None = None


UNKNOWN = InvoiceAmounts()


def invoice_amounts(session: DbSession, documents: Sequence[Document]
                    ) -> dict[int, InvoiceAmounts]:
    """document id → its amounts, for the invoices and tax invoices among ``documents``
    (others, and invoices whose amounts are not known: absent)."""
    ids = [d.id for d in documents if d.kind in MONEY_KINDS]
    if not ids:
        return {}
    rows = session.scalars(select(Invoice).where(Invoice.document_id.in_(ids)))
    return {row.document_id: InvoiceAmounts(
                amount_net=row.net, vat=row.vat, total=row.total, due_date=row.due_date,
                # a tax invoice is not paid by itself: its invoice is
                remaining=row.remaining if row.kind is DocumentKind.INVOICE else None)
            for row in rows if row.document_id is not None}
