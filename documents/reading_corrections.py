"""Акт корректировки показаний: the supplier's correction of a reading the client signed.

An engineer of the supplier who finds a client's reading wrong corrects it with a reason.
The correction does not touch the act the client signed (its signatures, and what the
portal's validator says of them, stay as they were): it is a document of its own, issued and
signed by the supplier — the party making the statement — that names the act (number, date
and the SHA-256 of the act's ``readings.json``), prints the row, the old and new current
value and consumption, the reason, who and when, and carries the same as a machine-readable
associated file ``corrections.json`` (``/AFRelationship /Data``, canonical JSON like the
act's), so the calculation reads the corrected value from signed data too.

One document per correction, numbered ``seq`` 1, 2, … per act: a later correction of the same
row names the previous correction's new value as its old one, so they apply in order. The
``apply`` rule lives with the calculation (``calculation.acts.apply_corrections``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reportlab.lib.units import mm

from documents.layout import (
    SIGNATURE_BOX_HEIGHT,
    Align,
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
    check_aware,
    check_date,
    check_period,
    check_text,
    check_url,
    format_date,
    format_date_long,
    format_moment,
    format_period,
)
from documents.money import format_decimal
from documents.reading_act import attached_file, embed_json_attachment, read_pdf
from documents.signatures import SUPPLIER

__all__ = [
    "CORRECTIONS_FILENAME",
    "CORRECTIONS_SCHEMA",
    "CorrectionsPayload",
    "ReadingCorrectionData",
    "ReadingCorrectionEntry",
    "corrections_payload",
    "extract_corrections_payload",
    "parse_corrections",
    "render_reading_correction",
]

CORRECTIONS_FILENAME = "corrections.json"
CORRECTIONS_SCHEMA = "lk-corporate/reading-corrections/v1"
TITLE = "Акт корректировки показаний"
ZONE_NAMES = {"single": "Круглосуточно", "day": "День", "night": "Ночь", "peak": "Пик",
              "half_peak": "Полупик"}


@dataclass(frozen=True)
class ReadingCorrectionEntry:
    """One correction of one row of the act: the current reading ``old_value`` (with the
    consumption it gave) replaced by ``new_value`` (and the consumption it gives)."""

    seq: int
    service: str
    point: str
    factory_number: str
    zone: str
    old_value: Decimal
    old_consumption: Decimal
    new_value: Decimal
    new_consumption: Decimal
    reason: str
    engineer: str
    at: dt.datetime

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "service": self.service, "point": self.point,
                "factory_number": self.factory_number, "zone": self.zone,
                "old": {"value": format(self.old_value, "f"),
                        "consumption": format(self.old_consumption, "f")},
                "new": {"value": format(self.new_value, "f"),
                        "consumption": format(self.new_consumption, "f")},
                "reason": self.reason, "engineer": self.engineer, "at": self.at.isoformat()}


@dataclass(frozen=True)
class CorrectionsPayload:
    """The attachment as found in a PDF: its bytes and their SHA-256 (lowercase hex)."""

    data: bytes
    sha256: str

    def json(self) -> Any:
        return json.loads(self.data)


def corrections_payload(*, act_number: str, readings_sha256: str,
                        entries: Sequence[ReadingCorrectionEntry]) -> bytes:
    """The canonical JSON of every correction of the act so far."""
    doc = {"schema": CORRECTIONS_SCHEMA,
           "act": {"number": act_number, "readings_sha256": readings_sha256},
           "corrections": [e.as_json() for e in entries]}
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def _decimal(value: Any) -> Decimal:
    if not isinstance(value, str):
        raise ValueError("a number in the corrections is not a string")  # noqa: TRY004 - a malformed file, not a caller error
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError("a number in the corrections is not finite")
    return number


def parse_corrections(doc: Any, *, act_number: str,
                      readings_sha256: str) -> tuple[ReadingCorrectionEntry, ...]:
    """The entries of a parsed ``corrections.json``; ``ValueError`` when it is malformed or
    names another act or readings attachment."""
    try:
        if doc["schema"] != CORRECTIONS_SCHEMA:
            raise ValueError(f"unknown corrections format {str(doc['schema'])[:60]}")
        if doc["act"]["number"] != act_number or doc["act"]["readings_sha256"] != readings_sha256:
            raise ValueError("the corrections name another act")
        entries = tuple(
            ReadingCorrectionEntry(
                seq=int(c["seq"]), service=str(c["service"]), point=str(c["point"]),
                factory_number=str(c["factory_number"]), zone=str(c["zone"]),
                old_value=_decimal(c["old"]["value"]),
                old_consumption=_decimal(c["old"]["consumption"]),
                new_value=_decimal(c["new"]["value"]),
                new_consumption=_decimal(c["new"]["consumption"]),
                reason=str(c["reason"]), engineer=str(c["engineer"]),
                at=dt.datetime.fromisoformat(c["at"]))
            for c in doc["corrections"])
    except (KeyError, TypeError, ArithmeticError) as exc:
        raise ValueError(f"malformed corrections ({exc.__class__.__name__})") from None
    seqs = [e.seq for e in entries]
    if not seqs or seqs[0] < 1 or any(b <= a for a, b in itertools.pairwise(seqs)):
        raise ValueError("the corrections are not numbered 1, 2, … in order")
    return entries


@dataclass(frozen=True)
class ReadingCorrectionData:
    """What the correction document prints: the corrected act, the parties, the correction."""

    number: str
    date: dt.date
    act_number: str
    act_date: dt.date
    year: int
    month: int
    supplier: Party
    client: Party
    contract_number: str
    contract_date: dt.date
    readings_sha256: str
    entry: ReadingCorrectionEntry
    unit: str
    verify_url: str
    supplier_signer: Signer | None = None

    def __post_init__(self) -> None:
        for name in ("number", "act_number", "contract_number", "unit"):
            check_text(self, name, getattr(self, name))
        check_date(self, "date", self.date)
        check_date(self, "act_date", self.act_date)
        check_date(self, "contract_date", self.contract_date)
        check_period(self, self.year, self.month)
        check_url(self, "verify_url", self.verify_url)
        check_aware(self, "entry.at", self.entry.at)
        check_text(self, "entry.reason", self.entry.reason)

    @property
    def payload(self) -> bytes:
        return corrections_payload(act_number=self.act_number,
                                   readings_sha256=self.readings_sha256, entries=[self.entry])


def render_reading_correction(data: ReadingCorrectionData) -> bytes:
    """The correction document as PDF bytes, ``corrections.json`` attached (deterministic)."""
    payload = data.payload
    sha = hashlib.sha256(payload).hexdigest()
    e = data.entry
    flow = Flow()
    flow.title(TITLE)
    flow.paragraph(f"№ {data.number} от {format_date_long(data.date)}", size=10, align="c")
    flow.paragraph(f"к акту предоставления показаний № {data.act_number} от "
                   f"{format_date(data.act_date)} за расчётный период: "
                   f"{format_period(data.year, data.month)}", size=9, align="c")
    flow.space(4)
    lw = 34 * mm
    flow.labelled("Поставщик:", data.supplier.requisites, label_width=lw, bold_text=True)
    flow.labelled("Потребитель:", data.client.requisites, label_width=lw, bold_text=True)
    flow.labelled("Договор:", f"№ {data.contract_number} от {format_date(data.contract_date)}",
                  label_width=lw)
    flow.space(4)
    flow.paragraph("Поставщик исправляет показание прибора учёта, переданное потребителем в "
                   "указанном акте. К расчёту принимается исправленное значение.", size=8.5)
    flow.space(2)
    widths = [7, 0, 28, 20, 26, 26, 26, 26]
    aligns: list[Align] = ["c", "l", "l", "l", "r", "r", "r", "r"]
    cols = [Column(w * mm, a) for w, a in zip(widths, aligns, strict=True)]
    cols[1] = Column(flow.content_width - sum(c.width for c in cols), "l")
    header = [HeaderCell("№", 0, 0, rowspan=2), HeaderCell("Точка учёта", 0, 1, rowspan=2),
              HeaderCell("Заводской № прибора учёта", 0, 2, rowspan=2),
              HeaderCell("Зона суток", 0, 3, rowspan=2),
              HeaderCell("Текущее показание", 0, 4, colspan=2),
              HeaderCell("было", 1, 4), HeaderCell("стало", 1, 5),
              HeaderCell(f"Расход, {data.unit}", 0, 6, colspan=2),
              HeaderCell("было", 1, 6), HeaderCell("стало", 1, 7)]
    rows = [Row((str(e.seq), e.point, e.factory_number, ZONE_NAMES.get(e.zone, e.zone),
                 format_decimal(e.old_value), format_decimal(e.new_value),
                 format_decimal(e.old_consumption), format_decimal(e.new_consumption)))]
    flow.table(Table(cols, header, rows, size=8))
    flow.space(4)
    flow.labelled("Причина:", e.reason, label_width=lw)
    flow.labelled("Исправил:", f"{e.engineer}, {format_moment(e.at)}", label_width=lw)
    flow.space(4)
    flow.paragraph(f"Исправление в машиночитаемом виде приложено к настоящему документу (файл "
                   f"{CORRECTIONS_FILENAME}); оно ссылается на вложение акта с контрольной "
                   f"суммой SHA-256 {data.readings_sha256}. Контрольная сумма SHA-256 "
                   f"вложения:", size=8)
    flow.paragraph(sha, size=8.5, bold=True)
    flow.space(6)

    def draw_signature(page: Page, y: float) -> None:
        page.text(flow.left, y + 9, f"Поставщик: {data.supplier.display_name}", size=9,
                  bold=True)
        page.signature_box(SUPPLIER, flow.left, y + 15, 90 * mm)

    flow.block(17 + SIGNATURE_BOX_HEIGHT, draw_signature)
    frame = Frame(data.supplier, date_label(TITLE, data.number, data.date), data.verify_url,
                  e.at, f"{TITLE} № {data.number} от {format_date(data.date)}",
                  subject=f"{data.client.display_name}, акт № {data.act_number}")
    return render_pages(frame, flow.pages, before_save=lambda c: embed_json_attachment(
        c, payload, e.at, filename=CORRECTIONS_FILENAME, description="Корректировка показаний"))


def extract_corrections_payload(pdf: bytes) -> CorrectionsPayload | None:
    """The ``corrections.json`` of the newest revision of ``pdf`` (None when the act was
    never corrected); ``AttachmentMismatch`` when its bytes disagree with its /Size or
    /CheckSum."""
    data = attached_file(read_pdf(pdf), CORRECTIONS_FILENAME)
    return None if data is None else CorrectionsPayload(data, hashlib.sha256(data).hexdigest())
