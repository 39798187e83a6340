"""Payments read from bank statements, their allocations to invoices, the statements
imported, and the reconciliation acts (акты сверки) with the client's answer.

A payment's identity is the payer's bank (БИК), account, the payment order's number, date
and amount: the unique key, so a statement imported twice, or two statements whose periods
overlap, add each payment once — also when two imports of one file run at the same time
(the database refuses the second row; the importer inserts with ON CONFLICT DO NOTHING).

``Payment.allocated`` is the part already allocated to invoices (the sum of its
``PaymentAllocation`` rows); the rest is the client's advance. ``Invoice.paid`` is the sum
of the allocations to that invoice: the allocating operations change both in the same
transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Enum, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.clients.models import Client
from lk_corporate.core.db import Base, Money, UTCDateTime, utcnow
from lk_corporate.docflow.models import Document


def _enum(e: type[enum.Enum]) -> Enum:
    return Enum(e, native_enum=False, length=20, values_callable=lambda x: [m.value for m in x])


class StatementImport(Base):
    """One statement file imported (by ``lk payments import`` or the staff's upload page)."""

    __tablename__ = "payment_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(300), default="")
    sha256: Mapped[str] = mapped_column(String(64), default="")
    payments: Mapped[int] = mapped_column(Integer, default=0)
    """Incoming payments the file holds."""
    added: Mapped[int] = mapped_column(Integer, default=0)
    """Of them, new (the rest were imported before)."""
    matched: Mapped[int] = mapped_column(Integer, default=0)
    unmatched: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    """The sum of the new payments."""
    imported_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class MatchedBy(str, enum.Enum):
    INVOICE = "invoice"  # the payer's tax ID and an invoice number in the purpose
    CONTRACT = "contract"  # the payer's tax ID and the contract number in the purpose
    MANUAL = "manual"  # assigned by the supplier's staff from the queue
    NONE = "none"  # not matched: waits in the staff's queue


class Payment(Base):
    """An incoming payment, as the bank reported it, and to whom it was matched."""

    __tablename__ = "payments"
    __table_args__ = (
        UniqueConstraint("payer_bik", "payer_account", "number", "date", "amount"),
        Index("ix_payments_client_date", "client_id", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("payment_imports.id"))
    payer_bik: Mapped[str] = mapped_column(String(9))
    payer_account: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    payer_name: Mapped[str] = mapped_column(String(300), default="")
    payer_tax_id: Mapped[str] = mapped_column(String(12), default="")
    purpose: Mapped[str] = mapped_column(Text, default="")
    received_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id"), nullable=True)
    matched_by: Mapped[MatchedBy] = mapped_column(_enum(MatchedBy), default=MatchedBy.NONE)
    named_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"),
                                                         nullable=True)
    allocated: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    assigned_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    client: Mapped[Client | None] = relationship()

    @property
    def advance(self) -> Decimal:
        """What is not allocated to any invoice (the client's credit)."""
        return self.amount - self.allocated


class PaymentAllocation(Base):
    """Part of a payment paying an invoice."""

    __tablename__ = "payment_allocations"
    __table_args__ = (UniqueConstraint("payment_id", "invoice_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class Outcome(str, enum.Enum):
    PENDING = "pending"  # sent, the client has not answered
    AGREED = "agreed"  # signed by the client
    DISAGREED = "disagreed"  # returned with a disagreement (comments)


class ReconciliationAct(Base):
    """An акт сверки: its document, period, figures, who asked for it, the client's answer."""

    __tablename__ = "reconciliation_acts"
    __table_args__ = (UniqueConstraint("document_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    date_from: Mapped[dt.date] = mapped_column(Date)
    date_to: Mapped[dt.date] = mapped_column(Date)
    opening_balance: Mapped[Decimal] = mapped_column(Money)
    closing_balance: Mapped[Decimal] = mapped_column(Money)
    # The entries as the PDF prints them (JSON list of {date, document, debit, credit}), so
    # the disagreement form names the same lines.
    entries: Mapped[str] = mapped_column(Text, default="[]")
    requested_by: Mapped[str] = mapped_column(String(10), default="client")  # client / staff
    requested_by_name: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[Outcome] = mapped_column(_enum(Outcome), default=Outcome.PENDING,
                                             index=True)
    # The disagreement: JSON list of {line, comment} (line: 1-based entry, 0 the balance).
    comments: Mapped[str] = mapped_column(Text, default="[]")
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_by: Mapped[str] = mapped_column(String(200), default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    document: Mapped[Document] = relationship(lazy="joined")
    client: Mapped[Client] = relationship(lazy="joined")

    @property
    def entry_list(self) -> list[dict[str, Any]]:
        """The entries with their amounts as ``Decimal`` and dates as ``date``."""
        return [{**e, "date": dt.date.fromisoformat(e["date"]), "debit": Decimal(e["debit"]),
                 "credit": Decimal(e["credit"])} for e in json.loads(self.entries or "[]")]

    @property
    def comment_list(self) -> list[dict[str, Any]]:
        return list(json.loads(self.comments or "[]"))
