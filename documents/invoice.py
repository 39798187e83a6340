"""Счёт на оплату: the invoice the calculation engine issues for a month.

Laid out as Russian accountants know it from 1C: the bank block of the recipient at the top
(Банк получателя, БИК, Сч. №, ИНН, КПП, Получатель), the title with number and date, supplier
and buyer, the lines, the totals with VAT, the total in words, the signatures, and a payment QR
code in the GOST R 56042-2014 format that banking apps scan to fill in a payment order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from reportlab.lib.units import mm

from documents.errors import InvalidDocumentData
from documents.layout import (
    SIGNATURE_BOX_HEIGHT,
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
    Party,
    Signer,
    check_currency,
    check_date,
    check_decimal,
    check_period,
    check_text,
    check_url,
    format_date,
    format_date_long,
    format_period,
)
from documents.money import (
    LineAmounts,
    amount_in_words,
    currency,
    format_decimal,
    format_money,
    line_amounts,
)
from documents.signatures import SUPPLIER

__all__ = ["InvoiceData", "InvoiceLine", "InvoiceTotals", "payment_qr_payload", "render_invoice"]


@dataclass(frozen=True)
class InvoiceLine:
    """One charged item: a service in a tariff zone, a volume at a price without VAT."""

    service: str  # "Электроэнергия"
    volume: Decimal
    unit: str  # "кВт·ч"
    price: Decimal  # per unit, without VAT
    vat_rate: Decimal  # percent: Decimal("20")
    zone: str | None = None  # "День", "Ночь", "Круглосуточно"

    def __post_init__(self) -> None:
        check_text(self, "service", self.service)
        check_text(self, "unit", self.unit)
        check_text(self, "zone", self.zone, optional=True)
        check_decimal(self, "volume", self.volume)
        check_decimal(self, "price", self.price, non_negative=True)
        check_decimal(self, "vat_rate", self.vat_rate, non_negative=True)

    @property
    def amounts(self) -> LineAmounts:
        """Net, VAT and gross by the one rounding rule of :mod:`documents.money`."""
        return line_amounts(self.volume, self.price, self.vat_rate)


@dataclass(frozen=True)
class InvoiceTotals:
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class InvoiceData:
    """Everything a Счёт на оплату prints. ``supplier.bank`` is required (the bank block);
    ``year``/``month`` name the billing period; ``verify_url`` is the portal's verification
    address for this document (footer and QR)."""

    number: str
    date: dt.date
    due_date: dt.date
    supplier: Party
    buyer: Party
    contract_number: str
    contract_date: dt.date
    year: int
    month: int
    lines: Sequence[InvoiceLine]
    verify_url: str
    currency: str = "RUB"
    signers: Sequence[Signer] = field(default_factory=tuple)
    payment_qr: bool = True
    note: str | None = None

    def __post_init__(self) -> None:
        check_text(self, "number", self.number)
        check_date(self, "date", self.date)
        check_date(self, "due_date", self.due_date)
        check_date(self, "contract_date", self.contract_date)
        check_text(self, "contract_number", self.contract_number)
        check_period(self, self.year, self.month)
        check_url(self, "verify_url", self.verify_url)
        check_currency(self, "currency", self.currency)
        if self.supplier.bank is None:
            raise InvalidDocumentData("InvoiceData.supplier.bank is required for the bank block")
        if not self.lines:
            raise InvalidDocumentData("InvoiceData.lines must not be empty")
        if not isinstance(self.lines, tuple):
            object.__setattr__(self, "lines", tuple(self.lines))
        if not isinstance(self.signers, tuple):
            object.__setattr__(self, "signers", tuple(self.signers))

    @property
    def totals(self) -> InvoiceTotals:
        """Sums of the rounded line values (so the printed lines add up to the total)."""
        amounts = [line.amounts for line in self.lines]
        return InvoiceTotals(sum((a.net for a in amounts), Decimal("0.00")),
                             sum((a.vat for a in amounts), Decimal("0.00")),
                             sum((a.gross for a in amounts), Decimal("0.00")))

    @property
    def purpose(self) -> str:
        """Назначение платежа, as the payment QR code and the invoice print it."""
        t = self.totals
        rates = sorted({line.vat_rate for line in self.lines})
        vat = (f"в т.ч. НДС {format_decimal(rates[0])}% {format_money(t.vat)}"
               if len(rates) == 1 and rates[0] > 0 else
               f"в т.ч. НДС {format_money(t.vat)}" if t.vat else "без НДС")
        return (f"Оплата по счёту № {self.number} от {format_date(self.date)} "
                f"по договору № {self.contract_number} от {format_date(self.contract_date)} "
                f"за {format_period(self.year, self.month)}, {vat}")


def _qr_value(text: str) -> str:
    # "|" separates the fields of the GOST format; it must not occur inside a value
    return " ".join(text.replace("|", " ").split())


def payment_qr_payload(data: InvoiceData) -> str:
    """The GOST R 56042-2014 payment string (UTF-8, "ST00012"), amount in kopecks."""
    bank = data.supplier.bank
    assert bank is not None  # checked in InvoiceData
    fields = [
        ("Name", data.supplier.name),
        ("PersonalAcc", bank.account),
        ("BankName", bank.bank_name),
        ("BIC", bank.bik),
        ("CorrespAcc", bank.correspondent_account),
        ("PayeeINN", data.supplier.tax_id),
    ]
    if data.supplier.kpp:
        fields.append(("KPP", data.supplier.kpp))
    fields.append(("Sum", str(int(data.totals.gross * 100))))
    fields.append(("Purpose", data.purpose))
    return "ST00012|" + "|".join(f"{k}={_qr_value(v)}" for k, v in fields)


TITLE = "Счёт на оплату"


def _bank_block(page: Page, x: float, y: float, width: float, data: InvoiceData) -> float:
    """The recipient's bank block (the 1C layout); returns its height."""
    bank = data.supplier.bank
    assert bank is not None
    s = data.supplier
    c1, c2 = width * 0.30, width * 0.28  # ИНН | КПП (bank name and recipient span both)
    c3 = 14 * mm  # "БИК" / "Сч. №"
    c4 = width - c1 - c2 - c3
    r: float = 5.2 * mm
    xl, xm, xr = x, x + c1 + c2, x + c1 + c2 + c3
    # left column: bank (2 rows), INN|KPP (1 row), recipient (2 rows)
    page.rect(xl, y, c1 + c2, 2 * r)
    page.text(xl + 2, y + 9, bank.bank_name, size=8)
    page.text(xl + 2, y + 2 * r - 3, "Банк получателя", size=6.5, gray=0.35)
    page.rect(xl, y + 2 * r, c1, r)
    page.text(xl + 2, y + 2 * r + 10, f"ИНН {s.tax_id}", size=8)
    page.rect(xl + c1, y + 2 * r, c2, r)
    page.text(xl + c1 + 2, y + 2 * r + 10, f"КПП {s.kpp}" if s.kpp else "КПП", size=8)
    page.rect(xl, y + 3 * r, c1 + c2, 2 * r)
    page.text(xl + 2, y + 3 * r + 9, s.name, size=8)
    page.text(xl + 2, y + 5 * r - 3, "Получатель", size=6.5, gray=0.35)
    # middle and right columns: БИК / Сч. № (corr.) / Сч. № (account, 3 rows)
    for i, (label, value, rows) in enumerate((("БИК", bank.bik, 1),
                                              ("Сч. №", bank.correspondent_account, 1),
                                              ("Сч. №", bank.account, 3))):
        top = y + i * r
        page.rect(xm, top, c3, rows * r)
        page.rect(xr, top, c4, rows * r)
        page.text(xm + 2, top + 10, label, size=8)
        page.text(xr + 2, top + 10, value, size=8)
    return 5 * r


