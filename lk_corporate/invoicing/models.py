"""Invoices (счёт and счёт-фактура, each 1:1 with its ``Document``) and the month-end runs.

An ``Invoice`` row is written in two steps (see ``invoicing.operations``): first *reserved* —
number, amounts and charge lines fixed, committed, no document yet — then *issued*, when its
signed PDF is stored and ``document_id`` points at the ``Document``. The number is taken in
the reserving transaction, so a rolled-back reservation gives its number back and a
committed one is always issued by whichever worker finishes it: numbers have no gaps and no
repeats, while the slow part (rendering, signing, the TSA) runs outside any transaction.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.calculation.engine import ChargeLine
from lk_corporate.core.db import Base, Money, UTCDateTime, utcnow
from lk_corporate.core.i18n import load_params, message_text
from lk_corporate.docflow.models import Document, DocumentKind


def _enum(e: type[enum.Enum]) -> Enum:
    return Enum(e, native_enum=False, length=30, values_callable=lambda x: [m.value for m in x])


class CalculationRun(Base):
    """The month-end calculation of one billing period (one row per period: launching it
    again resumes it — the clients already done are skipped)."""

    __tablename__ = "calculation_runs"
    __table_args__ = (UniqueConstraint("period_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("billing_periods.id"))
    launches: Mapped[int] = mapped_column(Integer, default=0)
    launched_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    launched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class TaskStatus(str, enum.Enum):
    PENDING = "pending"  # dispatched, not picked up (or picked up by a worker that died)
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class CalculationTask(Base):
    """One client's part of a run: which act it calculates, how it went, why it failed."""

    __tablename__ = "calculation_tasks"
    # Every query names the run (its tasks, a client's task in it): the unique key serves
    # them all. No index on the status, which every task changes twice: without one the
    # database updates the row in place.
    __table_args__ = (UniqueConstraint("run_id", "client_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("calculation_runs.id"))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    act_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus), default=TaskStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Why it failed: an English msgid and its parameters (JSON), translated when shown.
    reason: Mapped[str] = mapped_column(Text, default="")
    reason_params: Mapped[str] = mapped_column(Text, default="{}")
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    @property
    def reason_parameters(self) -> dict[str, object]:
        """The failure's parameters with their types (``core.i18n.load_params``)."""
        return load_params(self.reason_params)

    @property
    def reason_text(self) -> str:
        """Why it failed, in the reader's language (amounts and terms too)."""
        return message_text(self.reason, self.reason_parameters) if self.reason else ""


class Invoice(Base):
    """A счёт (``kind=invoice``) or a счёт-фактура (``kind=tax_invoice``) of one act.

    ``(act_document_id, kind)`` is unique: calculating an act twice creates nothing new, and
    two workers calculating it at once cannot both reserve. ``remaining = total − paid``;
    ``paid`` is the sum of the payments allocated to the invoice (``payments.operations``
    keeps it with the allocation rows, in the same transaction).
    """

    __tablename__ = "invoices"
    # Only the indexes the pages and the batch use (the unique keys serve lookups by act,
    # number and document): every issued pair updates its rows once more. A client's
    # invoices of a period are one composite key: with a key per column PostgreSQL crossed
    # the client's few rows with every invoice of the period, so each month-end job read
    # more the further the batch had got.
    __table_args__ = (UniqueConstraint("act_document_id", "kind"),
                      UniqueConstraint("kind", "number"),
                      UniqueConstraint("document_id"),
                      Index("ix_invoices_client_id_period_id", "client_id", "period_id"),
                      Index("ix_invoices_upgrade_pending", "upgrade_pending",
                            postgresql_where=text("upgrade_pending"),
                            sqlite_where=text("upgrade_pending")))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    number: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    period_id: Mapped[int] = mapped_column(ForeignKey("billing_periods.id"), index=True)
    act_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("calculation_runs.id"), nullable=True)
    # None while reserved; the issued, supplier-signed document afterwards.
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="RUB")
    net: Mapped[Decimal] = mapped_column(Money)
    vat: Mapped[Decimal] = mapped_column(Money)
    total: Mapped[Decimal] = mapped_column(Money)
    paid: Mapped[Decimal] = mapped_column(Money, default=Decimal("0.00"))
    # The charge lines (ChargeLine.as_json), so a retry renders exactly what was reserved.
    lines: Mapped[str] = mapped_column(Text)
    # The supplier's signature reached less than the configured level (TSA down): the
    # upgrade job completes it (``invoicing.operations.upgrade_signatures``).
    upgrade_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    signature_level: Mapped[str] = mapped_column(String(10), default="")
    # The invoice of the corrected act that replaced this one (this one is voided).
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    document: Mapped[Document | None] = relationship(foreign_keys=[document_id])

    @property
    def remaining(self) -> Decimal:
        return self.total - self.paid

    @property
    def charge_lines(self) -> tuple[ChargeLine, ...]:
        return tuple(ChargeLine.from_json(row) for row in json.loads(self.lines))
