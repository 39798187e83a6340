"""Акт сверки взаиморасчётов: the supplier's and the buyer's books side by side for a period.

The standard two-sided table ("По данным поставщика" / "По данным покупателя", each with
Дата, Документ, Дебет, Кредит), opening balance, every invoice and payment, turnovers, closing
balance, and the sentence an accountant looks for: "задолженность в пользу ... составляет ...".

Sign convention: balances and entries are from the supplier's books. A positive balance
means the buyer owes the supplier (supplier's debit); the buyer's side mirrors it (the same
amount on the credit side), because the portal only knows the supplier's books; the buyer
agrees by signing or returns a disagreement.
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
    check_text,
    check_url,
    format_date,
    format_date_long,
)
from documents.money import amount_in_words, currency, format_money, round_money
from documents.signatures import CLIENT, SUPPLIER

__all__ = ["ReconciliationActData", "ReconciliationEntry", "render_reconciliation_act"]

TITLE = "Акт сверки взаиморасчётов"


@dataclass(frozen=True)
class ReconciliationEntry:
    """One document in the supplier's books: an invoice (debit) or a payment (credit)."""

    date: dt.date
    document: str  # "Счёт № С-4587-0926 от 03.10.2026", "Оплата, п/п № 1209 от 15.10.2026"
    debit: Decimal
    credit: Decimal

    def __post_init__(self) -> None:
        check_date(self, "date", self.date)
        check_text(self, "document", self.document)
        check_decimal(self, "debit", self.debit, non_negative=True)
        check_decimal(self, "credit", self.credit, non_negative=True)


@dataclass(frozen=True)
class ReconciliationActData:
    number: str
    date: dt.date
    period_start: dt.date
    period_end: dt.date
    supplier: Party
    client: Party
    contract_number: str
    contract_date: dt.date
    opening_balance: Decimal  # > 0: the client owes the supplier
    entries: Sequence[ReconciliationEntry]
    verify_url: str
    currency: str = "RUB"
    supplier_signer: Signer | None = None
    client_signer: Signer | None = None

    def __post_init__(self) -> None:
        check_text(self, "number", self.number)
        for name in ("date", "period_start", "period_end", "contract_date"):
            check_date(self, name, getattr(self, name))
        if self.period_end < self.period_start:
            raise InvalidDocumentData("ReconciliationActData.period_end is before period_start")
        check_text(self, "contract_number", self.contract_number)
        check_decimal(self, "opening_balance", self.opening_balance)
        check_url(self, "verify_url", self.verify_url)
        check_currency(self, "currency", self.currency)
        object.__setattr__(self, "entries", tuple(self.entries))

    @property
    def debit_turnover(self) -> Decimal:
        return round_money(sum((e.debit for e in self.entries), Decimal(0)))

    @property
    def credit_turnover(self) -> Decimal:
        return round_money(sum((e.credit for e in self.entries), Decimal(0)))

    @property
    def closing_balance(self) -> Decimal:
        return round_money(self.opening_balance) + self.debit_turnover - self.credit_turnover


def _m(value: Decimal) -> str:
    return format_money(value) if value else ""


def balance_statement(data: ReconciliationActData) -> str:
    """"На 30.09.2026 задолженность в пользу АО «...» составляет 50 000,00 руб. (...)"."""
    closing = data.closing_balance
    when = format_date(data.period_end)
    if closing == 0:
        return f"На {when} задолженность между сторонами отсутствует."
    creditor = data.supplier if closing > 0 else data.client
    amount = abs(closing)
    cur = currency(data.currency)
    return (f"На {when} задолженность в пользу {creditor.display_name} составляет "
            f"{format_money(amount)} {cur.short} ({amount_in_words(amount, data.currency)}).")


