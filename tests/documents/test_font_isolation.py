"""The bytes of a document do not depend on what the process drew before.

reportlab's font registry aliases fonts by face name: a process that registered the same
TrueType file under another name first (the signature stamp does; so may any caller) used to
hand the documents that other font object, with its own subsets, and change the output.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RENDER = (
    "import sys, io\n"
    "from lk_corporate.demo import samples as S\n"
    "from documents import render_charges_breakdown, render_invoice\n"
    "{before}\n"
    "sys.stdout.buffer.write(render_charges_breakdown(S.sample_charges_breakdown()))\n"
    "sys.stdout.buffer.write(render_invoice(S.sample_invoice()))\n"
)
SAME_FILE_FIRST = (
    "from reportlab.pdfbase import pdfmetrics\n"
    "from reportlab.pdfbase.ttfonts import TTFont\n"
    "from reportlab.pdfgen import canvas\n"
    "from documents.fonts import FONT_REGULAR_PATH, FONT_BOLD_PATH\n"
    "pdfmetrics.registerFont(TTFont('Other', str(FONT_REGULAR_PATH)))\n"
    "pdfmetrics.registerFont(TTFont('OtherBold', str(FONT_BOLD_PATH)))\n"
    "c = canvas.Canvas(io.BytesIO()); c.setFont('Other', 9); c.drawString(9, 9, 'Привет'); c.save()\n"
)
STAMP_FIRST = (
    "from signing.stamp import StampText, render_stamp_pdf\n"
    "render_stamp_pdf(StampText('ДОКУМЕНТ ПОДПИСАН', (('Подписант', 'Иванова'),)))\n"
)


def _render(before: str) -> bytes:
    return subprocess.run([sys.executable, "-c", RENDER.format(before=before)], cwd=ROOT,
                          capture_output=True, check=True, timeout=120).stdout


def test_same_font_file_registered_first_changes_nothing() -> None:
    fresh = _render("")
    assert _render(SAME_FILE_FIRST) == fresh
    assert _render(STAMP_FIRST) == fresh
