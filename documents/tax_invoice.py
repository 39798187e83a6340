"""Счёт-фактура (and "Податкова накладна" for a supplier in UAH).

The Russian form follows Приложение № 1 к постановлению Правительства РФ от 26.12.2011
№ 1137: numbered requisite lines (1)–(8) for seller, shipper, consignee, payment document,
buyer, currency and contract, then the table with the form's own column numbers (А, Б, 1а …
11), the "Всего к оплате" line and the signatures. A4 landscape, as the form is printed.

Units carry their ОКЕИ code (кВт·ч 245, м³ 113, Гкал 233), which the tax inspector matches
against the unit's national symbol.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from documents.errors import InvalidDocumentData
from documents.fonts import REGULAR
from documents.layout import (
    SIGNATURE_BOX_CAPTION,
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
    wrap_text,
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
from documents.money import LineAmounts, currency, format_decimal, format_money, line_amounts
from documents.signatures import SUPPLIER

__all__ = ["OKEI", "TaxInvoiceData", "TaxInvoiceLine", "render_tax_invoice"]

# ОК 015-94 (МК 002-97) codes of the units utilities sell.
OKEI: dict[str, str] = {
    "кВт·ч": "245",
    "тыс. кВт·ч": "246",
    "кВт": "214",
    "м³": "113",
    "Гкал": "233",
    "шт": "796",
}


@dataclass(frozen=True)
class TaxInvoiceLine:
    """A line of the tax invoice; ``okei`` defaults to the code of ``unit`` in :data:`OKEI`."""

    name: str
    unit: str
    volume: Decimal
    price: Decimal  # without VAT
    vat_rate: Decimal  # percent
    okei: str | None = None
    product_code: str | None = None  # column Б, if the seller keeps one

    def __post_init__(self) -> None:
        check_text(self, "name", self.name)
        check_text(self, "unit", self.unit)
        check_decimal(self, "volume", self.volume)
        check_decimal(self, "price", self.price, non_negative=True)
        check_decimal(self, "vat_rate", self.vat_rate, non_negative=True)
        if self.okei is None:
            if self.unit not in OKEI:
                raise InvalidDocumentData(
                    f"TaxInvoiceLine.unit {self.unit!r} has no ОКЕИ code; pass okei=")
            object.__setattr__(self, "okei", OKEI[self.unit])

    @property
    def amounts(self) -> LineAmounts:
        return line_amounts(self.volume, self.price, self.vat_rate)


@dataclass(frozen=True)
class TaxInvoiceData:
    """The tax invoice's requisites. ``consignee`` defaults to the buyer; the shipper is the
    seller ("он же"); ``payment_document`` ("№ 1234 от 15.10.2026") only for prepayments."""

    number: str
    date: dt.date
    seller: Party
    buyer: Party
    lines: Sequence[TaxInvoiceLine]
    contract_number: str
    contract_date: dt.date
    verify_url: str
    currency: str = "RUB"
    payment_document: str | None = None
    shipping_document: str | None = None
    consignee: Party | None = None
    government_contract_id: str | None = None
    seller_signers: Sequence[Signer] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_text(self, "number", self.number)
        check_date(self, "date", self.date)
        check_date(self, "contract_date", self.contract_date)
        check_text(self, "contract_number", self.contract_number)
        check_url(self, "verify_url", self.verify_url)
        check_currency(self, "currency", self.currency)
        if not self.lines:
            raise InvalidDocumentData("TaxInvoiceData.lines must not be empty")
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "seller_signers", tuple(self.seller_signers))

    @property
    def totals(self) -> tuple[Decimal, Decimal, Decimal]:
        """(without tax, tax, with tax) as sums of the rounded lines."""
        amounts = [line.amounts for line in self.lines]
        zero = Decimal("0.00")
        return (sum((a.net for a in amounts), zero), sum((a.vat for a in amounts), zero),
                sum((a.gross for a in amounts), zero))


@dataclass(frozen=True)
class _Labels:
    title: str
    seller: str
    address: str
    seller_ids: str
    shipper: str
    consignee: str
    payment_doc: str
    shipping_doc: str
    buyer: str
    buyer_ids: str
    currency: str
    contract: str
    same: str
    total: str
    head: str
    accountant: str
    tax: str
    decree: str
    e_signature: str
    e_signature_box: str
    e_signed: str


RU = _Labels(
    title="Счёт-фактура", seller="Продавец", address="Адрес", seller_ids="ИНН/КПП продавца",
    shipper="Грузоотправитель и его адрес", consignee="Грузополучатель и его адрес",
    payment_doc="К платёжно-расчётному документу", shipping_doc="Документ об отгрузке",
    buyer="Покупатель", buyer_ids="ИНН/КПП покупателя", currency="Валюта: наименование, код",
    contract="Идентификатор государственного контракта, договора (соглашения) (при наличии)",
    same="он же", total="Всего к оплате",
    head="Руководитель организации или иное уполномоченное лицо",
    accountant="Главный бухгалтер или иное уполномоченное лицо", tax="НДС",
    decree="Приложение № 1 к постановлению Правительства Российской Федерации "
           "от 26 декабря 2011 г. № 1137",
    e_signature="Электронная подпись продавца", e_signature_box=SIGNATURE_BOX_CAPTION,
    e_signed="Документ составлен в электронном виде и подписан усиленной квалифицированной "
             "электронной подписью.")
UA = _Labels(
    title="Податкова накладна", seller="Постачальник (продавець)", address="Адреса",
    seller_ids="ІПН / код ЄДРПОУ продавця", shipper="Вантажовідправник", consignee="Вантажоодержувач",
    payment_doc="До платіжного документа", shipping_doc="Документ про відвантаження",
    buyer="Покупець", buyer_ids="ІПН / код ЄДРПОУ покупця", currency="Валюта: найменування, код",
    contract="Договір (контракт)", same="він же", total="Усього до сплати",
    head="Керівник або уповноважена особа", accountant="Головний бухгалтер", tax="ПДВ",
    decree="Форма податкової накладної (наказ Мінфіну України від 31.12.2015 № 1307)",
    e_signature="Електронний підпис продавця",
    e_signature_box="Місце для відмітки про електронний підпис",
    e_signed="Документ складено в електронній формі та підписано кваліфікованим електронним "
             "підписом.")


def render_tax_invoice(data: TaxInvoiceData) -> bytes:
    """The tax invoice as PDF bytes, A4 landscape (deterministic)."""
    L = UA if data.currency == "UAH" else RU
    cur = currency(data.currency)
    flow = Flow(landscape(A4))
    flow.paragraph(L.decree, size=6.5, align="r", gray=0.3, width=flow.content_width)
    flow.space(2)
    flow.paragraph(f"{L.title.upper()} № {data.number} от {format_date_long(data.date)}   (1)",
                   size=12, bold=True)
    flow.paragraph("ИСПРАВЛЕНИЕ № —  от —   (1а)", size=8.5)
    flow.space(3)
    s, b = data.seller, data.buyer
    consignee = data.consignee or b

    def ids(p: Party) -> str:
        return f"{p.tax_id}/{p.kpp}" if p.kpp else p.tax_id

    lines = [
        (L.seller, s.name, "2"), (L.address, s.address, "2а"), (L.seller_ids, ids(s), "2б"),
        (L.shipper, L.same, "3"), (L.consignee, f"{consignee.name}, {consignee.address}", "4"),
        (L.payment_doc, data.payment_document or "№ — от —", "5"),
        (L.shipping_doc, data.shipping_document or f"№ п/п 1–{len(data.lines)} № {data.number} "
                                                   f"от {format_date(data.date)}", "5а"),
        (L.buyer, b.name, "6"), (L.address, b.address, "6а"), (L.buyer_ids, ids(b), "6б"),
        (L.currency, f"{cur.name}, {cur.numeric}", "7"),
        (L.contract, data.government_contract_id
         or f"договор № {data.contract_number} от {format_date(data.contract_date)}", "8"),
    ]
    for label, value, n in lines:
        flow.labelled(f"{label}:", f"{value}   ({n})", label_width=72 * mm, size=8)
    flow.space(4)

    money = cur.short
    # The name column takes what the others leave (~49 mm on A4 landscape): a line's name
    # (service, zone, point, meter, month) wraps to two lines, not three or four, so a
    # month of a few meters fits one page with the signatures.
    widths = [8, 10, 0, 9, 8, 19, 17, 15, 18, 14, 14, 20, 18, 13, 18, 22]
    aligns: list[Align] = ["c", "c", "l", "c", "c", "c", "r", "r", "r", "c", "c", "r", "r", "c", "c", "c"]
    cols = [Column(w * mm, a) for w, a in zip(widths, aligns, strict=True)]
    cols[2] = Column(flow.content_width - sum(c.width for c in cols), "l")
    header = [
        HeaderCell("№ п/п", 0, 0, rowspan=2),
        HeaderCell("Код товара/ работ, услуг", 0, 1, rowspan=2),
        HeaderCell("Наименование товара (описание выполненных работ, оказанных услуг), "
                   "имущественного права", 0, 2, rowspan=2),
        HeaderCell("Код вида товара", 0, 3, rowspan=2),
        HeaderCell("Единица измерения", 0, 4, colspan=2),
        HeaderCell("код", 1, 4), HeaderCell("условное обозначение (национальное)", 1, 5),
        HeaderCell("Количество (объём)", 0, 6, rowspan=2),
        HeaderCell(f"Цена (тариф) за единицу измерения, {money}", 0, 7, rowspan=2),
        HeaderCell(f"Стоимость товаров (работ, услуг) без налога — всего, {money}", 0, 8,
                   rowspan=2),
        HeaderCell("В том числе сумма акциза", 0, 9, rowspan=2),
        HeaderCell("Налоговая ставка", 0, 10, rowspan=2),
        HeaderCell(f"Сумма {L.tax}, предъявляемая покупателю, {money}", 0, 11, rowspan=2),
        HeaderCell(f"Стоимость товаров (работ, услуг) с налогом — всего, {money}", 0, 12,
                   rowspan=2),
        HeaderCell("Страна происхождения товара", 0, 13, colspan=2),
        HeaderCell("цифровой код", 1, 13), HeaderCell("краткое наименование", 1, 14),
        HeaderCell("Регистрационный номер декларации на товары или партии товара", 0, 15,
                   rowspan=2),
    ]
    numbers = ["А", "Б", "1а", "1б", "2", "2а", "3", "4", "5", "6", "7", "8", "9", "10", "10а",
               "11"]
    rows = []
    for i, line in enumerate(data.lines, start=1):
        a = line.amounts
        rows.append(Row((str(i), line.product_code or "—", line.name, "—", line.okei or "",
                         line.unit, format_decimal(line.volume), format_decimal(line.price),
                         format_money(a.net), "без акциза", f"{format_decimal(line.vat_rate)}%",
                         format_money(a.vat), format_money(a.gross), "—", "—", "—")))
    net, vat, gross = data.totals
    rows.append(Row((Cell(f"{L.total} (9)", 8, "l"), format_money(net), Cell("X", 2, "c"),
                     format_money(vat), format_money(gross), Cell("", 3)), bold=True))
    flow.table(Table(cols, header, rows, size=7, header_size=6, number_row=True,
                     number_labels=numbers))
    flow.space(8)

    signers = list(data.seller_signers) or [Signer(L.head, ""), Signer(L.accountant, "")]
    head = signers[0]
    accountant = signers[1] if len(signers) > 1 else Signer(L.accountant, "")

    def draw_signatures(page: Page, y: float) -> None:
        # The head's and the chief accountant's signatures side by side in two thirds of the
        # width, the supplier's electronic signature box in the last third: one block, so
        # that a month of a few meters keeps the whole tax invoice on one page.
        third = flow.content_width / 3
        for k, (label, signer) in enumerate(((L.head, head), (L.accountant, accountant))):
            x = flow.left + k * third
            page.lines(x, y + 8, wrap_text(label, REGULAR, 7.5, third - 8 * mm), size=7.5)
            page.line(x, y + 30, x + 30 * mm, y + 30)
            page.text(x + 15 * mm, y + 37, "(подпись)", size=6, align="c", gray=0.4)
            page.line(x + 33 * mm, y + 30, x + third - 6 * mm, y + 30)
            page.text(x + 35 * mm, y + 28, signer.name, size=8.5)
            page.text(x + (33 * mm + third - 6 * mm) / 2, y + 37, "(ф.и.о.)", size=6,
                      align="c", gray=0.4)
        page.text(flow.left, y + 52, L.e_signature, size=7.5, bold=True)
        page.lines(flow.left, y + 62, wrap_text(L.e_signed, REGULAR, 7, 2 * third - 8 * mm),
                   size=7, gray=0.35)
        # (a point narrower: the box's corners are rounded inwards onto a quarter-point grid)
        page.signature_box(SUPPLIER, flow.left + 2 * third, y, third - 1,
                           caption=L.e_signature_box)

    flow.block(2 + SIGNATURE_BOX_HEIGHT, draw_signatures)
    frame = Frame(s, date_label(L.title, data.number, data.date), data.verify_url, data.date,
                  f"{L.title} № {data.number} от {format_date(data.date)}",
                  subject=f"{b.display_name}, договор № {data.contract_number}", landscape=True)
    return render_pages(frame, flow.pages)