def render_reconciliation_act(data: ReconciliationActData) -> bytes:
    """The reconciliation act as PDF bytes (deterministic)."""
    cur = currency(data.currency)
    s, c = data.supplier, data.client
    flow = Flow()
    flow.title(TITLE)
    flow.paragraph(f"№ {data.number} от {format_date_long(data.date)}", size=10, align="c")
    flow.paragraph(f"за период с {format_date(data.period_start)} по {format_date(data.period_end)} "
                   f"между {s.display_name} и {c.display_name} по договору № "
                   f"{data.contract_number} от {format_date(data.contract_date)}", size=9,
                   align="c")
    flow.space(4)
    flow.paragraph(f"Мы, нижеподписавшиеся, {s.name} (ИНН {s.tax_id}), с одной стороны, и "
                   f"{c.name} (ИНН {c.tax_id}), с другой стороны, составили настоящий акт сверки "
                   f"в том, что состояние взаимных расчётов по данным учёта следующее, "
                   f"{cur.short}:", size=8.5)
    flow.space(3)

    half = flow.content_width / 2
    side = [Column(16 * mm, "c"), Column(half - 16 * mm - 2 * 19.5 * mm),
            Column(19.5 * mm, "r"), Column(19.5 * mm, "r")]
    cols = side + side
    header = [HeaderCell(f"По данным {s.display_name}, {cur.short}", 0, 0, colspan=4),
              HeaderCell(f"По данным {c.display_name}, {cur.short}", 0, 4, colspan=4)]
    for k in (0, 4):
        header += [HeaderCell("Дата", 1, k), HeaderCell("Документ", 1, k + 1),
                   HeaderCell("Дебет", 1, k + 2), HeaderCell("Кредит", 1, k + 3)]

    def balance_row(label: str, value: Decimal) -> Row:
        debit, credit = (value, Decimal(0)) if value > 0 else (Decimal(0), -value)
        return Row((Cell(label, 2), _m(debit), _m(credit), Cell(label, 2), _m(credit), _m(debit)),
                   bold=True, shade=True)

    rows = [balance_row(f"Сальдо на {format_date(data.period_start)}", data.opening_balance)]
    for e in data.entries:
        d = format_date(e.date)
        rows.append(Row((d, e.document, _m(e.debit), _m(e.credit),
                         d, e.document, _m(e.credit), _m(e.debit))))
    dt, ct = data.debit_turnover, data.credit_turnover
    rows.append(Row((Cell("Обороты за период", 2), format_money(dt), format_money(ct),
                     Cell("Обороты за период", 2), format_money(ct), format_money(dt)), bold=True))
    rows.append(balance_row(f"Сальдо на {format_date(data.period_end)}", data.closing_balance))
    flow.table(Table(cols, header, rows, size=7, header_size=7))
    flow.space(5)

    flow.paragraph(f"По данным {s.display_name}:", size=8.5, bold=True)
    flow.paragraph(balance_statement(data), size=8.5)
    flow.space(3)
    flow.paragraph(f"По данным {c.display_name}:", size=8.5, bold=True)
    flow.paragraph("Подписывая акт без разногласий, покупатель подтверждает данные поставщика; "
                   "при разногласиях они возвращаются с комментариями.", size=8, gray=0.3)
    flow.space(8)

    def draw_signatures(page: Page, y: float) -> None:
        for k, (field_name, party, signer) in enumerate(((SUPPLIER, s, data.supplier_signer),
                                                         (CLIENT, c, data.client_signer))):
            x = flow.left + k * half
            page.text(x, y + 9, f"От {party.display_name}", size=9, bold=True)
            page.text(x, y + 22, signer.position if signer else "Уполномоченное лицо", size=8)
            page.line(x, y + 44, x + 40 * mm, y + 44)
            page.text(x + 20 * mm, y + 51, "подпись", size=6, align="c", gray=0.4)
            page.line(x + 43 * mm, y + 44, x + half - 6 * mm, y + 44)
            if signer and signer.name:
                page.text(x + 44 * mm, y + 42, signer.name, size=8.5)
            page.text(x + (43 * mm + half - 6 * mm) / 2, y + 51, "ф.и.о.", size=6, align="c",
                      gray=0.4)
            page.signature_box(field_name, x, y + 56, half - 6 * mm)

    flow.block(58 + SIGNATURE_BOX_HEIGHT, draw_signatures)
    frame = Frame(s, date_label(TITLE, data.number, data.date), data.verify_url, data.date,
                  f"{TITLE} № {data.number} от {format_date(data.date)}",
                  subject=f"{c.display_name}, договор № {data.contract_number}")
    return render_pages(frame, flow.pages)
