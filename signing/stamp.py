"""The visible signature stamp, in Russian: signer, organisation, tax ID,
certificate serial and validity, signing time.

The stamp is drawn with reportlab into a one-page PDF and imported as the field's
appearance (a form XObject). It is drawn at the size of the field's widget
(:func:`stamp_size`: a document's «Место для отметки об электронной подписи» box, 26 mm
high, gets a stamp of exactly its size, its text at the natural 7.4 pt), and only a
field much smaller or larger than the stamp's natural 256 x 94 pt gets a stamp drawn
at a readable size and scaled to fit, keeping its aspect ratio (vector text: it stays
sharp at any scale). pyHanko's own text stamp
lays out Cyrillic text glyph by glyph with visible letter-spacing; reportlab
embeds a subset of a real TrueType font with proper metrics and stays readable
and searchable in every viewer.

The stamp shows the signing time to the minute, so a stamp rendered (and parsed)
once serves a whole batch of documents signed by the same person within that
minute; rendering and parsing a stamp costs several times the rest of a B-B
signature.
"""

from __future__ import annotations

import binascii
import datetime as dt
import io
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pyhanko.pdf_utils import content, layout
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.stamp import StaticStampStyle

from signing.certinfo import CertificateSummary

__all__ = [
    "STAMP_SIZE",
    "StampText",
    "render_stamp_pdf",
    "stamp_size",
    "stamp_style",
    "stamp_text",
]

STAMP_SIZE = (256.0, 94.0)
"""Width and height of a stamp in points (two fit side by side on A4)."""

_MIN_HEIGHT = 64.0  # below this the six rows would be cramped: draw at 64 and shrink
_ASPECT = (2.0, 6.0)  # a stamp is never narrower or wider than this, relative to its height


def stamp_size(rect: tuple[float, float, float, float] | None) -> tuple[float, float]:
    """The size to draw a stamp at for a widget ``rect`` (x1, y1, x2, y2): the rect's own
    size when it is between 64 and 94 pt high and 2 to 6 times as wide as high, else the
    nearest such size (then scaled into the rect, keeping the aspect ratio)."""
    if rect is None:
        return STAMP_SIZE
    w, h = abs(rect[2] - rect[0]), abs(rect[3] - rect[1])
    if w <= 0 or h <= 0:
        return STAMP_SIZE
    height = min(max(h, _MIN_HEIGHT), STAMP_SIZE[1])
    aspect = min(max(w / h, _ASPECT[0]), _ASPECT[1])
    return (round(height * aspect, 3), round(height, 3))

_FONT_DIR = Path(__file__).resolve().parents[1] / "documents" / "fonts"
_FALLBACK_DIR = Path("/usr/share/fonts/truetype/dejavu")
_REGULAR = "LKStampSans"
_fonts_lock = threading.Lock()
_fonts_ready = False
_draw_lock = threading.Lock()

_BLUE = (0.11, 0.25, 0.55)
_INK = (0.1, 0.1, 0.12)

try:
    _MOSCOW: dt.tzinfo = ZoneInfo("Europe/Moscow")
except ZoneInfoNotFoundError:  # pragma: no cover - tzdata missing
    _MOSCOW = dt.timezone(dt.timedelta(hours=3), "MSK")