def render_invoice(data: InvoiceData) -> bytes:
    """The invoice as PDF bytes (deterministic: same ``data``, same bytes)."""
    cur = currency(data.currency)
    flow = Flow()
    flow.block(5 * 5.2 * mm + 5 * mm,
               lambda page, y: _bank_block(page, flow.left, y, flow.content_width, data))
    flow.paragraph(f"{TITLE} № {data.number} от {format_date_long(data.date)}", size=13, bold=True)
    flow.space(1)
    flow.block(2, lambda page, y: page.line(flow.left, y, flow.right, y, width=1.2))
    flow.space(3)
    label_w = 36 * mm
    flow.labelled("Поставщик:", data.supplier.requisites,
                  label_width=label_w, bold_text=True)
    flow.space(2)
    flow.labelled("Покупатель:", data.buyer.requisites, label_width=label_w, bold_text=True)
    flow.space(2)
    flow.labelled("Основание:", f"Договор энергоснабжения № {data.contract_number} "
                  f"от {format_date(data.contract_date)}", label_width=label_w)
    flow.labelled("Период:", format_period(data.year, data.month), label_width=label_w)
    flow.labelled("Оплатить до:", format_date(data.due_date), label_width=label_w, bold_text=True)
    flow.space(3)

    money = cur.short
    cols = [Column(7 * mm, "c"), Column(35 * mm), Column(22 * mm), Column(20 * mm, "r"),
            Column(11 * mm, "c"), Column(15 * mm, "r"), Column(22 * mm, "r"), Column(10 * mm, "c"),
            Column(21 * mm, "r"), Column(0, "r")]
    cols[-1] = Column(flow.content_width - sum(c.width for c in cols), "r")
    header = [HeaderCell("№", 0, 0), HeaderCell("Услуга", 0, 1), HeaderCell("Зона суток", 0, 2),
              HeaderCell("Количество", 0, 3), HeaderCell("Ед. изм.", 0, 4),
              HeaderCell(f"Тариф без НДС, {money}", 0, 5),
              HeaderCell(f"Сумма без НДС, {money}", 0, 6), HeaderCell("НДС, %", 0, 7),
              HeaderCell(f"Сумма НДС, {money}", 0, 8), HeaderCell(f"Всего с НДС, {money}", 0, 9)]
    rows = []
    for i, line in enumerate(data.lines, start=1):
        a = line.amounts
        rows.append(Row((str(i), line.service, line.zone or "—", format_decimal(line.volume),
                         line.unit, format_decimal(line.price), format_money(a.net),
                         format_decimal(line.vat_rate), format_money(a.vat), format_money(a.gross))))
    t = data.totals
    rows.append(Row((Cell("Итого", 6, "r"), format_money(t.net), "", format_money(t.vat),
                     format_money(t.gross)), bold=True))
    flow.table(Table(cols, header, rows))
    flow.space(3)

    rates = sorted({line.vat_rate for line in data.lines})
    vat_label = (f"НДС ({format_decimal(rates[0])}%):" if len(rates) == 1 else "НДС:")
    totals = [("Итого без НДС:", format_money(t.net)), (vat_label, format_money(t.vat)),
              ("Всего к оплате:", format_money(t.gross))]

    def draw_totals(page: Page, y: float) -> None:
        for i, (label, value) in enumerate(totals):
            page.text(flow.right - 32 * mm, y + 9 + i * 11, label, size=9, bold=True, align="r")
            page.text(flow.right, y + 9 + i * 11, value, size=9, bold=True, align="r")

    flow.block(3 * 11 + 4, draw_totals)
    flow.paragraph(f"Всего наименований {len(data.lines)}, на сумму {format_money(t.gross)} "
                   f"{cur.short}", size=8.5)
    flow.paragraph(amount_in_words(t.gross, data.currency, capitalize=True), size=9, bold=True)
    flow.space(2)
    flow.block(2, lambda page, y: page.line(flow.left, y, flow.right, y, width=1.2))
    flow.space(2)
    flow.paragraph("Оплата настоящего счёта означает согласие с объёмами и тарифами. "
                   "В назначении платежа укажите номер счёта. " + (data.note or ""), size=7.5,
                   gray=0.3)
    flow.space(4)

    with_qr = data.payment_qr and data.currency == "RUB"
    qr = 34 * mm

    def draw_signatures(page: Page, y: float) -> None:
        x = flow.left + (qr + 6 * mm if with_qr else 0)
        if with_qr:
            page.qr(flow.left, y, qr, payment_qr_payload(data))
            page.text(flow.left + qr / 2, y + qr + 7, "QR-код для оплаты", size=6.5, align="c",
                      gray=0.35)
        signers = data.signers or (Signer("Руководитель", ""), Signer("Главный бухгалтер", ""))
        for i, signer in enumerate(signers):
            sy = y + 14 + i * 14 * mm / 1.6
            page.text(x, sy, signer.position, size=8.5, bold=True)
            page.line(x + 34 * mm, sy + 1, x + 74 * mm, sy + 1)
            page.text(x + 54 * mm, sy + 8, "подпись", size=6, align="c", gray=0.4)
            page.text(x + 77 * mm, sy, signer.name, size=8.5)
        page.text(x, y + 54, "Документ подписан усиленной квалифицированной электронной "
                  "подписью:", size=7, gray=0.35)
        page.signature_box(SUPPLIER, x, y + 59, min(90 * mm, flow.right - x))

    flow.block(max(qr + 10, 61 + SIGNATURE_BOX_HEIGHT), draw_signatures)
    frame = Frame(data.supplier, date_label(TITLE, data.number, data.date), data.verify_url,
                  data.date, f"{TITLE} № {data.number} от {format_date(data.date)}",
                  subject=f"{data.buyer.display_name}, договор № {data.contract_number}")
    return render_pages(frame, flow.pages)
