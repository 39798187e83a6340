"""The supplier's corrections of a signed reading act, carried inside the act itself.

An engineer of the supplier who finds a client's reading wrong corrects it with a reason.
The correction does not rewrite what the client signed: it is a *further revision* of the
same PDF — an incremental update that adds a second associated file, ``corrections.json``
(``/AFRelationship /Supplement``), followed by the supplier's signature over the whole file.
So the file keeps the client's signature byte for byte (every PDF reader still calls it
valid: it covers the revision the client signed), and the corrections are as signed as the
readings are — by the supplier, who is the one making them.

The JSON is canonical like ``readings.json`` and *cumulative*: each correction revision
carries every correction of the act so far, in order (``seq`` 1, 2, …), each naming the row
(meter factory number and zone), the old and new current value and consumption, the reason,
who and when. It names the act and the SHA-256 of the readings attachment it corrects, so it
cannot be moved to another act. :func:`apply_corrections` is the one rule for what the
corrected readings are; the calculation and the pages both use it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from documents.errors import AttachmentMismatch, AttachmentMissing

__all__ = [
    "CORRECTIONS_FILENAME",
    "CORRECTIONS_SCHEMA",
    "CorrectionsPayload",
    "ReadingCorrectionEntry",
    "attach_corrections",
    "corrections_payload",
    "extract_corrections_payload",
    "parse_corrections",
]

CORRECTIONS_FILENAME = "corrections.json"
CORRECTIONS_SCHEMA = "lk-corporate/reading-corrections/v1"


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
    if [e.seq for e in entries] != list(range(1, len(entries) + 1)):
        raise ValueError("the corrections are not numbered 1, 2, …")
    return entries


def attach_corrections(pdf: bytes, payload: bytes, *, moment: dt.datetime) -> bytes:
    """``pdf`` plus an incremental update that attaches ``payload`` as ``corrections.json``
    (replacing the one an earlier correction attached); every other associated file, the
    readings above all, stays the same object. Sign the result to make it count."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.embed import EmbeddedFileObject, EmbeddedFileParams, FileSpec
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    root = writer.root
    stream = EmbeddedFileObject.from_file_data(
        writer, payload, mime_type="application/json",
        params=EmbeddedFileParams(creation_date=moment, modification_date=moment))
    sha = hashlib.sha256(payload).hexdigest()
    spec = FileSpec(file_spec_string=CORRECTIONS_FILENAME, file_name=CORRECTIONS_FILENAME,
                    embedded_data=stream, af_relationship=generic.NameObject("/Supplement"),
                    description=f"Корректировка показаний поставщиком (JSON), SHA-256 {sha}")
    ref = writer.add_object(spec.as_pdf_object())
    try:
        old_names = root["/Names"]["/EmbeddedFiles"]["/Names"]
        old_af = root["/AF"]
    except KeyError:
        raise AttachmentMissing("the act has no readings attachment to correct") from None
    names = generic.ArrayObject()
    replaced: set[int] = set()
    for i in range(0, len(old_names) - 1, 2):
        raw = old_names.raw_get(i + 1)
        if str(old_names[i]) == CORRECTIONS_FILENAME:
            if hasattr(raw, "idnum"):
                replaced.add(raw.idnum)
            continue
        names.append(old_names.raw_get(i))
        names.append(raw)
    names.append(generic.pdf_string(CORRECTIONS_FILENAME))
    names.append(ref)
    af = generic.ArrayObject(x for x in old_af.raw_get_all()
                             if getattr(x, "idnum", None) not in replaced)
    af.append(ref)
    names_dict = generic.DictionaryObject(dict(root["/Names"].items()))
    names_dict[generic.NameObject("/EmbeddedFiles")] = generic.DictionaryObject(
        {generic.NameObject("/Names"): names})
    root[generic.NameObject("/Names")] = names_dict
    root[generic.NameObject("/AF")] = af
    writer.update_root()
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def extract_corrections_payload(pdf: bytes) -> CorrectionsPayload | None:
    """The ``corrections.json`` of the newest revision of ``pdf`` (None when the act was
    never corrected); ``AttachmentMismatch`` when its bytes disagree with its /Size or
    /CheckSum."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except KeyError:
        return None
    except Exception as exc:  # pyhanko raises several types for unreadable files
        raise AttachmentMissing(f"not a readable PDF: {exc}") from exc
    for i in range(0, len(names) - 1, 2):
        if str(names[i]) != CORRECTIONS_FILENAME:
            continue
        stream = names[i + 1]["/EF"]["/F"]
        data = stream.data
        params = stream.get("/Params")
        if params is not None:
            size = params.get("/Size")
            if size is not None and int(size) != len(data):
                raise AttachmentMismatch(f"corrections are {len(data)} bytes, /Size says {size}")
            checksum = params.get("/CheckSum")
            if checksum is not None and bytes(checksum.original_bytes) != hashlib.md5(
                    data, usedforsecurity=False).digest():
                raise AttachmentMismatch("the corrections do not match their /CheckSum")
        return CorrectionsPayload(data, hashlib.sha256(data).hexdigest())
    return None
