"""The bytes of a document do not depend on what the process drew before.

reportlab's font registry aliases fonts by face name: a process that registered the same
TrueType file under another name first (the signature stamp does; so may any caller) used to
hand the documents that other font object, with its own subsets, and change the output.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier

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


def _same_on_threads_at_once(make: Callable[[int], bytes], expected: list[bytes],
                             rounds: int) -> list[bool]:
    """Four threads, started together, each calling ``make(k)`` ``rounds`` times over the
    inputs in turn while the interpreter switches threads as often as it can (as on a loaded
    machine): whether each result equals the one made alone."""
    threads = 4
    barrier = Barrier(threads)

    def repeatedly(n: int) -> list[bool]:
        barrier.wait()
        return [make((n + i) % len(expected)) == expected[(n + i) % len(expected)]
                for i in range(rounds)]

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        with ThreadPoolExecutor(threads) as pool:
            return [ok for batch in pool.map(repeatedly, range(threads)) for ok in batch]
    finally:
        sys.setswitchinterval(interval)


def test_threads_subsetting_one_face_at_once_get_the_same_font_program() -> None:
    """The month-end worker renders a pair's invoice and tax invoice on two threads. reportlab
    parses a face's subset through one read position kept on the face, so two threads
    subsetting at once read each other's offsets: a worker's first pair failed with
    ``IndexError`` in ``makeSubset`` (CI, 2026-12-03), or could embed a wrong font."""
    from reportlab.pdfbase import pdfmetrics

    from documents.fonts import REGULAR, _font_program, register_fonts

    register_fonts()
    face = pdfmetrics.getFont(REGULAR).face
    subsets = [list(range(32, 127)), [0x410 + i for i in range(64)] + list(range(48, 58))]

    def program(k: int) -> bytes:
        return _font_program(face, subsets[k])[0]

    results = _same_on_threads_at_once(program, [program(k) for k in range(2)], rounds=40)
    assert all(results), f"{results.count(False)} of {len(results)} subsets differed"


def test_threads_drawing_signature_stamps_at_once_get_the_same_stamps() -> None:
    """The same for the signature stamp, whose font is reportlab's own face class."""
    from signing.stamp import StampText, render_stamp_pdf

    texts = [StampText("ДОКУМЕНТ ПОДПИСАН", (("Подписант", name), ("Сертификат", serial)))
             for name, serial in (("Иванова А. П.", "01AF"), ("Petrov & Co", "7E23"))]

    def stamp(k: int) -> bytes:
        return render_stamp_pdf(texts[k])

    results = _same_on_threads_at_once(stamp, [stamp(k) for k in range(2)], rounds=80)
    assert all(results), f"{results.count(False)} of {len(results)} stamps differed"
