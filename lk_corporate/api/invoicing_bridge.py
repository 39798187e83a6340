"""Where the API gets an invoice's amounts: ONE function, wired to the invoicing package on
merge.

``invoice_amounts`` answers the amounts of invoices and tax invoices. Until the
``invoicing`` package (``invoicing.models.Invoice`` with its amounts, due date and what
remains to be paid) is part of this build, none is known and every field is None (null in
the API); on merge this function's body reads them from there, and nothing else in the API
changes (``endpoints._document`` is its only caller).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lk_corporate.core.db import DbSession
from lk_corporate.docflow.models import Document, DocumentKind

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
    return {}
