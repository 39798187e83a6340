"""Расшифровка начислений: a month's charges by account (лицевой счёт) and recipient.

The table the client sees in the portal ("Расшифровка по получателям"), as a PDF: for each
account and recipient the tariff group, service and zone, volume, tariff, VAT rate and amount,
a subtotal per account and the total, with VAT shown separately.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.units import mm

from documents.errors import InvalidDocumentData
from documents.layout import (
    SIGNATURE_BOX_HEIGHT,
    Align,
    Cell,
    Column,
    Flow,
    Frame,
    HeaderCell,
    Page,
    Row,
    Table,
    date_label,
    render_pages,
)
from documents.model import (
    MONTHS_RU,
    Party,
    check_currency,
    check_date,
    check_decimal,
    check_period,
    check_text,
    check_url,
    format_date,
)
from documents.money import LineAmounts, currency, format_decimal, format_money, line_amounts
from documents.signatures import SUPPLIER

__all__ = ["ChargeLine", "ChargesBreakdownData", "render_charges_breakdown"]

TITLE = "Расшифровка начислений"


@dataclass(frozen=True)
class ChargeLine:
    account: str  # лицевой счёт
    recipient: str  # получатель (the account's holder or subdivision)
    tariff_group: str
    service: str
    volume: Decimal
    unit: str
    tariff: Decimal  # without VAT
    vat_rate: Decimal
    zone: str | None = None

    def __post_init__(self) -> None:
        for name in ("account", "recipient", "tariff_group", "service", "unit"):
            check_text(self, name, getattr(self, name))
        check_decimal(self, "volume", self.volume)
        check_decimal(self, "tariff", self.tariff, non_negative=True)
        check_decimal(self, "vat_rate", self.vat_rate, non_negative=True)

    @property
    def amounts(self) -> LineAmounts:
        return line_amounts(self.volume, self.tariff, self.vat_rate)


@dataclass(frozen=True)
class ChargesBreakdownData:
    number: str
    date: dt.date
    year: int
    month: int
    supplier: Party
    payer: Party
    contract_number: str
    lines: Sequence[ChargeLine]
    verify_url: str
    currency: str = "RUB"

    def __post_init__(self) -> None:
        check_text(self, "number", self.number)
        check_date(self, "date", self.date)
        check_period(self, self.year, self.month)
        check_text(self, "contract_number", self.contract_number)
        check_url(self, "verify_url", self.verify_url)
        check_currency(self, "currency", self.currency)
        if not self.lines:
            raise InvalidDocumentData("ChargesBreakdownData.lines must not be empty")
        object.__setattr__(self, "lines", tuple(self.lines))

    @property
    def totals(self) -> LineAmounts:
        amounts = [line.amounts for line in self.lines]
        zero = Decimal("0.00")
        net = sum((a.net for a in amounts), zero)
        vat = sum((a.vat for a in amounts), zero)
        return LineAmounts(net, vat, net + vat)


def render_charges_breakdown(data: ChargesBreakdownData) -> bytes:
    """The charges breakdown as PDF bytes (deterministic)."""
    cur = currency(data.currency)
    flow = Flow()
    flow.title(f"{TITLE} по получателям")
    flow.paragraph(f"Год: {data.year}    Месяц: {MONTHS_RU[data.month - 1]}", size=9.5,
                   align="c")
    flow.space(3)
    lw = 26 * mm
    flow.labelled("Договор:", f"№ {data.contract_number}", label_width=lw)
    flow.labelled("Плательщик:", data.payer.requisites, label_width=lw, bold_text=True)
    flow.space(3)

    widths = [7, 16, 32, 11, 0, 20, 18, 10, 16, 11, 21]
    aligns: list[Align] = ["c", "c", "l", "c", "l", "l", "r", "c", "r", "c", "r"]
    cols = [Column(w * mm, a) for w, a in zip(widths, aligns, strict=True)]
    cols[4] = Column(flow.content_width - sum(c.width for c in cols), "l")
    header = [HeaderCell(t, 0, i) for i, t in enumerate((
        "№", "Лицевой счёт", "Получатель", "Тар. гр.", "Услуга", "Зона суток", "Объём",
        "Ед. изм.", f"Тариф без НДС, {cur.short}", "НДС, %", f"Сумма с НДС, {cur.short}"))]
    rows: list[Row] = []
    groups: dict[tuple[str, str], list[ChargeLine]] = {}
    for line in data.lines:
        groups.setdefault((line.account, line.recipient), []).append(line)
    for n, ((account, recipient), lines) in enumerate(groups.items(), start=1):
        for k, line in enumerate(lines):
            first = k == 0
            rows.append(Row((str(n) if first else "", account if first else "",
                             recipient if first else "", line.tariff_group, line.service,
                             line.zone or "—", format_decimal(line.volume), line.unit,
                             format_decimal(line.tariff), format_decimal(line.vat_rate),
                             format_money(line.amounts.gross))))
        subtotal = sum((line.amounts.gross for line in lines), Decimal("0.00"))
        rows.append(Row((Cell(f"Итого по лицевому счёту {account}", 10, "r"),
                         format_money(subtotal)), shade=True))
    t = data.totals
    rows.append(Row((Cell("Итого", 10, "r"), format_money(t.gross)), bold=True))
    flow.table(Table(cols, header, rows, size=7.5))
    flow.space(4)

    totals = [("Начислено без НДС:", format_money(t.net)), ("НДС:", format_money(t.vat)),
              ("Итого к оплате с НДС:", format_money(t.gross))]

    def draw_totals(page: Page, y: float) -> None:
        for i, (label, value) in enumerate(totals):
            page.text(flow.right - 32 * mm, y + 9 + i * 11, label, size=9, bold=True, align="r")
            page.text(flow.right, y + 9 + i * 11, f"{value} {cur.short}", size=9, bold=True,
                      align="r")

    flow.block(3 * 11 + 4, draw_totals)
    flow.space(4)
    flow.paragraph(f"Сформировано {format_date(data.date)} в личном кабинете "
                   f"{data.supplier.display_name}. Расшифровка носит справочный характер; "
                   f"к оплате предъявляется счёт.", size=7.5, gray=0.35)
    flow.space(6)

    def draw_signature(page: Page, y: float) -> None:
        page.text(flow.left, y + 9, f"Поставщик: {data.supplier.display_name}", size=9,
                  bold=True)
        page.signature_box(SUPPLIER, flow.left, y + 15, 90 * mm)

    flow.block(17 + SIGNATURE_BOX_HEIGHT, draw_signature)
    frame = Frame(data.supplier, date_label(TITLE, data.number, data.date), data.verify_url,
                  data.date, f"{TITLE} за {MONTHS_RU[data.month - 1].lower()} {data.year} г.",
                  subject=f"{data.payer.display_name}, договор № {data.contract_number}")
    return render_pages(frame, flow.pages)
