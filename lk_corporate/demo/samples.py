"""Sample documents built from the demo constants (``lk_corporate.demo.data``).

``lk documents sample DIR`` writes them so anyone can look at every kind of PDF without a
database; the tests and the benchmark use the same inputs. Nothing here touches Flask or the
database: demo constants in, ``documents`` input dataclasses out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from documents.charges_breakdown import ChargeLine, ChargesBreakdownData, render_charges_breakdown
from documents.invoice import InvoiceData, InvoiceLine, render_invoice
from documents.limit_request import LimitPoint, LimitRequestData, render_limit_request
from documents.model import BankAccount, Party, Signer
from documents.reading_act import (
    MeterReading,
    ReadingActData,
    readings_payload,
    render_reading_act,
)
from documents.reading_corrections import (
    ReadingCorrectionData,
    ReadingCorrectionEntry,
    render_reading_correction,
)
from documents.reconciliation_act import (
    ReconciliationActData,
    ReconciliationEntry,
    render_reconciliation_act,
)
from documents.tax_invoice import TaxInvoiceData, TaxInvoiceLine, render_tax_invoice
from lk_corporate.demo.data import (
    CLIENTS,
    SERVICE_NAMES_RU,
    SUPPLIER,
    TARIFFS,
    ZONE_NAMES_RU,
    DemoBank,
    DemoClient,
)

__all__ = [
    "PORTAL_URL",
    "SAMPLE_FILES",
    "sample_charges_breakdown",
    "sample_invoice",
    "sample_invoice_long",
    "sample_limit_request",
    "sample_reading_act",
    "sample_reading_correction",
    "sample_reconciliation_act",
    "sample_tax_invoice",
    "write_samples",
]

PORTAL_URL = "https://lk.severenergo.example"
MSK = timezone(timedelta(hours=3), "MSK")
YEAR, MONTH = 2026, 10
ACT_DATE = date(2026, 10, 31)
INVOICE_DATE = date(2026, 11, 3)

# Current readings of the demo meters for October 2026 (the previous ones are in the demo data).
_CURRENT: dict[str, tuple[Decimal, ...]] = {
    "011070123456789": (Decimal("13987.2"), Decimal("6101.8")),
    "12223773": (Decimal("171.902"),),
    "0804201234": (Decimal("4600.12"), Decimal("2020.55")),
    "0804205678": (Decimal("91877.3"),),
    "36912481": (Decimal("264470.1"),),
    "7700123": (Decimal("3398.541"),),
}


def _bank(b: DemoBank) -> BankAccount:
    return BankAccount(b.name, b.bik, b.account, b.correspondent_account)


def supplier_party() -> Party:
    s = SUPPLIER
    return Party(name=s.name, short_name=s.short_name, tax_id=s.tax_id, kpp=s.kpp, ogrn=s.ogrn,
                 address=s.address, phone=s.phone, email=s.email, bank=_bank(s.bank))


def client_party(c: DemoClient) -> Party:
    return Party(name=c.name, short_name=c.short_name, tax_id=c.tax_id, kpp=c.kpp, ogrn=c.ogrn,
                 address=c.address, email=c.email, bank=_bank(c.bank))


def _tariff(service: str, zone: str) -> tuple[str, Decimal]:
    for s, z, unit, price in TARIFFS:
        if s == service and z == zone:
            return unit, price
    raise KeyError((service, zone))


def _verify(kind: str, number: str) -> str:
    """The portal's verification address of a document: ASCII (the number may be Cyrillic),
    short enough for a small QR code."""
    token = hashlib.sha256(f"{kind}:{number}".encode()).hexdigest()[:20]
    return f"{PORTAL_URL}/verify/{kind}/{token}"


def _readings(client: DemoClient) -> list[MeterReading]:
    rows = []
    for m in client.meters:
        if m.status != "installed" or not m.factory_number or m.factory_number not in _CURRENT:
            continue
        for zone, prev, cur in zip(m.zones, m.previous, _CURRENT[m.factory_number], strict=True):
            unit, _ = _tariff(m.service, zone)
            rows.append(MeterReading(
                service=m.service, service_name=SERVICE_NAMES_RU[m.service],
                point_name=m.point_name, factory_number=m.factory_number,
                verification_date=date.fromisoformat(m.verification_date)
                if m.verification_date else None,
                zone=zone, zone_name=ZONE_NAMES_RU[zone], unit=unit,
                previous_value=prev, previous_date=date.fromisoformat(m.previous_date),
                current_value=cur, current_date=ACT_DATE,
                ct_ratio=m.ct_ratio, vt_ratio=m.vt_ratio,
                consumption=(cur - prev) * m.ct_ratio * m.vt_ratio))
    return rows


def _client(index: int) -> DemoClient:
    return CLIENTS[index]


def sample_reading_act() -> ReadingActData:
    """ЗМК's October act: a two-zone meter with CT 200 / VT 100, and a meter whose
    verification has expired (the warning the client confirmed is printed)."""
    client = _client(1)
    return ReadingActData(
        number=f"АП-{client.contract_number}-2026-10", date=ACT_DATE, year=YEAR, month=MONTH,
        supplier=supplier_party(), client=client_party(client),
        contract_number=client.contract_number,
        contract_date=date.fromisoformat(client.contract_date),
        submitted_at=datetime(2026, 10, 31, 14, 5, 12, tzinfo=MSK),
        readings=tuple(_readings(client)),
        confirmed_warnings=(
            ("Прибор учёта № 0804205678: срок поверки истёк 31.05.2025. Показания переданы, "
            "потребитель уведомлён о необходимости поверки."),
            "Прибор учёта № 0804199999 снят с учёта (склад): показания не передаются.",
        ),
        client_signer=Signer("Главный энергетик", "Петров С. Н."),
        supplier_signer=Signer("Генеральный директор", "Смирнов А. В."),
        verify_url=_verify("reading-act", f"АП-{client.contract_number}-2026-10"),
    )


def _invoice_lines(client: DemoClient) -> list[InvoiceLine]:
    lines = []
    for r in _readings(client):
        _, price = _tariff(r.service, r.zone)
        lines.append(InvoiceLine(service=r.service_name, zone=r.zone_name, volume=r.consumption,
                                 unit=r.unit, price=price, vat_rate=SUPPLIER.vat_rate))
    return lines


def _signers() -> tuple[Signer, ...]:
    def short(full: str) -> str:
        last, first, middle = full.split()
        return f"{last} {first[0]}. {middle[0]}."

    return (Signer("Руководитель", short(SUPPLIER.director)),
            Signer("Главный бухгалтер", short(SUPPLIER.chief_accountant)))


def sample_invoice() -> InvoiceData:
    client = _client(1)
    number = "С-4587-1026"
    return InvoiceData(
        number=number, date=INVOICE_DATE, due_date=date(2026, 11, 18),
        supplier=supplier_party(), buyer=client_party(client),
        contract_number=client.contract_number,
        contract_date=date.fromisoformat(client.contract_date), year=YEAR, month=MONTH,
        lines=tuple(_invoice_lines(client)), verify_url=_verify("invoice", number),
        signers=_signers(), currency=SUPPLIER.currency)


def sample_invoice_long(count: int = 300) -> InvoiceData:
    """A 300-line invoice (a network of metering points) for the pagination check."""
    base = sample_invoice()
    lines = []
    tariffs = [t for t in TARIFFS]
    for i in range(count):
        service, zone, unit, price = tariffs[i % len(tariffs)]
        volume = Decimal(1000 + (i * 7919) % 50000) * Decimal("0.1")
        lines.append(InvoiceLine(service=f"{SERVICE_NAMES_RU[service]}, точка учёта № {i + 1}",
                                 zone=ZONE_NAMES_RU[zone], volume=volume, unit=unit, price=price,
                                 vat_rate=SUPPLIER.vat_rate))
    return replace(base, number="С-4587-1026-Д", lines=tuple(lines),
                   verify_url=_verify("invoice", "С-4587-1026-Д"))


def sample_tax_invoice() -> TaxInvoiceData:
    client = _client(1)
    number = "4587/10"
    lines = []
    for line in _invoice_lines(client):
        lines.append(TaxInvoiceLine(name=f"{line.service} ({line.zone}), {YEAR}-{MONTH:02d}",
                                    unit=line.unit, volume=line.volume, price=line.price,
                                    vat_rate=line.vat_rate))
    return TaxInvoiceData(
        number=number, date=INVOICE_DATE, seller=supplier_party(), buyer=client_party(client),
        lines=tuple(lines), contract_number=client.contract_number,
        contract_date=date.fromisoformat(client.contract_date),
        payment_document=None, currency=SUPPLIER.currency,
        seller_signers=_signers(), verify_url=_verify("tax-invoice", number))


def sample_limit_request() -> LimitRequestData:
    client = _client(1)
    points = []
    for m in client.meters:
        if m.service != "electricity" or m.status != "installed" or not m.factory_number:
            continue
        base = m.max_consumption / Decimal(20)
        # a seasonal profile: more in winter, less in summer
        profile = (Decimal("1.30"), Decimal("1.22"), Decimal("1.10"), Decimal("0.95"),
                   Decimal("0.85"), Decimal("0.78"), Decimal("0.76"), Decimal("0.80"),
                   Decimal("0.92"), Decimal("1.05"), Decimal("1.18"), Decimal("1.28"))
        points.append(LimitPoint(name=m.point_name, factory_number=m.factory_number,
                                 monthly=tuple((base * k).quantize(Decimal(1)) for k in profile)))
    number = f"Л-{client.contract_number}-2027"
    return LimitRequestData(
        number=number, date=date(2026, 11, 10), year=2027, supplier=supplier_party(),
        client=client_party(client), contract_number=client.contract_number,
        contract_date=date.fromisoformat(client.contract_date), points=tuple(points),
        client_signer=Signer("Главный энергетик", "Петров С. Н."),
        verify_url=_verify("limit-request", number))


def sample_reconciliation_act() -> ReconciliationActData:
    client = _client(1)
    entries = []
    balance_months = [(7, Decimal("812345.60")), (8, Decimal("798120.44")),
                      (9, Decimal("845300.12"))]
    for month, amount in balance_months:
        entries.append(ReconciliationEntry(
            date=date(2026, month + 1, 3), document=f"Счёт № С-4587-{month:02d}26 от 03.{month + 1:02d}.2026",
            debit=amount, credit=Decimal(0)))
        entries.append(ReconciliationEntry(
            date=date(2026, month + 1, 15),
            document=f"Оплата, п/п № {1200 + month} от 15.{month + 1:02d}.2026",
            debit=Decimal(0), credit=amount - (Decimal(50000) if month == 9 else 0)))
    number = "АС-4587-2026-3"
    return ReconciliationActData(
        number=number, date=date(2026, 10, 31), period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30), supplier=supplier_party(), client=client_party(client),
        contract_number=client.contract_number,
        contract_date=date.fromisoformat(client.contract_date),
        opening_balance=Decimal("812345.60"), entries=tuple(entries), currency=SUPPLIER.currency,
        supplier_signer=Signer("Главный бухгалтер", "Кузнецова О. П."),
        client_signer=Signer("Главный бухгалтер", ""),
        verify_url=_verify("reconciliation-act", number))


def sample_charges_breakdown() -> ChargesBreakdownData:
    """ЗМК's October charges, one account (лицевой счёт) per metering point."""
    client = _client(1)
    lines = []
    points: dict[str, str] = {}
    for r in _readings(client):
        account = points.setdefault(r.point_name,
                                    f"{int(client.contract_number) * 100 + len(points) + 1:08d}")
        _, price = _tariff(r.service, r.zone)
        lines.append(ChargeLine(account=account, recipient=r.point_name, tariff_group="2",
                                service=r.service_name, zone=r.zone_name, volume=r.consumption,
                                unit=r.unit, tariff=price, vat_rate=SUPPLIER.vat_rate))
    client = _client(1)
    number = f"Р-{client.contract_number}-2026-10"
    return ChargesBreakdownData(
        number=number, date=INVOICE_DATE, year=YEAR, month=MONTH, supplier=supplier_party(),
        payer=client_party(client), contract_number=client.contract_number,
        lines=tuple(lines), currency=SUPPLIER.currency,
        verify_url=_verify("charges-breakdown", number))


