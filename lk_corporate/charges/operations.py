"""The charges breakdown of one client and month, read from the month's calculation.

The calculation (``calculation.engine``) stores its charge lines with the invoice they were
charged in (``invoicing.models.Invoice.lines``): previous and current reading, ratios,
volume, price, VAT rate and the rounded money of each line. The breakdown is exactly those
lines, so its totals are the invoice's to the kopeck, and its PDF
(``documents.render_charges_breakdown``) recomputes each line by the same rounding rule
(``documents.money.line_amounts``) and prints the same figures.

A month is *calculated* for a client when an issued invoice of that month exists that has
not been replaced by the invoice of a corrected act; otherwise the breakdown has no lines
and says so (``Breakdown.calculated``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from documents import ChargeLine as PrintedLine
from documents import ChargesBreakdownData, Party, render_charges_breakdown
from documents.money import plain
from lk_corporate.calculation.engine import ChargeLine
from lk_corporate.clients.models import Client, Meter
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.mail import MailAttachment, OutgoingMail, queue_mail
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.operations import party_of
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.tariffs.models import Tariff

__all__ = [
    "Breakdown",
    "BreakdownLine",
    "NotCalculated",
    "breakdown_data",
    "breakdown_periods",
    "charges_breakdown",
    "default_period",
    "email_breakdown",
    "render_breakdown",
]

ZERO = Decimal("0.00")


class NotCalculated(DomainError):
    """The month has no calculation for this client yet: nothing to print or send."""

    code = "not_calculated"


@dataclass(frozen=True)
class BreakdownLine:
    """One charged register: a meter's zone in the month, as the calculation charged it."""

    service: str
    service_name: str
    point: str
    point_id: int | None
    factory_number: str
    zone: str
    zone_name: str
    unit: str
    previous: Decimal
    current: Decimal
    ct_ratio: Decimal
    vt_ratio: Decimal
    volume: Decimal
    price: Decimal
    vat_rate: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class Breakdown:
    """A client's month: its lines (empty while not calculated) and their totals."""

    client_id: int
    period_id: int
    year: int
    month: int
    lines: tuple[BreakdownLine, ...]
    invoice_id: int | None = None
    invoice_number: str | None = None
    invoice_date: dt.date | None = None
    currency: str = "RUB"

    @property
    def calculated(self) -> bool:
        return self.invoice_id is not None

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def vat(self) -> Decimal:
        return sum((line.vat for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return sum((line.gross for line in self.lines), ZERO)


def month_invoice(session: DbSession, client_id: int, period_id: int) -> Invoice | None:
    """The client's live invoice of the period: issued, not voided, not replaced (the newest
    if, against the rules, there were several)."""
    return session.scalars(
        select(Invoice).join(Document, Invoice.document_id == Document.id)
        .where(Invoice.client_id == client_id, Invoice.period_id == period_id,
               Invoice.kind == DocumentKind.INVOICE, Invoice.replaced_by_id.is_(None),
               Document.status != DocumentStatus.VOIDED)
        .order_by(Invoice.id.desc()).limit(1)).first()


def _points(session: DbSession, client_id: int) -> dict[str, int]:
    """factory number → metering point id, for the client's meters."""
    return {number: point_id for number, point_id in session.execute(
        select(Meter.factory_number, Meter.point_id).where(Meter.client_id == client_id,
                                                          Meter.factory_number.is_not(None)))
        if number}


def _line(line: ChargeLine, points: dict[str, int]) -> BreakdownLine:
    return BreakdownLine(
        service=line.service, service_name=line.service_name, point=line.point,
        point_id=points.get(line.factory_number), factory_number=line.factory_number,
        zone=line.zone, zone_name=line.zone_name, unit=line.unit, previous=line.previous,
        current=line.current, ct_ratio=line.ct_ratio, vt_ratio=line.vt_ratio,
        volume=line.volume, price=line.price, vat_rate=line.vat_rate, net=line.net,
        vat=line.vat, gross=line.gross)


def charges_breakdown(session: DbSession, client_id: int, period_id: int) -> Breakdown:
    """The breakdown of ``client_id``'s month ``period_id`` (``NotFound``: no such period)."""
    period = session.get(BillingPeriod, period_id)
    if period is None:
        raise NotFound(N_("No such billing period."))
    invoice = month_invoice(session, client_id, period_id)
    if invoice is None:
        return Breakdown(client_id, period.id, period.year, period.month, ())
    points = _points(session, client_id)
    return Breakdown(client_id, period.id, period.year, period.month,
                     tuple(_line(line, points) for line in invoice.charge_lines),
                     invoice_id=invoice.id, invoice_number=invoice.number,
                     invoice_date=invoice.date, currency=invoice.currency)


def breakdown_periods(session: DbSession) -> list[BillingPeriod]:
    """The months one can ask for, newest first (every billing period: a month without a
    calculation says so when chosen)."""
    return list(session.scalars(select(BillingPeriod).order_by(BillingPeriod.year.desc(),
                                                                BillingPeriod.month.desc())))


def default_period(session: DbSession, client_id: int) -> BillingPeriod | None:
    """What the page opens with: the newest month calculated for the client (the seed's
    «загружаются данные за предыдущий месяц»), else the newest period."""
    calculated = session.scalars(
        select(BillingPeriod).join(Invoice, Invoice.period_id == BillingPeriod.id)
        .where(Invoice.client_id == client_id, Invoice.kind == DocumentKind.INVOICE,
               Invoice.document_id.is_not(None), Invoice.replaced_by_id.is_(None))
        .order_by(BillingPeriod.year.desc(), BillingPeriod.month.desc()).limit(1)).first()
    if calculated is not None:
        return calculated
    periods = breakdown_periods(session)
    return periods[0] if periods else None


# --- the PDF ---------------------------------------------------------------------------------

def _tariff_groups(session: DbSession, year: int, month: int) -> dict[tuple[str, str], str]:
    first = dt.date(year, month, 1)
    rows = session.scalars(select(Tariff).where(Tariff.valid_from <= first))
    return {(t.service.value, t.zone): t.tariff_group for t in rows
            if (t.valid_to is None or t.valid_to >= first) and t.tariff_group}


def breakdown_data(session: DbSession, breakdown: Breakdown, *, verify_url: str,
                   today: dt.date) -> ChargesBreakdownData:
    """What ``documents.render_charges_breakdown`` prints for ``breakdown``
    (``NotCalculated`` while the month has no calculation)."""
    if not breakdown.calculated or not breakdown.lines:
        raise NotCalculated(N_("The charges for %(period)s have not been calculated yet."),
                            period=f"{breakdown.month:02d}.{breakdown.year}")
    client = session.get(Client, breakdown.client_id)
    supplier = session.scalars(select(SupplierSettings).order_by(SupplierSettings.id)
                               .limit(1)).first()
    if client is None or supplier is None:
        raise NotFound(N_("No such client."))
    groups = _tariff_groups(session, breakdown.year, breakdown.month)
    lines = tuple(
        # The account is the contract, the recipient the metering point with its meter: a
        # corporate client's charges are grouped per point of supply.
        PrintedLine(account=client.contract_number,
                    recipient=f"{line.point}, сч. № {line.factory_number}",
                    tariff_group=groups.get((line.service, line.zone), "—"),
                    service=line.service_name, volume=plain(line.volume), unit=line.unit,
                    tariff=plain(line.price, 2), vat_rate=plain(line.vat_rate),
                    zone=line.zone_name)
        for line in breakdown.lines)
    payer: Party = party_of(client, with_bank=False)
    return ChargesBreakdownData(
        number=breakdown.invoice_number or f"{breakdown.year}-{breakdown.month:02d}",
        date=today, year=breakdown.year, month=breakdown.month,
        supplier=party_of(supplier, with_bank=False), payer=payer,
        contract_number=client.contract_number, lines=lines, verify_url=verify_url,
        currency=breakdown.currency)


def render_breakdown(session: DbSession, breakdown: Breakdown, *, verify_url: str,
                     today: dt.date) -> bytes:
    """The breakdown as PDF bytes (not signed: it is a reference, the invoice is what is
    paid — as the printed note says)."""
    return render_charges_breakdown(breakdown_data(session, breakdown, verify_url=verify_url,
                                                   today=today))


def file_name(breakdown: Breakdown) -> str:
    return f"raschifrovka-{breakdown.year}-{breakdown.month:02d}.pdf"


def email_breakdown(session: DbSession, store: FileStore, breakdown: Breakdown, *,
                    to: str, subject: str, body: str, verify_url: str, today: dt.date,
                    actor: Actor) -> OutgoingMail:
    """Queue the breakdown's PDF to ``to`` (the requesting user's address; ``subject`` and
    ``body`` already in their language). The mail leaves after the caller's commit."""
    pdf = render_breakdown(session, breakdown, verify_url=verify_url, today=today)
    sha256 = store.put(pdf)
    mail = queue_mail(session, to=to, subject=subject, body=body, kind="charges_breakdown",
                      attachments=(MailAttachment(file_name(breakdown), "application/pdf",
                                                  sha256, len(pdf)),))
    record(session, "charges.breakdown_emailed", actor=actor, object_type="client",
           object_id=breakdown.client_id,
           details={"period": f"{breakdown.month:02d}.{breakdown.year}", "mail_id": mail.id,
                    "invoice": breakdown.invoice_number})
    return mail

