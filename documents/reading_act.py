"""Акт предоставления показаний: the reading act the client signs for a billing period.

Besides the printed table, the act carries the readings as a machine-readable JSON file
embedded as a PDF *associated file* (``/AF`` on the catalog and ``/EmbeddedFiles`` in the name
tree, ``/AFRelationship /Data``, ``application/json``), and prints the file's SHA-256 on the
page. Whoever signs the act signs both; the calculation engine later reads the readings with
:func:`extract_readings_payload` and refuses an act whose attachment does not match.

The JSON is canonical (sorted keys, no insignificant whitespace, UTF-8, Decimals as strings,
no floats), so :func:`readings_payload` gives the same bytes for the same input anywhere.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFArray, PDFDictionary, PDFStream, PDFString, PDFZCompress
from reportlab.pdfgen.canvas import Canvas

from documents.errors import AttachmentMismatch, AttachmentMissing, InvalidDocumentData
from documents.layout import (
    Align,
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
    Party,
    Signer,
    check_aware,
    check_date,
    check_decimal,
    check_period,
    check_text,
    check_url,
    format_date,
    format_date_long,
    format_moment,
    format_period,
)
from documents.money import format_decimal
from documents.signatures import CLIENT, SUPPLIER

__all__ = [
    "PAYLOAD_FILENAME",
    "PAYLOAD_SCHEMA",
    "MeterReading",
    "ReadingActData",
    "ReadingsPayload",
    "attached_file",
    "extract_issued_and_current_payloads",
    "extract_readings_payload",
    "readings_payload",
    "render_reading_act",
]

PAYLOAD_FILENAME = "readings.json"
PAYLOAD_SCHEMA = "lk-corporate/reading-act/v1"
TITLE = "Акт предоставления показаний"


@dataclass(frozen=True)
class MeterReading:
    """One register of one meter: a row of the act.

    ``consumption`` is given, not recomputed, because the readings module owns the rule
    ((current − previous) × CT × VT, or a declared register roll-over); the act prints and
    embeds exactly what the client submitted.
    """

    service: str  # code: "electricity", "cold_water", ...
    service_name: str  # "Электроэнергия"
    point_name: str  # "ТП-12, ввод 1"
    factory_number: str
    verification_date: dt.date | None  # next verification due
    zone: str  # code: "day" / "night" / "single"
    zone_name: str  # "День"
    unit: str  # "кВт·ч"
    previous_value: Decimal
    previous_date: dt.date
    current_value: Decimal
    current_date: dt.date
    ct_ratio: Decimal
    vt_ratio: Decimal
    consumption: Decimal
    rollover: bool = False  # the register passed its maximum since the previous reading

    def __post_init__(self) -> None:
        for name in ("service", "service_name", "point_name", "factory_number", "zone",
                     "zone_name", "unit"):
            check_text(self, name, getattr(self, name))
        check_date(self, "verification_date", self.verification_date, optional=True)
        check_date(self, "previous_date", self.previous_date)
        check_date(self, "current_date", self.current_date)
        for name in ("previous_value", "current_value", "ct_ratio", "vt_ratio"):
            check_decimal(self, name, getattr(self, name), non_negative=True)
        check_decimal(self, "consumption", self.consumption)


@dataclass(frozen=True)
class ReadingActData:
    """Everything the act prints and embeds. ``submitted_at`` is when the client submitted
    the readings (aware datetime; also the PDF's creation date)."""

    number: str
    date: dt.date
    year: int
    month: int
    supplier: Party
    client: Party
    contract_number: str
    contract_date: dt.date
    submitted_at: datetime
    readings: Sequence[MeterReading]
    verify_url: str
    confirmed_warnings: Sequence[str] = field(default_factory=tuple)
    client_signer: Signer | None = None
    supplier_signer: Signer | None = None

    def __post_init__(self) -> None:
        check_text(self, "number", self.number)
        check_date(self, "date", self.date)
        check_date(self, "contract_date", self.contract_date)
        check_text(self, "contract_number", self.contract_number)
        check_period(self, self.year, self.month)
        check_aware(self, "submitted_at", self.submitted_at)
        check_url(self, "verify_url", self.verify_url)
        if not self.readings:
            raise InvalidDocumentData("ReadingActData.readings must not be empty")
        for w in self.confirmed_warnings:
            check_text(self, "confirmed_warnings[]", w)
        object.__setattr__(self, "readings", tuple(self.readings))
        object.__setattr__(self, "confirmed_warnings", tuple(self.confirmed_warnings))


def _dec(value: Decimal) -> str:
    return format(value, "f")


def _party_json(p: Party) -> dict[str, Any]:
    return {"name": p.name, "tax_id": p.tax_id, "kpp": p.kpp}


def readings_payload(data: ReadingActData) -> bytes:
    """The canonical JSON embedded in the act (and what its printed SHA-256 is of)."""
    doc = {
        "schema": PAYLOAD_SCHEMA,
        "act": {"number": data.number, "date": data.date.isoformat(),
                "period": f"{data.year:04d}-{data.month:02d}",
                "submitted_at": data.submitted_at.isoformat()},
        "contract": {"number": data.contract_number, "date": data.contract_date.isoformat()},
        "supplier": _party_json(data.supplier),
        "client": _party_json(data.client),
        "readings": [
            {"service": r.service, "point": r.point_name, "factory_number": r.factory_number,
             "verification_date": r.verification_date.isoformat() if r.verification_date else None,
             "zone": r.zone, "unit": r.unit,
             "previous": {"value": _dec(r.previous_value), "date": r.previous_date.isoformat()},
             "current": {"value": _dec(r.current_value), "date": r.current_date.isoformat()},
             "ct_ratio": _dec(r.ct_ratio), "vt_ratio": _dec(r.vt_ratio),
             "consumption": _dec(r.consumption), "rollover": r.rollover}
            for r in data.readings
        ],
        "confirmed_warnings": list(data.confirmed_warnings),
    }
    return json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


@dataclass(frozen=True)
class ReadingsPayload:
    """The attachment as found in a PDF: its bytes and their SHA-256 (lowercase hex)."""

    data: bytes
    sha256: str

    def json(self) -> Any:
        """The parsed payload; numbers in it are strings, turn them into Decimal."""
        return json.loads(self.data)


def embed_json_attachment(c: Canvas, payload: bytes, moment: datetime, *, filename: str,
                          description: str) -> None:
    """Add ``payload`` as the document's associated JSON file ``filename`` (PDF 2.0 / PDF/A-3
    style: ``/AF`` on the catalog and ``/EmbeddedFiles`` in the name tree), its SHA-256 in
    the description. The reading act and the reading correction carry their data this way."""
    doc = c._doc
    md5 = hashlib.md5(payload, usedforsecurity=False).hexdigest().upper()
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset else 0
    sign = "+" if minutes >= 0 else "-"
    mod_date = (moment.strftime("D:%Y%m%d%H%M%S")
                + f"{sign}{abs(minutes) // 60:02d}'{abs(minutes) % 60:02d}'")
    stream = PDFStream(PDFDictionary({
        "Type": "/EmbeddedFile",
        "Subtype": "/application#2Fjson",
        "Params": PDFDictionary({"Size": len(payload), "CheckSum": f"<{md5}>",
                                 "ModDate": PDFString(mod_date)}),
    }), content=payload, filters=[PDFZCompress])
    sha = hashlib.sha256(payload).hexdigest()
    filespec = PDFDictionary({
        "Type": "/Filespec",
        "F": PDFString(filename),
        "UF": PDFString(filename),
        "Desc": PDFString(f"{description} (JSON), SHA-256 {sha}"),
        "AFRelationship": "/Data",
        "EF": PDFDictionary({"F": doc.Reference(stream), "UF": doc.Reference(stream)}),
    })
    ref = doc.Reference(filespec)
    cat = doc.Catalog
    # reportlab's catalog writes only the keys it knows; teach this one instance about /AF
    cat.__NoDefault__ = [*type(cat).__NoDefault__, "AF"]
    cat.AF = PDFArray([ref])
    cat.Names = PDFDictionary({"EmbeddedFiles": PDFDictionary(
        {"Names": PDFArray([PDFString(filename), ref])})})


def extract_readings_payload(pdf: bytes, *, expected_sha256: str | None = None) -> ReadingsPayload:
    """Read the readings attachment from an act (signed or not: the newest revision).

    Raises :class:`AttachmentMissing` when there is no ``readings.json`` associated file with
    ``/AFRelationship /Data``, and :class:`AttachmentMismatch` when its bytes disagree with the
    size or MD5 stored beside it, or with ``expected_sha256`` (the hash stored when the act
    was issued).
    """
    return _check(_payload(read_pdf(pdf), None), expected_sha256)


def extract_issued_and_current_payloads(pdf: bytes) -> tuple[ReadingsPayload, ReadingsPayload]:
    """The attachment of the act's first revision (the issued act) and of its newest
    (signed) revision, from one parse of the file — the same checks as
    :func:`extract_readings_payload` on each. A caller that knows the file's first revision is
    the issued act (its bytes begin the file) compares the two: equal, the signatures did not
    change the readings."""
    parsed = read_pdf(pdf)
    current = _payload(parsed, None)
    first = _payload(parsed, 1) if len(parsed.revisions) > 1 else current
    return first, current


def read_pdf(pdf: bytes) -> Any:
    """``pdf`` parsed by the validator's strict parser (``signing.validation.structure``).

    Why that parser and not pyHanko's reader: it is the one that judged the file when the
    signed act was uploaded, so whatever it accepted then it reads the same way now; it is
    bounded against hostile files; and it reads only the objects asked for (a month-end job
    reads every act: pyHanko's object graph cost ~3 ms an act, this ~0.7).
    """
    from signing.validation import ValidationError
    from signing.validation.structure import PdfFile

    try:
        return PdfFile(pdf)
    except (ValidationError, ValueError, RecursionError) as exc:
        raise AttachmentMissing(f"not a readable PDF: {exc}") from exc


def _check(found: ReadingsPayload, expected_sha256: str | None) -> ReadingsPayload:
    if expected_sha256 is not None and found.sha256 != expected_sha256.lower():
        raise AttachmentMismatch(f"attachment SHA-256 {found.sha256} != expected "
                                 f"{expected_sha256}")
    return found


def _payload(parsed: Any, revision: int | None) -> ReadingsPayload:
    data = attached_file(parsed, PAYLOAD_FILENAME, revision=revision)
    if data is None:
        raise AttachmentMissing(f"no {PAYLOAD_FILENAME} with /AFRelationship /Data in /AF")
    return ReadingsPayload(data, hashlib.sha256(data).hexdigest())


def attached_file(parsed: Any, filename: str, *, revision: int | None = None) -> bytes | None:
    """The bytes of the associated data file ``filename`` in a revision of a parsed PDF
    (:func:`read_pdf`; ``revision`` 1-based, None: the newest): named in ``/EmbeddedFiles``,
    listed in ``/AF`` (when that lists references) with ``/AFRelationship /Data``, as
    :func:`embed_json_attachment` writes it. None when there is none;
    :class:`AttachmentMismatch` when the bytes disagree with the ``/Size`` or ``/CheckSum``
    beside them; :class:`AttachmentMissing` for an unreadable one. The reading act's readings
    and the supplier's corrections are read this way."""
    from signing.validation import ValidationError
    from signing.validation.syntax import PdfDict, PdfString, Ref, Stream, decode_stream

    try:
        r = parsed.resolver(revision)
        root = r.root
        names_dict = r.dict_of(root.get("Names"))
        files = r.dict_of(names_dict.get("EmbeddedFiles")) if names_dict is not None else None
        names = r.resolve(files.get("Names")) if files is not None else None
        af = r.resolve(root.get("AF"))
        if not isinstance(names, list) or not isinstance(af, list):
            return None
        af_ids = {x.num for x in af if isinstance(x, Ref)}
        found = None
        for i in range(0, len(names) - 1, 2):
            key = r.resolve(names[i])
            if not isinstance(key, PdfString) or key.text() != filename:
                continue
            raw = names[i + 1]
            if af_ids and (not isinstance(raw, Ref) or raw.num not in af_ids):
                continue
            spec = r.dict_of(raw)
            if spec is not None and spec.get("AFRelationship") == "Data":
                found = spec
                break
        if found is None:
            return None
        ef = r.dict_of(found.get("EF"))
        stream = r.resolve(ef.get("F")) if ef is not None else None
        if not isinstance(stream, Stream):
            raise AttachmentMissing(f"{filename}: no embedded file stream")
        data = decode_stream(stream)
        params = r.dict_of(stream.dict.get("Params"))
        size = r.resolve(params.get("Size")) if isinstance(params, PdfDict) else None
        checksum = r.resolve(params.get("CheckSum")) if isinstance(params, PdfDict) else None
    except (ValidationError, ValueError, RecursionError) as exc:
        raise AttachmentMissing(f"not a readable PDF: {exc}") from exc
    if isinstance(size, int) and size != len(data):
        raise AttachmentMismatch(f"{filename} is {len(data)} bytes, /Size says {size}")
    if isinstance(checksum, PdfString) and bytes(checksum) != hashlib.md5(
            data, usedforsecurity=False).digest():
        raise AttachmentMismatch(f"{filename} does not match its /CheckSum")
    return data


def render_reading_act(data: ReadingActData) -> bytes:
    """The reading act as PDF bytes with the readings attached (deterministic)."""
    payload = readings_payload(data)
    sha = hashlib.sha256(payload).hexdigest()
    flow = Flow(landscape(A4))
    flow.title(TITLE)
    flow.paragraph(f"№ {data.number} от {format_date_long(data.date)} "
                   f"за расчётный период: {format_period(data.year, data.month)}",
                   size=10, align="c")
    flow.space(4)
    lw = 42 * mm
    flow.labelled("Поставщик:", data.supplier.requisites, label_width=lw, bold_text=True)
    flow.labelled("Потребитель:", data.client.requisites, label_width=lw, bold_text=True)
    flow.labelled("Договор:", f"№ {data.contract_number} от {format_date(data.contract_date)}",
                  label_width=lw)
    flow.labelled("Показания переданы:",
                  format_moment(data.submitted_at),
                  label_width=lw)
    flow.space(4)
    flow.paragraph("Потребитель предоставляет показания приборов учёта за расчётный период:",
                   size=8.5)
    flow.space(2)

    widths = [7, 30, 37, 26, 18, 22, 17, 22, 17, 22, 12, 12, 0]
    aligns: list[Align] = ["c", "l", "l", "l", "c", "l", "c", "r", "c", "r", "r", "r", "r"]
    total_w = flow.content_width
    cols = [Column(w * mm, a) for w, a in zip(widths, aligns, strict=True)]
    cols[-1] = Column(total_w - sum(c.width for c in cols), "r")
    header = [
        HeaderCell("№", 0, 0, rowspan=2), HeaderCell("Услуга", 0, 1, rowspan=2),
        HeaderCell("Точка учёта", 0, 2, rowspan=2),
        HeaderCell("Заводской № прибора учёта", 0, 3, rowspan=2),
        HeaderCell("Дата поверки", 0, 4, rowspan=2), HeaderCell("Зона суток", 0, 5, rowspan=2),
        HeaderCell("Предыдущие показания", 0, 6, colspan=2),
        HeaderCell("дата", 1, 6), HeaderCell("показание", 1, 7),
        HeaderCell("Текущие показания", 0, 8, colspan=2),
        HeaderCell("дата", 1, 8), HeaderCell("показание", 1, 9),
        HeaderCell("Коэфф. трансф.", 0, 10, colspan=2),
        HeaderCell("тока", 1, 10), HeaderCell("напр.", 1, 11),
        HeaderCell("Расход", 0, 12, rowspan=2),
    ]
    rows = []
    totals: dict[tuple[str, str], Decimal] = {}
    for i, r in enumerate(data.readings, start=1):
        rows.append(Row((
            str(i), r.service_name, r.point_name, r.factory_number,
            format_date(r.verification_date) if r.verification_date else "—", r.zone_name,
            format_date(r.previous_date), format_decimal(r.previous_value),
            format_date(r.current_date), format_decimal(r.current_value)
            + (" (переход через 0)" if r.rollover else ""),
            format_decimal(r.ct_ratio), format_decimal(r.vt_ratio),
            f"{format_decimal(r.consumption)} {r.unit}")))
        key = (r.service_name, r.unit)
        totals[key] = totals.get(key, Decimal(0)) + r.consumption
    flow.table(Table(cols, header, rows, size=7.5))
    flow.space(5)

    t_cols = [Column(80 * mm), Column(45 * mm, "r")]
    t_rows = [Row((name, f"{format_decimal(total)} {unit}")) for (name, unit), total in totals.items()]
    flow.paragraph("Итого расход по услугам:", size=8.5, bold=True)
    flow.space(1.5)
    flow.table(Table(t_cols, [HeaderCell("Услуга", 0, 0), HeaderCell("Расход за период", 0, 1)],
                     t_rows))
    flow.space(5)
    if data.confirmed_warnings:
        flow.paragraph("Предупреждения, подтверждённые потребителем при передаче показаний:",
                       size=8.5, bold=True)
        for i, warning in enumerate(data.confirmed_warnings, start=1):
            flow.paragraph(f"{i}. {warning}", size=8, indent=4 * mm)
        flow.space(4)
    flow.paragraph(f"Показания в машиночитаемом виде приложены к настоящему акту (файл "
                   f"{PAYLOAD_FILENAME}) и подписываются вместе с ним. Контрольная сумма SHA-256 "
                   f"вложения:", size=8)
    flow.paragraph(sha, size=8.5, bold=True)
    flow.space(2)
    flow.paragraph("Показания не принимаются к расчёту до подписания акта электронной подписью "
                   "уполномоченного лица потребителя.", size=8, gray=0.3)
    flow.space(6)

    flow.signature_columns((
        (SUPPLIER, "Поставщик", data.supplier, data.supplier_signer),
        (CLIENT, "Потребитель", data.client, data.client_signer)))

    frame = Frame(data.supplier, date_label(TITLE, data.number, data.date), data.verify_url,
                  data.submitted_at, f"{TITLE} № {data.number} от {format_date(data.date)}",
                  subject=f"{data.client.display_name}, договор № {data.contract_number}, "
                          f"{data.year:04d}-{data.month:02d}", landscape=True)
    return render_pages(frame, flow.pages,
                        before_save=lambda c: embed_json_attachment(
                            c, payload, data.submitted_at, filename=PAYLOAD_FILENAME,
                            description="Показания приборов учёта"))