def sample_reading_correction() -> ReadingCorrectionData:
    """The supplier's correction of ЗМК's October act: the day register read on site."""
    client = _client(1)
    act = sample_reading_act()
    day = next(r for r in act.readings if r.zone == "day")
    new_value = day.current_value - Decimal("0.10")
    entry = ReadingCorrectionEntry(
        seq=1, service=day.service, point=day.point_name, factory_number=day.factory_number,
        zone=day.zone, old_value=day.current_value, old_consumption=day.consumption,
        new_value=new_value,
        new_consumption=(new_value - day.previous_value) * day.ct_ratio * day.vt_ratio,
        reason="Контрольное снятие показаний инженером 31.10.2026: по зоне «День» счётчик "
               "показывает на 0,10 меньше переданного.",
        engineer="Морозов И. А., инженер", at=datetime(2026, 11, 1, 10, 30, tzinfo=MSK))
    number = "КП-2026-00001"
    return ReadingCorrectionData(
        number=number, date=date(2026, 11, 1), act_number=act.number, act_date=act.date,
        year=YEAR, month=MONTH, supplier=supplier_party(), client=client_party(client),
        contract_number=client.contract_number,
        contract_date=date.fromisoformat(client.contract_date),
        readings_sha256=hashlib.sha256(readings_payload(act)).hexdigest(), entry=entry,
        unit=day.unit, verify_url=_verify("reading-correction", number))


SAMPLE_FILES: dict[str, Callable[[], bytes]] = {
    "reading_act.pdf": lambda: render_reading_act(sample_reading_act()),
    "invoice.pdf": lambda: render_invoice(sample_invoice()),
    "tax_invoice.pdf": lambda: render_tax_invoice(sample_tax_invoice()),
    "limit_request.pdf": lambda: render_limit_request(sample_limit_request()),
    "reconciliation_act.pdf": lambda: render_reconciliation_act(sample_reconciliation_act()),
    "charges_breakdown.pdf": lambda: render_charges_breakdown(sample_charges_breakdown()),
    "reading_correction.pdf": lambda: render_reading_correction(sample_reading_correction()),
    "invoice_long.pdf": lambda: render_invoice(sample_invoice_long()),
}


def write_samples(directory: Path) -> list[Path]:
    """Write one sample of every kind into ``directory`` (created if needed)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, make in SAMPLE_FILES.items():
        path = directory / name
        path.write_bytes(make())
        written.append(path)
    return written
