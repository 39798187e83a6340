"""The reading act's machine-readable attachment: embedded as an associated file, extracted
by poppler and by :func:`extract_readings_payload`, and refused when tampered with."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from documents.errors import AttachmentMismatch, AttachmentMissing
from documents.reading_act import (
    PAYLOAD_SCHEMA,
    extract_issued_and_current_payloads,
    extract_readings_payload,
    readings_payload,
    render_reading_act,
)
from lk_corporate.demo import samples
from tests.documents.conftest import layout_text, run


def test_pdfdetach_extracts_what_the_page_prints(sample_dir: Path, tmp_path: Path) -> None:
    pdf = sample_dir / "reading_act.pdf"
    listing = run("pdfdetach", "-list", pdf)
    assert "1 embedded files" in listing and "readings.json" in listing
    out = tmp_path / "readings.json"
    run("pdfdetach", "-save", "1", "-o", out, pdf)
    data = out.read_bytes()
    printed = re.findall(r"\b[0-9a-f]{64}\b", layout_text(pdf))
    assert printed == [hashlib.sha256(data).hexdigest()]
    assert data == readings_payload(samples.sample_reading_act())


def test_associated_file_structure(sample_dir: Path) -> None:
    raw = (sample_dir / "reading_act.pdf").read_bytes()
    assert re.search(rb"/AF \[ \d+ 0 R \]", raw)
    assert b"/AFRelationship /Data" in raw
    assert b"/Subtype /application#2Fjson" in raw
    assert b"/EmbeddedFiles" in raw


def test_payload_is_canonical_json() -> None:
    data = samples.sample_reading_act()
    payload = readings_payload(data)
    doc = json.loads(payload)
    assert doc["schema"] == PAYLOAD_SCHEMA
    assert json.dumps(doc, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode() == payload
    assert b"." not in re.sub(rb'"[^"]*"', b"", payload), "a bare number (float) in the JSON"
    first = doc["readings"][0]
    assert first["factory_number"] == "0804201234"
    assert first["current"] == {"date": "2026-10-31", "value": "4600.12"}
    assert (first["ct_ratio"], first["vt_ratio"]) == ("200", "100")
    assert Decimal(first["consumption"]) == Decimal(1575000)
    assert doc["act"]["submitted_at"] == "2026-10-31T14:05:12+03:00"
    assert len(doc["confirmed_warnings"]) == 2


def test_extract_roundtrip() -> None:
    data = samples.sample_reading_act()
    pdf = render_reading_act(data)
    found = extract_readings_payload(pdf)
    assert found.data == readings_payload(data)
    assert found.sha256 == hashlib.sha256(found.data).hexdigest()
    assert extract_readings_payload(pdf, expected_sha256=found.sha256.upper()) == found
    with pytest.raises(AttachmentMismatch):
        extract_readings_payload(pdf, expected_sha256="0" * 64)


def test_extract_survives_an_incremental_update() -> None:
    """A signature appends a revision; the attachment is still found in the newest one."""
    import io

    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    pdf = render_reading_act(samples.sample_reading_act())
    w = IncrementalPdfFileWriter(io.BytesIO(pdf))
    w.document_meta.title = "updated"
    out = io.BytesIO()
    w.write(out)
    assert extract_readings_payload(out.getvalue()).data == extract_readings_payload(pdf).data


def test_attachment_replaced_in_a_later_revision_is_refused() -> None:
    """An attacker appends a revision that swaps the JSON but keeps the old checksum: refused
    by the checksum; and with a fresh checksum, refused by the hash stored at issue time."""
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    payload = readings_payload(samples.sample_reading_act())
    forged_payload = payload.replace(b'"4600.12"', b'"4500.12"')
    assert forged_payload != payload
    pdf = render_reading_act(samples.sample_reading_act())
    issued_sha = hashlib.sha256(payload).hexdigest()

    def forge(checksum: bytes) -> bytes:
        w = IncrementalPdfFileWriter(io.BytesIO(pdf))
        names = w.root["/Names"]["/EmbeddedFiles"]["/Names"]
        spec_ref = names.raw_get(1)
        spec = spec_ref.get_object()
        stream = generic.StreamObject(
            {generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile"),
             generic.NameObject("/Params"): generic.DictionaryObject(
                 {generic.NameObject("/CheckSum"): generic.ByteStringObject(checksum)})},
            stream_data=forged_payload)
        ref = w.add_object(stream)
        ef = spec["/EF"]
        ef[generic.NameObject("/F")] = ref
        ef[generic.NameObject("/UF")] = ref
        w.mark_update(spec_ref)
        out = io.BytesIO()
        w.write(out)
        return out.getvalue()

    stale = forge(hashlib.md5(payload).digest())
    with pytest.raises(AttachmentMismatch, match="CheckSum"):
        extract_readings_payload(stale)
    fresh = forge(hashlib.md5(forged_payload).digest())
    assert extract_readings_payload(fresh).data == forged_payload
    with pytest.raises(AttachmentMismatch, match="expected"):
        extract_readings_payload(fresh, expected_sha256=issued_sha)
    # One parse gives the issued act's attachment and the newest one: they differ.
    first, newest = extract_issued_and_current_payloads(fresh)
    assert (first.data, newest.data) == (payload, forged_payload)
    assert first.sha256 == issued_sha
    assert extract_issued_and_current_payloads(pdf) == (extract_readings_payload(pdf),) * 2


def test_checksum_mismatch_is_refused() -> None:
    pdf = render_reading_act(samples.sample_reading_act())
    md5 = hashlib.md5(readings_payload(samples.sample_reading_act())).hexdigest().upper()
    assert f"/CheckSum <{md5}>".encode() in pdf
    broken = pdf.replace(f"<{md5}>".encode(), b"<" + b"0" * 32 + b">")
    with pytest.raises(AttachmentMismatch, match="CheckSum"):
        extract_readings_payload(broken)


def test_other_documents_have_no_readings(sample_dir: Path) -> None:
    with pytest.raises(AttachmentMissing):
        extract_readings_payload((sample_dir / "invoice.pdf").read_bytes())
    with pytest.raises(AttachmentMissing):
        extract_readings_payload(b"not a pdf")


def test_payload_changes_with_readings() -> None:
    data = samples.sample_reading_act()
    r0 = data.readings[0]
    other = replace(data, readings=(replace(r0, current_value=Decimal("4600.13")),
                                    *data.readings[1:]))
    assert readings_payload(other) != readings_payload(data)
