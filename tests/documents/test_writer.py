"""``documents.writer`` writes a frame document without reportlab's canvas; it must write
exactly the bytes reportlab would, or a stored hash, a signature's byte range or a snapshot
would differ depending on which path a document took."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from documents import layout
from documents.layout import Flow, Frame, render_pages
from lk_corporate.demo import samples

KINDS: dict[str, tuple[Callable[[], Any], Callable[[Any], bytes]]] = {
    "invoice": (samples.sample_invoice, samples.render_invoice),
    "invoice, 11 pages": (samples.sample_invoice_long, samples.render_invoice),
    "tax invoice": (samples.sample_tax_invoice, samples.render_tax_invoice),
    "limit request": (samples.sample_limit_request, samples.render_limit_request),
    "reconciliation act": (samples.sample_reconciliation_act,
                           samples.render_reconciliation_act),
    "charges breakdown": (samples.sample_charges_breakdown,
                          samples.render_charges_breakdown),
}


def _both_ways(monkeypatch: pytest.MonkeyPatch, render: Callable[[], bytes]
               ) -> tuple[bytes, bytes, list[bool]]:
    """The document through the writer (and whether the writer took it), then through
    reportlab."""
    direct = layout._write_directly
    took: list[bool] = []

    def spy(frame: Frame, pages: Any) -> bytes | None:
        written = direct(frame, pages)
        took.append(written is not None)
        return written

    monkeypatch.setattr(layout, "_write_directly", spy)
    written = render()
    monkeypatch.setattr(layout, "_write_directly", lambda frame, pages: None)
    reference = render()
    monkeypatch.setattr(layout, "_write_directly", direct)
    return written, reference, took


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_byte_for_byte(monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    sample, render = KINDS[kind]
    data = sample()
    written, reference, took = _both_ways(monkeypatch, lambda: render(data))
    assert took == [True]
    assert written == reference


def _custom(issued: datetime, *, italic: bool, text: str = "Проверка",
            fields: bool = True) -> Callable[[], bytes]:
    """Two pages: italic text (or not), a field on each page (or none)."""
    frame = Frame(supplier=samples.supplier_party(), label="Документ № 1 от 01.11.2026",
                  verify_url="https://lk.example/v/1", issued=issued, title="Документ № 1",
                  subject="")

    def render() -> bytes:
        flow = Flow()
        flow.paragraph(text)
        flow.page.text(60, 300, "Курсив (italic)", italic=italic)
        if fields:
            flow.page.signature_box("client", 60, 400, 200)
        flow.new_page()
        flow.paragraph("Вторая страница")
        if fields:
            flow.page.signature_box("supplier", 60, 400, 200)
        return render_pages(frame, flow.pages)

    return render


@pytest.mark.parametrize("italic", [False, True])
@pytest.mark.parametrize("offset", [0, 3, -5])
def test_fields_on_two_pages_italic_and_time_zones(monkeypatch: pytest.MonkeyPatch,
                                                   italic: bool, offset: int) -> None:
    issued = datetime(2026, 11, 3, 9, 30, tzinfo=timezone(timedelta(hours=offset)))
    written, reference, took = _both_ways(monkeypatch, _custom(issued, italic=italic))
    assert took == [True]
    assert written == reference
    assert (b"/F3+0" in written) is italic
    assert f"{offset:+03d}'00'".encode() in written


def test_no_signature_field(monkeypatch: pytest.MonkeyPatch) -> None:
    written, reference, took = _both_ways(monkeypatch, _custom(
        datetime(2026, 11, 3, tzinfo=UTC), italic=False, fields=False))
    assert took == [True]
    assert written == reference
    assert b"/AcroForm" not in written


def test_a_character_outside_the_seed_goes_to_reportlab(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ukrainian «ї» is not seeded: only reportlab can add it to the subset."""
    written, reference, took = _both_ways(monkeypatch, _custom(
        datetime(2026, 11, 3, tzinfo=UTC), italic=False, text="Київ"))
    assert took == [False]
    assert written == reference


def test_a_logo_goes_to_reportlab(monkeypatch: pytest.MonkeyPatch) -> None:
    def chunk(tag: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + tag + body
                + struct.pack(">I", zlib.crc32(tag + body)))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))
    data = samples.sample_invoice()
    data = replace(data, supplier=replace(data.supplier, logo_png=png))
    written, reference, took = _both_ways(monkeypatch, lambda: samples.render_invoice(data))
    assert took == []
    assert written == reference
    assert b"/XObject" in written


def test_operations_remembered_from_an_earlier_document_are_written_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``layout._content`` keeps each text and box it formatted: the second document of the
    same shape is written from that memory and must still say which faces it uses (an
    italic text remembered still embeds the italic subset)."""
    render = _custom(datetime(2026, 11, 3, tzinfo=UTC), italic=True)
    monkeypatch.setattr(layout, "_SHOWN", {})
    monkeypatch.setattr(layout, "_BOXES", {})
    first = render()
    assert layout._SHOWN and layout._BOXES
    again = render()
    assert again == first
    assert b"/F3+0" in again
    _written, reference, _took = _both_ways(monkeypatch, render)
    assert again == reference
