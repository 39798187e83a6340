"""Every signed kind carries real, empty signature fields on its «Место для отметки об
электронной подписи» boxes (read back with pyHanko's reader and poppler, not our own code)."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from documents import SIGNATURE_FIELDS, layout, signature_field, signature_fields
from documents.layout import SIGNATURE_BOX_CAPTION, SIGNATURE_BOX_HEIGHT
from documents.tax_invoice import render_tax_invoice
from lk_corporate.demo import samples
from lk_corporate.demo.samples import SAMPLE_FILES
from tests.documents.conftest import run

SIGNED = sorted(SAMPLE_FILES)
Rect = tuple[float, float, float, float]


def kind_of(name: str) -> str:
    return "invoice" if name == "invoice_long.pdf" else name.removesuffix(".pdf")


def fields_of(pdf: bytes) -> dict[str, tuple[generic.DictionaryObject, int]]:
    """name → (merged field/widget dictionary, 0-based page index via /P)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    pages = [reader.find_page_for_modification(i)[0].reference
             for i in range(int(reader.root["/Pages"]["/Count"]))]
    out = {}
    for name, value, ref in enumerate_sig_fields(reader):
        assert value is None, f"{name} is already signed"
        field = ref.get_object()
        p = field.raw_get("/P")
        assert isinstance(p, generic.IndirectObject), f"{name}: /P is not a page reference"
        out[name] = (field, pages.index(p.reference))
    return out


def page_rects(pdf: bytes, page_ix: int) -> list[Rect]:
    """Every ``x y w h re`` of the page's content stream, as (x1, y1, x2, y2)."""
    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.find_page_for_modification(page_ix)[0].get_object()
    contents = page["/Contents"]
    streams = contents if isinstance(contents, generic.ArrayObject) else [contents]
    data = b"\n".join(s.get_object().data for s in streams).decode("latin-1")
    num = r"(-?\d+(?:\.\d+)?)"
    return [(float(x), float(y), float(x) + float(w), float(y) + float(h))
            for x, y, w, h in re.findall(rf"{num} {num} {num} {num} re", data)]


def caption_boxes(pdf_path: Path, page_ix: int, height: float) -> list[Rect]:
    """Bounding boxes (PDF coordinates) of the caption «Место для отметки…» on a page."""
    xhtml = run("pdftotext", "-bbox", "-f", str(page_ix + 1), "-l", str(page_ix + 1),
                pdf_path, "-")
    words = [(w.text or "", float(w.get("xMin", 0)), float(w.get("yMin", 0)),
              float(w.get("xMax", 0)), float(w.get("yMax", 0)))
             for w in ET.fromstring(xhtml).iter() if w.tag.endswith("word")]
    first = SIGNATURE_BOX_CAPTION.split()
    out = []
    for i in range(len(words) - len(first) + 1):
        run_ = words[i:i + len(first)]
        if [w[0] for w in run_] == first:
            out.append((min(w[1] for w in run_), height - max(w[4] for w in run_),
                        max(w[3] for w in run_), height - min(w[2] for w in run_)))
    return out


def inside(inner: Rect, outer: Rect) -> bool:
    return (outer[0] <= inner[0] and inner[2] <= outer[2]
            and outer[1] <= inner[1] and inner[3] <= outer[3])


def test_field_names_per_kind() -> None:
    assert signature_fields("reading_act") == ("supplier", "client")
    assert signature_fields("limit_request") == ("client", "supplier")
    assert signature_fields("reconciliation_act") == ("supplier", "client")
    for kind in ("invoice", "tax_invoice", "charges_breakdown"):
        assert signature_fields(kind) == ("supplier",)
    assert signature_field("reading_act", "client") == "client"
    with pytest.raises(KeyError):
        signature_field("invoice", "client")
    assert set(SIGNATURE_FIELDS) == {kind_of(n) for n in SIGNED}


@pytest.mark.parametrize("name", SIGNED)
def test_empty_signature_fields_on_their_boxes(sample_dir: Path, name: str) -> None:
    pdf = (sample_dir / name).read_bytes()
    reader = PdfFileReader(io.BytesIO(pdf))
    form = reader.root["/AcroForm"]
    assert int(form["/SigFlags"]) == 1
    fields = fields_of(pdf)
    assert set(fields) == set(SIGNATURE_FIELDS[kind_of(name)])
    assert [str(f.get_object()["/T"]) for f in form["/Fields"]] == [
        n for n in fields]  # /Fields lists exactly the signature fields
    n_pages = int(reader.root["/Pages"]["/Count"])
    for field_name, (field, page_ix) in fields.items():
        assert field["/FT"] == "/Sig" and field["/Subtype"] == "/Widget"
        assert field["/Type"] == "/Annot" and str(field["/T"]) == field_name
        assert "/V" not in field and "/AP" not in field
        assert int(field["/F"]) == 4  # printed
        lock = field["/Lock"]
        assert field.raw_get("/Lock").__class__ is generic.IndirectObject
        assert lock["/Action"] == "/Include" and [str(x) for x in lock["/Fields"]] == [field_name]
        assert page_ix == n_pages - 1, "the signatures are at the end of the document"
        page = reader.find_page_for_modification(page_ix)[0].get_object()
        annots = [a.get_object() for a in page["/Annots"]]
        assert field in annots
        x1, y1, x2, y2 = (float(v) for v in field["/Rect"])
        rect = (x1, y1, x2, y2)
        width, height = (float(page["/MediaBox"][i]) for i in (2, 3))
        # the widget is exactly a ruled box drawn on the page...
        assert any(all(abs(a - b) < 0.01 for a, b in zip(r, rect, strict=True))
                   for r in page_rects(pdf, page_ix)), (field_name, rect)
        # ...the one with the caption «Место для отметки…» (or its Ukrainian form)...
        assert any(inside(c, rect) for c in caption_boxes(sample_dir / name, page_ix, height))
        # ...tall enough for the stamp, inside the margins, above the footer
        assert y2 - y1 == pytest.approx(SIGNATURE_BOX_HEIGHT, abs=0.01)
        assert x2 - x1 >= 85 * 72 / 25.4
        assert layout.MARGIN_LEFT - 0.01 <= x1 and x2 <= width - layout.MARGIN_RIGHT + 0.01
        assert y1 >= layout.FOOTER_LINE + layout.BODY_GAP - 0.01
    # the boxes do not overlap one another
    rects = [tuple(float(v) for v in f["/Rect"]) for f, _ in fields.values()]
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]


def test_ukrainian_tax_invoice_has_its_field() -> None:
    data = replace(samples.sample_tax_invoice(), currency="UAH")
    pdf = render_tax_invoice(data)
    assert set(fields_of(pdf)) == {"supplier"}
    assert render_tax_invoice(data) == pdf
