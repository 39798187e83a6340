"""Заявка на лимиты потребления: the client's expected monthly volumes (kWh) for a year.

One row per metering point with twelve monthly volumes and the year's total, a total row per
month, and the signature areas: the client signs the request, the supplier countersigns to
approve it (unsigned limits are void).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm

from documents.errors import InvalidDocumentData
from documents.layout import (
    Cell,
    Column,
    Flow,
    Frame,
    HeaderCell,
    Row,
    Table,
    date_label,
    render_pages,
)
from documents.model import (
    MONTHS_RU,
    Party,
    Signer,
    check_date,
    check_decimal,
    check_text,
    check_url,
    format_date,
    format_date_long,
)
from documents.money import format_decimal
from documents.signatures import CLIENT, SUPPLIER

__all__ = ["LimitPoint", "LimitRequestData", "render_limit_request"]

TITLE = "Заявка на лимиты потребления"


@dataclass(frozen=True)
class LimitPoint:
    """A metering point and its twelve expected monthly volumes (January first)."""

    name: str
    monthly: Sequence[Decimal]
    factory_number: str | None = None

    def __post_init__(self) -> None:
        check_text(self, "name", self.name)
        if len(self.monthly) != 12:
            raise InvalidDocumentData(
                f"LimitPoint.monthly needs 12 volumes, got {len(self.monthly)} for {self.name!r}")
        for value in self.monthly:
            check_decimal(self, "monthly[]", value, non_negative=True)
        object.__setattr__(self, "monthly", tuple(self.monthly))

    @property
    def total(self) -> Decimal:
        return sum(self.monthly, Decimal(0))


@dataclass(frozen=True)
class LimitRequestData:
    number: str
    date: dt.date
    year: int
    supplier: Party
    client: Party
    contract_number: str
    contract_date: dt.date
    points: Sequence[LimitPoint]
    verify_url: str
    unit: str = "кВт·ч"
    client_signer: Signer | None = None
    supplier_signer: Signer | None = None

    def __post_init__(self) -> None:
        check_text(self, "number", self.number)
        check_date(self, "date", self.date)
        check_date(self, "contract_date", self.contract_date)
        check_text(self, "contract_number", self.contract_number)
        check_url(self, "verify_url", self.verify_url)
        if not isinstance(self.year, int) or not 2000 <= self.year <= 2100:
            raise InvalidDocumentData(f"LimitRequestData.year must be a year, got {self.year!r}")
        if not self.points:
            raise InvalidDocumentData("LimitRequestData.points must not be empty")
        object.__setattr__(self, "points", tuple(self.points))

    @property
    def monthly_totals(self) -> tuple[Decimal, ...]:
        return tuple(sum((p.monthly[m] for p in self.points), Decimal(0)) for m in range(12))

    @property
    def total(self) -> Decimal:
        return sum(self.monthly_totals, Decimal(0))


def render_limit_request(data: LimitRequestData) -> bytes:
    """The limit request as PDF bytes, A4 landscape (deterministic)."""
    flow = Flow(landscape(A4))
    flow.title(f"{TITLE} электрической энергии на {data.year} год")
    flow.paragraph(f"№ {data.number} от {format_date_long(data.date)}", size=10, align="c")
    flow.space(4)
    lw = 30 * mm
    flow.labelled("Поставщик:", data.supplier.requisites, label_width=lw, bold_text=True)
    flow.labelled("Потребитель:", data.client.requisites, label_width=lw, bold_text=True)
    flow.labelled("Договор:", f"№ {data.contract_number} от {format_date(data.contract_date)}",
                  label_width=lw)
    flow.space(3)
    flow.paragraph(f"{data.client.display_name} просит установить договорные объёмы потребления "
                   f"электрической энергии на {data.year} год по точкам учёта в следующих объёмах "
                   f"({data.unit}):", size=8.5)
    flow.space(2)

    month_w = 15.5 * mm
    cols = [Column(7 * mm, "c"), Column(0), Column(20 * mm, "c")]
    cols += [Column(month_w, "r") for _ in range(12)] + [Column(20 * mm, "r")]
    cols[1] = Column(flow.content_width - sum(c.width for c in cols), "l")
    header = [HeaderCell("№", 0, 0, rowspan=2), HeaderCell("Точка учёта", 0, 1, rowspan=2),
              HeaderCell("Заводской № прибора учёта", 0, 2, rowspan=2),
              HeaderCell(f"Объём потребления по месяцам, {data.unit}", 0, 3, colspan=12),
              HeaderCell(f"Всего за год, {data.unit}", 0, 15, rowspan=2)]
    header += [HeaderCell(MONTHS_RU[m], 1, 3 + m) for m in range(12)]
    rows = [Row((str(i), p.name, p.factory_number or "—",
                 *(format_decimal(v) for v in p.monthly), format_decimal(p.total)))
            for i, p in enumerate(data.points, start=1)]
    rows.append(Row((Cell("Итого", 3, "r"), *(format_decimal(v) for v in data.monthly_totals),
                     format_decimal(data.total)), bold=True, shade=False))
    flow.table(Table(cols, header, rows, size=7.5, header_size=7))
    flow.space(4)
    flow.paragraph(f"Итого заявленный годовой объём: {format_decimal(data.total)} {data.unit}.",
                   size=9, bold=True)
    flow.paragraph("Заявка действительна после подписания электронной подписью уполномоченного "
                   "лица потребителя; лимиты вступают в силу после согласования поставщиком.",
                   size=8, gray=0.3)
    flow.space(8)

    flow.signature_columns((
        (CLIENT, "Потребитель", data.client, data.client_signer),
        (SUPPLIER, "Согласовано: поставщик", data.supplier, data.supplier_signer)))
    frame = Frame(data.supplier, date_label(TITLE, data.number, data.date), data.verify_url,
                  data.date, f"{TITLE} № {data.number} на {data.year} год",
                  subject=f"{data.client.display_name}, договор № {data.contract_number}",
                  landscape=True)
    return render_pages(frame, flow.pages)
