"""The shortcuts that make a one-page document take ~3 ms must not change what a reader gets:
QR codes that scan at 150 dpi, text outside the seeded font subset, per-supplier headers."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from documents import layout
from documents.fonts import BOLD, ITALIC, REGULAR, SEED_CHARACTERS, register_fonts
from documents.invoice import payment_qr_payload, render_invoice
from lk_corporate.demo import samples
from lk_corporate.demo.samples import SAMPLE_FILES
from tests.documents.conftest import layout_text, run, squeezed

ONE_PAGE = sorted(n for n in SAMPLE_FILES if n != "invoice_long.pdf")


def _decoded(png: Path) -> list[str]:
    """Every QR code zxing-cpp finds on the page, as UTF-8 text."""
    with Image.open(png) as im:
        found = zxingcpp.read_barcodes(im.convert("L"))
    return sorted(b.bytes.decode("utf-8") for b in found
                  if b.format == zxingcpp.BarcodeFormat.QRCode)


def _verify_url(pdf: Path) -> str:
    return next(w for w in squeezed(layout_text(pdf)).split() if w.startswith("https://"))


@pytest.mark.parametrize("name", ONE_PAGE)
def test_footer_qr_decodes_at_150_dpi(sample_dir: Path, name: str, tmp_path: Path) -> None:
    """The 17 mm verification code reads from a 150 dpi rendering (zxing-cpp's reader, so
    the test never skips for want of a system tool)."""
    pdf = sample_dir / name
    run("pdftoppm", "-r", "150", "-gray", "-png", pdf, tmp_path / "p")
    url = _verify_url(pdf)
    expected = [url]
    if name == "invoice.pdf":
        expected.append(payment_qr_payload(samples.sample_invoice()))
    assert _decoded(tmp_path / "p-1.png") == sorted(expected)


@pytest.mark.parametrize("dpi", ["150", "300"])
def test_qr_codes_decode_with_zbar(sample_dir: Path, tmp_path: Path, dpi: str) -> None:
    """The same with zbar (Debian's zbar-tools), a stricter reader of small codes."""
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg (apt-get install zbar-tools) is not installed")
    run("pdftoppm", "-r", dpi, "-gray", "-png", sample_dir / "invoice.pdf", tmp_path / "i")
    out = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "i-1.png")],
                         capture_output=True, text=True, check=False).stdout.splitlines()
    data = samples.sample_invoice()
    assert sorted(out) == sorted([payment_qr_payload(data), data.verify_url])


def test_long_verification_url_decodes_at_150_dpi(tmp_path: Path) -> None:
    base = samples.sample_reconciliation_act()
    url = (base.verify_url + "/").ljust(96, "x")
    assert len(url) == 96
    from documents.reconciliation_act import render_reconciliation_act

    pdf = tmp_path / "act.pdf"
    pdf.write_bytes(render_reconciliation_act(replace(base, verify_url=url)))
    run("pdftoppm", "-r", "150", "-gray", "-png", pdf, tmp_path / "p")
    assert _decoded(tmp_path / "p-1.png") == [url]


def test_text_outside_the_seeded_subset(tmp_path: Path) -> None:
    """Characters the seed does not hold (Ukrainian, €, ß, Greek) go through reportlab's
    subsetting, in the header (not cached then) as in the body, and still extract."""
    base = samples.sample_invoice()
    odd = "ҐЇЄ їєґ € ß Ωμ"
    assert not set(odd) - {" "} <= set(SEED_CHARACTERS)
    supplier = replace(base.supplier, name=f"ТОВ «Енергія {odd}»")
    buyer = replace(base.buyer, name=f"Покупець {odd}")
    data = replace(base, supplier=supplier, buyer=buyer, note=f"Примітка {odd}")
    pdf = tmp_path / "odd.pdf"
    pdf.write_bytes(render_invoice(data))
    assert render_invoice(data) == pdf.read_bytes()
    text = squeezed(layout_text(pdf))
    assert f"ТОВ «Енергія {odd}»" in text  # header, bold
    assert f"Покупець {odd}" in text  # requisites, bold
    assert f"Примітка {odd}" in text  # regular
    for row in run("pdffonts", pdf).splitlines()[2:]:
        assert row.split()[-5:-2] == ["yes", "yes", "yes"], row
    # and the next ordinary document is unaffected by the other one's subset
    assert render_invoice(base) == render_invoice(base)
    assert "Северная энергосбытовая" in squeezed(layout_text(_write(tmp_path, base)))


def _write(tmp_path: Path, data: object) -> Path:
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(render_invoice(data))  # type: ignore[arg-type]
    return pdf


def test_header_follows_the_supplier(tmp_path: Path) -> None:
    """The header is laid out once per supplier and process: another supplier, another
    header."""
    base = samples.sample_invoice()
    other = replace(base, supplier=replace(base.supplier, name="ООО «Другой поставщик»",
                                           phone="+7 (812) 000-00-00"))
    first = squeezed(layout_text(_write(tmp_path, base)))
    second = squeezed(layout_text(_write(tmp_path, other)))
    assert "Северная энергосбытовая компания" in first.splitlines()[0]
    assert "ООО «Другой поставщик»" in second.splitlines()[0]
    assert "+7 (812) 000-00-00" in second and "+7 (812) 000-00-00" not in first


def test_fast_encoding_matches_reportlab() -> None:
    """Seed characters are encoded with a translate table; the bytes must be the ones
    reportlab's subsetting would give in a freshly seeded document."""
    from reportlab.lib.rl_accel import escapePDF
    from reportlab.pdfbase.pdfmetrics import getFont

    register_fonts()
    frame = layout.Frame(samples.sample_invoice().supplier, "x", "https://x.example/",
                         samples.INVOICE_DATE, "x")
    c, _ = layout.new_canvas(frame)
    enc = layout._Encoder(c._doc)
    text = SEED_CHARACTERS + "\u00a0\\()~{}`^$"
    for font in (REGULAR, BOLD, ITALIC):
        fast = enc.encode(font, text)
        f = getFont(font)
        slow = [(f.getSubsetInternalName(s, c._doc), escapePDF(b))
                for s, b in f.splitString(text, c._doc)]
        assert fast == slow, font