def _register_fonts() -> None:
    """Register the stamp's TrueType font with reportlab once per process."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        regular = _FONT_DIR / "LiberationSans-Regular.ttf"
        if not regular.exists():
            regular = _FALLBACK_DIR / "DejaVuSans.ttf"
        pdfmetrics.registerFont(TTFont(_REGULAR, str(regular)))
        _fonts_ready = True


@dataclass(frozen=True)
class StampText:
    """The lines of a stamp: a title and (label, value) rows."""

    title: str
    rows: tuple[tuple[str, str], ...]


def _date(d: dt.datetime) -> str:
    return d.astimezone(_MOSCOW).strftime("%d.%m.%Y")


def stamp_text(summary: CertificateSummary, signing_time: dt.datetime) -> StampText:
    """What the stamp says for this certificate and time (Moscow time)."""
    org = summary.organization or ""
    if summary.tax_id:
        org = f"{org}, ИНН {summary.tax_id}" if org else f"ИНН {summary.tax_id}"
    rows = [("Подписант", summary.person)]
    if summary.title:
        rows.append(("Должность", summary.title))
    if org:
        rows.append(("Организация", org))
    rows += [
        ("Сертификат", summary.serial_hex),
        ("Действителен", f"с {_date(summary.not_before)} по {_date(summary.not_after)}"),
        # Minutes: the exact time is in the signature (and its timestamp); a per-minute
        # stamp can be rendered once and reused across a batch of documents.
        ("Подписано", signing_time.astimezone(_MOSCOW).strftime("%d.%m.%Y %H:%M") + " МСК"),
    ]
    return StampText("ДОКУМЕНТ ПОДПИСАН ЭЛЕКТРОННОЙ ПОДПИСЬЮ", tuple(rows))


def render_stamp_pdf(text: StampText, size: tuple[float, float] = STAMP_SIZE, *,
                     opaque: bool = False) -> bytes:
    """A one-page PDF, exactly ``size`` points, with the stamp drawn on it; ``opaque``
    paints its inside white (it then hides the caption of the box it fills)."""
    # reportlab subsets the font through one read position kept on the face: two threads
    # drawing stamps at once (a pair's two documents are signed on two threads) would read
    # each other's offsets. A stamp is drawn once a minute per signer, so waiting costs nothing.
    with _draw_lock:
        return _draw_stamp_pdf(text, size, opaque)


def _draw_stamp_pdf(text: StampText, size: tuple[float, float], opaque: bool) -> bytes:
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen import canvas

    _register_fonts()
    width, height = size
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, invariant=True, pageCompression=1)
    c.setStrokeColorRGB(*_BLUE)
    c.setLineWidth(1.2)
    if opaque:
        c.setFillColorRGB(1, 1, 1)
    c.roundRect(1.5, 1.5, width - 3, height - 3, 6, stroke=1, fill=1 if opaque else 0)

    title_size = 7.6
    while stringWidth(text.title, _REGULAR, title_size) > width - 16 and title_size > 5:
        title_size -= 0.2
    # The title is the regular face drawn with fill + a thin stroke (render mode 2):
    # a bold look without embedding a second font (~20 KB per signature).
    title = c.beginText()
    title.setTextRenderMode(2)
    title.setFont(_REGULAR, title_size)
    title.setTextOrigin((width - stringWidth(text.title, _REGULAR, title_size)) / 2, height - 13)
    title.textOut(text.title)
    c.saveState()  # the text render mode is graphics state: keep it to the title
    c.setFillColorRGB(*_BLUE)
    c.setLineWidth(0.3)
    c.drawText(title)
    c.restoreState()
    c.setLineWidth(0.5)
    c.line(8, height - 17.5, width - 8, height - 17.5)

    left, label_w = 8.0, 58.0
    rows = text.rows
    line_h = min(11.0, (height - 24) / max(len(rows), 1))
    y = height - 17.5 - line_h + 2
    for label, value in rows:
        c.setFillColorRGB(*_BLUE)
        c.setFont(_REGULAR, 6.6)
        c.drawString(left, y, label + ":")
        size_v = 7.4
        while stringWidth(value, _REGULAR, size_v) > width - left - label_w - 6 and size_v > 4.5:
            size_v -= 0.2
        c.setFillColorRGB(*_INK)
        c.setFont(_REGULAR, size_v)
        c.drawString(left + label_w, y, value)
        y -= line_h
    c.showPage()
    c.save()
    return buf.getvalue()


@dataclass(frozen=True)
class _RenderedStamp:
    """A rendered stamp PDF, parsed once; imports from it are serialised by ``lock``."""

    reader: PdfFileReader
    lock: threading.Lock


_rendered: dict[tuple[StampText, tuple[float, float], bool], _RenderedStamp] = {}
_rendered_lock = threading.Lock()
_RENDERED_MAX = 32


def _rendered_stamp(text: StampText, size: tuple[float, float],
                    opaque: bool = False) -> _RenderedStamp:
    """Render and parse a stamp, or reuse the one rendered for the same text (a batch
    signed by one person within a minute)."""
    key = (text, size, opaque)
    with _rendered_lock:
        hit = _rendered.get(key)
    if hit is not None:
        return hit
    stamp = _RenderedStamp(
        PdfFileReader(io.BytesIO(render_stamp_pdf(text, size, opaque=opaque))),
        threading.Lock())
    with _rendered_lock:
        if len(_rendered) >= _RENDERED_MAX:
            _rendered.pop(next(iter(_rendered)))
        _rendered[key] = stamp
    return stamp


class _ImportedStamp(content.PdfContent):
    """The rendered stamp page as content (pyHanko's ImportedPdfPage needs a file)."""

    def __init__(self, stamp: _RenderedStamp, size: tuple[float, float]):
        super().__init__(box=layout.BoxConstraints(width=size[0], height=size[1]))
        self._stamp = stamp

    def render(self) -> bytes:
        writer = self._ensure_writer
        with self._stamp.lock:
            xobj = writer.import_page_as_xobject(self._stamp.reader, page_ix=0)
        name = "/Stamp" + binascii.hexlify(uuid.uuid4().bytes[:6]).decode()
        self.resources.xobject[name] = xobj
        return name.encode("ascii") + b" Do"


def stamp_style(summary: CertificateSummary, signing_time: dt.datetime,
                size: tuple[float, float] = STAMP_SIZE, *,
                opaque: bool = False) -> StaticStampStyle:
    """A pyHanko stamp style whose appearance is the stamp drawn at ``size`` (see
    :func:`stamp_size`), scaled into the field's rectangle keeping its aspect ratio and
    centred."""
    stamp = _rendered_stamp(stamp_text(summary, signing_time), size, opaque)
    return StaticStampStyle(background=_ImportedStamp(stamp, size), border_width=0,
                            background_opacity=1.0,
                            background_layout=layout.SimpleBoxLayoutRule(
                                x_align=layout.AxisAlignment.ALIGN_MID,
                                y_align=layout.AxisAlignment.ALIGN_MID,
                                margins=layout.Margins(0, 0, 0, 0),
                                # drawn at the field's size when it is reasonable
                                # (stamp_size), else scaled up or down to fit
                                inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT))
