"""The shared page frame and a small layout engine on reportlab's canvas.

Why not platypus: a one-page invoice must render in a few milliseconds, and "стр. N из M"
needs the page count before the first footer is drawn. So a document is laid out first into
:class:`Page` objects (lists of drawing operations, in top-down coordinates), then
:func:`render_pages` draws the frame (header, footer with the number, "стр. N из M" and the
verification QR) and the operations onto one canvas, all text of a page in one text object.

Determinism: reportlab's ``invariant`` mode, the creation date taken from the document's own
date (never the clock, never ``SOURCE_DATE_EPOCH``), and the file identifier (``/ID``) computed
from the bytes of the file itself. Same input, same bytes.

Geometry: points, origin at the top-left corner of the page, y grows downwards; text is placed
by its baseline.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from functools import cached_property, lru_cache
from typing import Any, Literal, NamedTuple

import zxingcpp
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import (
    PDFArray,
    PDFDictionary,
    PDFName,
    PDFObjectReference,
    PDFStream,
    PDFString,
)
from reportlab.pdfbase.pdfmetrics import getFont, stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from documents.fonts import BOLD, ITALIC, REGULAR, register_fonts, seed_encoding, seed_subsets
from documents.model import Party, Signer, format_date
from documents.writer import (
    FONT_NAMES,
    ID_PLACEHOLDER,
    PAGE_COMPRESSION_LEVEL,
    FieldBox,
    PageBody,
    write_pdf,
)

__all__ = [
    "BODY_TOP",
    "FOOTER_HEIGHT",
    "FOOTER_LINE",
    "MARGIN_BOTTOM",
    "MARGIN_LEFT",
    "MARGIN_RIGHT",
    "SIGNATURE_BOX_CAPTION",
    "SIGNATURE_BOX_HEIGHT",
    "Align",
    "Cell",
    "Column",
    "Flow",
    "Frame",
    "HeaderCell",
    "Page",
    "Row",
    "SignatureBox",
    "Table",
    "render_pages",
    "text_width",
    "wrap_text",
]

Align = Literal["l", "r", "c"]

MARGIN_LEFT: float = 15 * mm
MARGIN_RIGHT: float = 10 * mm
MARGIN_TOP: float = 8 * mm
MARGIN_BOTTOM: float = 7 * mm
HEADER_HEIGHT = 17 * mm  # logo, supplier name, requisites line, rule
BODY_TOP = MARGIN_TOP + HEADER_HEIGHT + 3 * mm
QR_SIZE = 17 * mm
FOOTER_HEIGHT = QR_SIZE + 2 * mm  # from the bottom margin up to the footer rule
FOOTER_LINE = MARGIN_BOTTOM + FOOTER_HEIGHT  # distance of the footer rule from the bottom edge
BODY_GAP = 2.5 * mm  # nothing of the body comes closer than this to the footer rule

SIGNATURE_BOX_HEIGHT = 74.0
"""Height of a «Место для отметки об электронной подписи» box in points (26.1 mm): the
signature stamp (``signing.stamp``, 256 x 94 pt at its natural size) is drawn at the box's
own size, and 74 pt keeps its six lines at their natural 7.4 pt. Boxes are whole points
wide and high: pyHanko sizes a signature appearance in whole points, and the viewer
stretches it to the widget, which would otherwise distort the stamp a little."""
SIGNATURE_BOX_CAPTION = "Место для отметки об электронной подписи"

GRID = 0.5  # table rule width
BLACK = 0.0
GREY = 0.35
SHADE = 0.9


@lru_cache(maxsize=16384)
def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` in points (cached: labels, units and headings recur on every
    page and in every document)."""
    return float(stringWidth(text, font, size))


def _font(bold: bool = False, italic: bool = False) -> str:
    return BOLD if bold else ITALIC if italic else REGULAR


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy line breaking at spaces (and at explicit newlines); a word wider than the
    line is cut between characters. Never returns an empty list."""
    return list(_wrap(text, font, size, width))


@lru_cache(maxsize=16384)
def _wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """:func:`wrap_text`, cached: a table wraps each cell twice (row height, then drawing),
    and headings and labels recur in every document."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if text_width(candidate, font, size) <= width:
                line = candidate
                continue
            if line:
                lines.append(line)
            line = ""
            while text_width(word, font, size) > width and len(word) > 1:
                cut = len(word) - 1
                while cut > 1 and text_width(word[:cut], font, size) > width:
                    cut -= 1
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return tuple(lines) or ("",)


# --- drawing operations -------------------------------------------------------------------
# Named tuples rather than frozen dataclasses: a page makes a few hundred of them, and a frozen
# dataclass's constructor (one object.__setattr__ per field) cost several times a tuple's.

class _Text(NamedTuple):
    x: float
    y: float
    text: str
    font: str
    size: float
    gray: float


class _Line(NamedTuple):
    x1: float
    y1: float
    x2: float
    y2: float
    width: float


class _Rect(NamedTuple):
    x: float
    y: float
    w: float
    h: float
    fill: float | None
    stroke: bool


class _QR(NamedTuple):
    x: float
    y: float
    size: float
    payload: str
    error: str = "m"  # error correction level


_Op = _Text | _Line | _Rect | _QR


@dataclass(frozen=True)
class SignatureBox:
    """An empty signature field (``/FT /Sig``) whose widget is exactly this box
    (top-down coordinates, like every operation)."""

    name: str
    x: float
    y: float
    w: float
    h: float


@dataclass
class Page:
    """One page's content (without the frame), in top-down coordinates."""

    width: float
    height: float
    ops: list[_Op] = field(default_factory=list)
    fields: list[SignatureBox] = field(default_factory=list)

    def text(self, x: float, y: float, text: str, *, size: float = 8, bold: bool = False,
             italic: bool = False, align: Align = "l", gray: float = BLACK) -> None:
        """One line of text with its baseline at ``y``; ``x`` is the left, right or centre."""
        font = _font(bold, italic)
        if align != "l":
            w = text_width(text, font, size)
            x = x - w if align == "r" else x - w / 2
        self.ops.append(_Text(x, y, text, font, size, gray))

    def line(self, x1: float, y1: float, x2: float, y2: float, width: float = GRID) -> None:
        self.ops.append(_Line(x1, y1, x2, y2, width))

    def rect(self, x: float, y: float, w: float, h: float, *, fill: float | None = None,
             stroke: bool = True) -> None:
        self.ops.append(_Rect(x, y, w, h, fill, stroke))

    def qr(self, x: float, y: float, size: float, payload: str) -> None:
        self.ops.append(_QR(x, y, size, payload))

    def signature_box(self, name: str, x: float, y: float, w: float,
                      h: float = SIGNATURE_BOX_HEIGHT, *,
                      caption: str = SIGNATURE_BOX_CAPTION) -> None:
        """The ruled «Место для отметки об электронной подписи» box with ``(x, y)`` its
        top-left corner, and an empty signature field ``name`` whose widget is the box:
        signing that field puts the stamp exactly here."""
        if any(f.name == name for f in self.fields):
            raise ValueError(f"two signature fields named {name!r}")
        # whole points wide and high (see SIGNATURE_BOX_HEIGHT), corners on a quarter-point
        # grid in PDF space: the /Rect's numbers are exact, so its width and height are too
        w, h = float(int(w)), float(int(h))
        # (rounded inwards: never into the margin, never towards the footer)
        x = math.ceil(x * 4) / 4
        y = self.height - h - math.ceil((self.height - y - h) * 4) / 4
        self.rect(x, y, w, h, stroke=True)
        self.text(x + w / 2, y + h / 2 + 2.5, caption, size=7, align="c", gray=0.55)
        self.fields.append(SignatureBox(name, x, y, w, h))

    def lines(self, x: float, y: float, lines: Sequence[str], *, size: float = 8,
              bold: bool = False, leading: float | None = None, align: Align = "l",
              gray: float = BLACK) -> float:
        """Several lines from the first baseline ``y``; returns the height used."""
        lead = leading or size * 1.22
        for i, line in enumerate(lines):
            self.text(x, y + i * lead, line, size=size, bold=bold, align=align, gray=gray)
        return lead * len(lines)


# --- tables ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    """A table column: width in points and how its cells align."""

    width: float
    align: Align = "l"


@dataclass(frozen=True)
class HeaderCell:
    """A heading cell on the header grid; spans let one heading cover several columns
    ("По данным поставщика" over "Дебет" and "Кредит") or several heading rows."""

    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1


@dataclass(frozen=True)
class Cell:
    """A body cell that spans ``colspan`` columns (``"Итого"`` over the first five)."""

    text: str
    colspan: int = 1
    align: Align | None = None


@dataclass(frozen=True)
class Row:
    cells: Sequence[str | Cell]
    bold: bool = False
    shade: bool = False


@dataclass(frozen=True)
class Table:
    """A ruled table whose header is repeated on every page it continues on."""

    columns: Sequence[Column]
    header: Sequence[HeaderCell]
    rows: Sequence[Row]
    size: float = 7.5
    header_size: float = 7
    number_row: bool = False  # the "1 2 3 ..." row under the headings, as on official forms
    padding: float = 2.2
    number_labels: Sequence[str] | None = None  # the form's own column numbers ("1а", "2а")

    @cached_property
    def width(self) -> float:
        return sum(c.width for c in self.columns)

    @cached_property
    def _grid(self) -> tuple[Column, ...]:
        return tuple(self.columns)

    @cached_property
    def _spans(self) -> dict[tuple[int, int], float]:
        """Widths of column spans already summed (a table asks for the same ones in every
        row, twice: for its height and to draw it), shared by the tables of one grid: a
        kind's documents each build their table anew on the same columns."""
        spans = _SPANS.get(self._grid)
        if spans is None:
            if len(_SPANS) >= _GRIDS_MAX:
                _SPANS.clear()
            spans = _SPANS[self._grid] = {}
        return spans

    @cached_property
    def _header_key(self) -> tuple[object, ...]:
        """What the header's layout depends on (:func:`_layout_header`)."""
        labels = None if self.number_labels is None else tuple(self.number_labels)
        return (self._grid, tuple(self.header), self.header_size, self.padding,
                self.number_row, labels)


_GRIDS_MAX = 256
"""Bound on the grids (and headers) remembered per process: a document kind has one or two,
so only odd inputs could fill it; it is emptied when full."""
_SPANS: dict[tuple[Column, ...], dict[tuple[int, int], float]] = {}


# --- flow ----------------------------------------------------------------------------------

class Flow:
    """Places blocks top-down on pages, breaking to a new page when a block does not fit."""

    def __init__(self, pagesize: tuple[float, float] = A4) -> None:
        register_fonts()
        self.width, self.height = pagesize
        self.left = MARGIN_LEFT
        self.right = self.width - MARGIN_RIGHT
        self.top = BODY_TOP
        self.bottom = self.height - FOOTER_LINE - BODY_GAP
        self.pages: list[Page] = []
        self.y = 0.0
        self.new_page()

    @property
    def page(self) -> Page:
        return self.pages[-1]

    @property
    def content_width(self) -> float:
        return self.right - self.left

    def new_page(self) -> None:
        self.pages.append(Page(self.width, self.height))
        self.y = self.top

    def ensure(self, height: float) -> None:
        """Start a new page unless ``height`` more points fit on this one."""
        if self.y + height > self.bottom and self.y > self.top:
            self.new_page()

    def space(self, height: float) -> None:
        self.y += height

    def paragraph(self, text: str, *, size: float = 8, bold: bool = False,
                  align: Align = "l", indent: float = 0, width: float | None = None,
                  gray: float = BLACK, leading: float | None = None) -> None:
        """Wrapped text over the content width; lines break across pages one by one."""
        lead = leading or size * 1.25
        avail = (width or self.content_width) - indent
        font = _font(bold)
        x = self.left + indent
        if align == "c":
            x = self.left + indent + avail / 2
        elif align == "r":
            x = self.left + indent + avail
        for line in _wrap(text, font, size, avail):
            self.ensure(lead)
            self.page.text(x, self.y + size, line, size=size, bold=bold, align=align, gray=gray)
            self.y += lead

    def title(self, text: str, *, size: float = 12) -> None:
        self.paragraph(text, size=size, bold=True, align="c")
        self.y += 1.5

    def labelled(self, label: str, text: str, *, size: float = 8, label_width: float = 34 * mm,
                 bold_text: bool = False) -> None:
        """``Поставщик:   АО «...», ИНН ..., адрес`` with the value wrapped beside the label
        (the label wraps too when it is longer than its column)."""
        lead = size * 1.25
        labels = _wrap(label, REGULAR, size, label_width - 2 * mm)
        lines = _wrap(text, _font(bold_text), size, self.content_width - label_width)
        self.ensure(lead * min(max(len(lines), len(labels)), 3))
        for i in range(max(len(lines), len(labels))):
            self.ensure(lead)
            if i < len(labels):
                self.page.text(self.left, self.y + size, labels[i], size=size)
            if i < len(lines):
                self.page.text(self.left + label_width, self.y + size, lines[i], size=size,
                               bold=bold_text)
            self.y += lead

    def block(self, height: float, draw: Callable[[Page, float], object]) -> None:
        """A fixed-height block drawn by ``draw(page, top_y)``, kept together on one page."""
        self.ensure(height)
        draw(self.page, self.y)
        self.y += height

    def signature_columns(self, columns: Sequence[tuple[str, str, Party, Signer | None]]) -> None:
        """The parties' signature block, side by side: for each ``(field, label, party,
        signer)`` the party, the signer's position, a signature line with the name, and the
        box where the electronic signature's stamp goes (an empty signature field ``field``)."""
        half = self.content_width / len(columns)

        def draw(page: Page, y: float) -> None:
            for k, (field_name, label, party, signer) in enumerate(columns):
                x = self.left + k * half
                page.text(x, y + 9, f"{label}: {party.display_name}", size=9, bold=True)
                if signer:
                    page.text(x, y + 22, signer.position, size=8)
                    page.text(x + 58 * mm, y + 39, signer.name, size=8.5)
                page.line(x, y + 40, x + 55 * mm, y + 40)
                page.text(x + 27 * mm, y + 47, "подпись", size=6, align="c", gray=0.4)
                page.signature_box(field_name, x, y + 52, half - 8 * mm)

        self.block(54 + SIGNATURE_BOX_HEIGHT, draw)

    # -- tables --

    def table(self, table: Table, *, x: float | None = None) -> None:
        """Draw a table; rows never split; the header repeats after each page break."""
        x0 = self.left if x is None else x
        header = _layout_header(table)
        # the header must stay with at least one row
        first_h = _row_height(table, table.rows[0]) if table.rows else 0.0
        self.ensure(header.height + first_h)
        self.page.ops.extend(header.ops(x0, self.y))
        self.y += header.height
        for row in table.rows:
            h = _row_height(table, row)
            if self.y + h > self.bottom:
                self.new_page()
                self.page.ops.extend(header.ops(x0, self.y))
                self.y += header.height
            _draw_row(self.page, table, row, x0, self.y, h)
            self.y += h


def _cells(table: Table, row: Row) -> list[tuple[int, int, str, Align | None]]:
    """(first column, span, text, alignment or None for the column's) for each cell of the
    row. (Plain strings are not wrapped in a ``Cell``: a table asks twice per row, and the
    frozen dataclass's constructor cost more than the rest of this.)"""
    out: list[tuple[int, int, str, Align | None]] = []
    col = 0
    for item in row.cells:
        if isinstance(item, str):
            out.append((col, 1, item, None))
            col += 1
        else:
            out.append((col, item.colspan, item.text, item.align))
            col += item.colspan
    if col != len(table.columns):
        raise ValueError(f"row covers {col} columns, table has {len(table.columns)}: {row.cells!r}")
    return out


def _span_width(table: Table, col: int, span: int) -> float:
    spans = table._spans
    width = spans.get((col, span))
    if width is None:
        width = spans[col, span] = sum(c.width for c in table.columns[col:col + span])
    return width


def _row_height(table: Table, row: Row) -> float:
    font = _font(row.bold)
    lead = table.size * 1.2
    n = 1
    for col, span, text, _align in _cells(table, row):
        avail = _span_width(table, col, span) - 2 * table.padding
        n = max(n, len(_wrap(text, font, table.size, avail)))
    return n * lead + 2 * table.padding


def _draw_row(page: Page, table: Table, row: Row, x0: float, y: float, h: float) -> None:
    font = _font(row.bold)
    lead = table.size * 1.2
    pad = table.padding
    x = x0
    if row.shade:
        page.rect(x0, y, table.width, h, fill=SHADE, stroke=False)
    for col, span, text, cell_align in _cells(table, row):
        w = _span_width(table, col, span)
        page.rect(x, y, w, h)
        align = cell_align or table.columns[col].align
        lines = _wrap(text, font, table.size, w - 2 * pad)
        tx = x + pad if align == "l" else x + w - pad if align == "r" else x + w / 2
        base = y + pad + table.size * 0.93
        for i, line in enumerate(lines):
            page.text(tx, base + i * lead, line, size=table.size, bold=row.bold, align=align)
        x += w


class _Header(NamedTuple):
    height: float
    ops: Callable[[float, float], tuple[_Op, ...]]
    """The header's operations at (x, y), laid out once per position."""


_HEADERS: dict[tuple[object, ...], _Header] = {}


def _layout_header(table: Table) -> _Header:
    """The header's height and its operations at (x, y).

    Laid out once per process for each header (``Table._header_key``), and its operations
    once per position: every invoice draws the same header at the same place, and wrapping
    and placing its dozen headings was a tenth of a page's time. (Laid out from the table
    without its rows, which the cache would otherwise keep alive.)"""
    header = _HEADERS.get(table._header_key)
    if header is None:
        if len(_HEADERS) >= _GRIDS_MAX:
            _HEADERS.clear()
        header = _HEADERS[table._header_key] = _lay_out_header(replace(table, rows=()))
    return header


def _lay_out_header(table: Table) -> _Header:
    nrows = max((c.row + c.rowspan for c in table.header), default=0)
    size = table.header_size
    lead = size * 1.15
    pad = table.padding
    heights = [size + 2 * pad] * nrows
    wrapped: dict[HeaderCell, tuple[str, ...]] = {}
    for cell in table.header:
        w = _span_width(table, cell.col, cell.colspan) - 2 * pad
        wrapped[cell] = _wrap(cell.text, BOLD, size, w)
    # single-row cells set their row's height; multi-row cells stretch the last row they cover
    for cell in sorted(table.header, key=lambda c: c.rowspan):
        need = len(wrapped[cell]) * lead + 2 * pad
        rows = range(cell.row, cell.row + cell.rowspan)
        have = sum(heights[r] for r in rows)
        if need > have:
            heights[cell.row + cell.rowspan - 1] += need - have
    number_h = size + 2 * pad if table.number_row else 0.0
    total = sum(heights) + number_h
    placed: dict[tuple[float, float], tuple[_Op, ...]] = {}

    def ops(x: float, y: float) -> tuple[_Op, ...]:
        found = placed.get((x, y))
        if found is None:
            if len(placed) >= _GRIDS_MAX:
                placed.clear()
            page = Page(0.0, 0.0)  # only collects the operations
            draw(page, x, y)
            found = placed[x, y] = tuple(page.ops)
        return found

    def draw(page: Page, x: float, y: float) -> None:
        page.rect(x, y, table.width, total, fill=SHADE, stroke=False)
        for cell in table.header:
            cx = x + _span_width(table, 0, cell.col)
            cy = y + sum(heights[: cell.row])
            w = _span_width(table, cell.col, cell.colspan)
            h = sum(heights[cell.row: cell.row + cell.rowspan])
            page.rect(cx, cy, w, h)
            lines = wrapped[cell]
            first = cy + (h - len(lines) * lead) / 2 + size * 0.9
            for i, line in enumerate(lines):
                page.text(cx + w / 2, first + i * lead, line, size=size, bold=True, align="c")
        if table.number_row:
            ny = y + sum(heights)
            cx = x
            for i, column in enumerate(table.columns):
                page.rect(cx, ny, column.width, number_h)
                label = table.number_labels[i] if table.number_labels else str(i + 1)
                page.text(cx + column.width / 2, ny + pad + size * 0.9, label, size=size - 0.5,
                          align="c")
                cx += column.width

    return _Header(total, ops)


# --- the frame and the canvas ------------------------------------------------------------

@dataclass(frozen=True)
class Frame:
    """What every page of a document shows around its content.

    ``label`` is the document's name and number as the footer prints it
    ("Счёт на оплату № 123 от 31.10.2026"); ``issued`` becomes the PDF creation date.
    """

    supplier: Party
    label: str
    verify_url: str
    issued: date | datetime
    title: str
    subject: str = ""
    landscape: bool = False

    @property
    def pagesize(self) -> tuple[float, float]:
        size: tuple[float, float] = landscape(A4) if self.landscape else A4
        return size


class _FixedTimeStamp:
    """Stands in for reportlab's TimeStamp so the creation date is the document's date."""

    def __init__(self, moment: datetime) -> None:
        offset = moment.utcoffset()
        seconds = int(offset.total_seconds()) if offset else 0
        self.t = moment.timestamp()
        self.lt = moment.timetuple()
        self.YMDhms = tuple(self.lt)[:6]
        self.dhh = int(seconds / 3600)
        self.dmm = (abs(seconds) % 3600) // 60
        self.tzname = moment.tzname() or "UTC"


_ID_RE = re.compile(b"<" + ID_PLACEHOLDER + b">")


def _moment(issued: date | datetime) -> datetime:
    if isinstance(issued, datetime):
        return issued if issued.tzinfo else issued.replace(tzinfo=UTC)
    return datetime.combine(issued, time(0, 0), tzinfo=UTC)


_FIXED_FONT_NAMES = ((REGULAR, FONT_NAMES[REGULAR]), (BOLD, FONT_NAMES[BOLD]))
CREATOR = "LK Corporate"
PRODUCER = "LK Corporate documents (ReportLab)"


def new_canvas(frame: Frame) -> tuple[Canvas, io.BytesIO]:
    register_fonts()
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=frame.pagesize, invariant=1, pageCompression=1,
               pdfVersion=(1, 7), lang="ru-RU", initialFontName=REGULAR,
               initialFontSize=8)
    doc = c._doc
    seed_subsets(doc)
    # every document uses the regular and the bold face (the header): give them fixed
    # resource names first, so text encoded once per process is valid in every document
    for name, internal in _FIXED_FONT_NAMES:
        if getFont(name).getSubsetInternalName(0, doc) != internal:
            raise RuntimeError(f"font {name} did not get the resource name {internal}")
    doc._timeStamp = _FixedTimeStamp(_moment(frame.issued))
    doc._ID = b"\n[<" + ID_PLACEHOLDER + b"> <" + ID_PLACEHOLDER + b">]\n"
    c.setTitle(frame.title)
    c.setAuthor(frame.supplier.name)
    c.setSubject(frame.subject or frame.title)
    c.setCreator(CREATOR)
    c.setProducer(PRODUCER)
    return c, buf


def finish_canvas(c: Canvas, buf: io.BytesIO) -> bytes:
    """Save and replace the placeholder file identifier with the MD5 of the file's bytes
    (same length, so no offset moves)."""
    c.save()
    data = buf.getvalue()
    digest = hashlib.md5(data, usedforsecurity=False).hexdigest().upper().encode("ascii")
    return _ID_RE.sub(b"<" + digest + b">", data)


def render_pages(frame: Frame, pages: Sequence[Page],
                 before_save: Callable[[Canvas], None] | None = None) -> bytes:
    """Draw the frame and each page's operations; return the PDF bytes.

    The page content streams are written here directly (not through reportlab's drawing
    API, whose per-call overhead was half of a page's time): all fills, then all strokes,
    then the QR images, then all text in one text object. The file around them is written
    by ``documents.writer`` (the same bytes, a third of the time) unless the document needs
    reportlab's canvas: a logo, an attachment (``before_save``), a character outside the
    seeded font subsets.
    """
    if before_save is None and not frame.supplier.logo_png:
        written = _write_directly(frame, pages)
        if written is not None:
            return written
    c, buf = new_canvas(frame)
    enc = _Encoder(c._doc)
    total = len(pages)
    fields: list[PDFObjectReference] = []
    logo = None
    for number, page in enumerate(pages, start=1):
        prefix, header = _header(frame.supplier, page.width, page.height)
        if frame.supplier.logo_png:
            from reportlab.lib.utils import ImageReader

            logo = logo or ImageReader(io.BytesIO(frame.supplier.logo_png))
            size = 13 * mm
            c.drawImage(logo, MARGIN_LEFT, page.height - MARGIN_TOP - size, size, size,
                        preserveAspectRatio=True, anchor="c", mask="auto")
        ops = [*header, *_footer(frame, page, number, total), *page.ops]
        c._code.append(_content(ops, page.height, enc, prefix))
        for box in page.fields:
            fields.append(_signature_widget(c, box, page.height))
        c.showPage()
        _compress_page(c)
    if fields:
        _check_field_names(pages)
        c._doc.Catalog.AcroForm = PDFDictionary({
            "Fields": PDFArray(fields),
            # bit 1, SignaturesExist: the document has signature fields (a signer sets 3)
            "SigFlags": 1,
        })
    if before_save is not None:
        before_save(c)
    return finish_canvas(c, buf)


def _check_field_names(pages: Sequence[Page]) -> None:
    names = [f.name for p in pages for f in p.fields]
    if len(set(names)) != len(names):
        raise ValueError(f"signature field names repeat: {names}")


def _write_directly(frame: Frame, pages: Sequence[Page]) -> bytes | None:
    """The document through ``documents.writer`` (the same bytes, without reportlab's
    canvas); None when a text leaves the seeded font subsets, which only reportlab can
    extend."""
    enc = _SeedEncoder()
    total = len(pages)
    width, height = frame.pagesize
    bodies = []
    try:
        for number, page in enumerate(pages, start=1):
            prefix, header = _header(frame.supplier, page.width, page.height)
            ops = [*header, *_footer(frame, page, number, total), *page.ops]
            h = page.height
            bodies.append(PageBody(
                width, height, _content(ops, h, enc, prefix),
                tuple(FieldBox(b.name, (b.x, h - b.y - b.h, b.x + b.w, h - b.y))
                      for b in page.fields)))
    except _OutsideSeed:
        return None
    _check_field_names(pages)
    return write_pdf(bodies, italic=enc.italic, title=frame.title, author=frame.supplier.name,
                     subject=frame.subject or frame.title, creator=CREATOR, producer=PRODUCER,
                     moment=_moment(frame.issued))


def _signature_widget(c: Canvas, box: SignatureBox, h: float) -> PDFObjectReference:
    """Add the empty signature field ``box`` (field and widget in one dictionary) to the
    page being drawn; returns its reference for ``/AcroForm /Fields``.

    ``/Lock`` names the field itself (FieldMDP ``/Include``), as ``signing`` does for the
    fields it creates: whoever signs the field also locks it, and the other fields stay
    fillable. No appearance: the box and its caption are on the page itself.
    """
    doc = c._doc
    lock = PDFDictionary({"Type": PDFName("SigFieldLock"), "Action": PDFName("Include"),
                          "Fields": PDFArray([PDFString(box.name)])})
    widget = PDFDictionary({
        "Type": PDFName("Annot"),
        "Subtype": PDFName("Widget"),
        "FT": PDFName("Sig"),
        "T": PDFString(box.name),
        "F": 4,  # print
        "Rect": PDFArray([box.x, h - box.y - box.h, box.x + box.w, h - box.y]),
        "P": doc.thisPageRef(),
        "Lock": doc.Reference(lock, f"SigLock.{box.name}"),
    })
    name = f"SigField.{box.name}"
    c._addAnnotation(widget, name)
    return doc.refAnnotation(name)


def _compress_page(c: Canvas) -> None:
    """Compress the content stream of the page just finished at
    ``documents.writer.PAGE_COMPRESSION_LEVEL`` (see there) instead of reportlab's 6."""
    page = c._doc.Pages.pages[-1]
    page.Contents = PDFStream(PDFDictionary({"Filter": "/FlateDecode"}),
                              zlib.compress(page.stream.encode("latin-1"),
                                            PAGE_COMPRESSION_LEVEL))


# --- content streams -----------------------------------------------------------------------

class _Encoder:
    """Text as PDF string operands in a document's font subsets.

    Seed characters (see ``documents.fonts``) have the same code in every document, so they
    are encoded with one ``str.translate``; a text with any other character goes through
    reportlab, which adds the character to the document's subset.
    """

    def __init__(self, doc: object) -> None:
        self.doc = doc
        self.names = dict(_FIXED_FONT_NAMES)
        self.tables = {name: seed_encoding(name) for name in (REGULAR, BOLD, ITALIC)}

    def encode(self, font: str, text: str) -> list[tuple[str, str]]:
        fast = text.translate(self.tables[font])
        if fast.isascii():
            name = self.names.get(font)
            if name is None:
                name = self.names[font] = getFont(font).getSubsetInternalName(0, self.doc)
            return [(name, fast)]
        f = getFont(font)
        return [(f.getSubsetInternalName(subset, self.doc), escapePDF(chunk))
                for subset, chunk in f.splitString(text, self.doc)]


class _OutsideSeed(Exception):
    """A text has a character outside the seeded font subsets."""


class _SeedEncoder(_Encoder):
    """Text in the seeded subsets only, with their fixed resource names (no document)."""

    def __init__(self) -> None:
        self.names = dict(FONT_NAMES)
        self.tables = {name: seed_encoding(name) for name in (REGULAR, BOLD, ITALIC)}
        self.italic = False

    def encode(self, font: str, text: str) -> list[tuple[str, str]]:
        fast = text.translate(self.tables[font])
        if not fast.isascii():
            raise _OutsideSeed
        if font == ITALIC:
            self.italic = True
        return [(self.names[font], fast)]


# Formatted operands by their numbers. Documents of one kind put their boxes, rules and
# text lines at the same places (a layout is a grid), so across a batch nearly every
# position recurs, and a dictionary look-up costs a tenth of reportlab's number formatting
# (~280 numbers a page). Bounded: emptied when full, so odd layouts cannot grow it.
_OPERANDS: dict[tuple[float, ...], str] = {}
_OPERANDS_MAX = 50_000


def _operands(*values: float) -> str:
    """``fp_str(*values)``, remembered."""
    text = _OPERANDS.get(values)
    if text is None:
        if len(_OPERANDS) >= _OPERANDS_MAX:
            _OPERANDS.clear()
        text = _OPERANDS[values] = fp_str(*values)
    return text


class _Shown(NamedTuple):
    """A text operation as content-stream lines: where it goes, then each piece's font
    (resource name and size), the operator selecting it, and the operator showing it."""

    place: str
    pieces: tuple[tuple[tuple[str, float], str, str], ...]


# The same, one level up: whole operations, by page height. Nine in ten of a document's
# operations recur in the next document of its kind — the labels, the grid, the headings —
# so each is encoded and formatted once per process (``_content`` took a third of the time
# of a page). Only text in the seeded subsets, whose resource names are the same in every
# document; reportlab's own subsets are named per document. Bounded like ``_OPERANDS``.
_SHOWN: dict[float, dict[_Text, _Shown]] = {}
_BOXES: dict[float, dict[_Rect, str]] = {}
_MEMO_MAX = 20_000


def _shown(t: _Text, h: float, enc: _Encoder) -> _Shown:
    pieces = tuple(((name, t.size), f"{name} {_operands(t.size)} Tf", f"({chunk}) Tj")
                   for name, chunk in enc.encode(t.font, t.text))
    return _Shown(f"1 0 0 1 {_operands(t.x, h - t.y)} Tm", pieces)


def _memo(table: dict[float, dict[Any, Any]], h: float) -> dict[Any, Any]:
    memo = table.get(h)
    if memo is None or len(memo) >= _MEMO_MAX:
        memo = table[h] = {}
    return memo


def _content(ops: Sequence[_Op], h: float, enc: _Encoder, prefix: str = "") -> str:
    """One page's content stream (PDF coordinates: ``h`` minus the top-down y)."""
    fills: dict[float, list[str]] = {}
    strokes: dict[float, list[str]] = {}
    images: list[str] = []
    texts: list[_Text] = []
    boxes = _memo(_BOXES, h)
    for op in ops:
        kind = type(op)
        if kind is _Text:
            texts.append(op)  # type: ignore[arg-type]
        elif kind is _Rect:
            r: _Rect = op  # type: ignore[assignment]
            box = boxes.get(r)
            if box is None:
                box = boxes[r] = f"{_operands(r.x, h - r.y - r.h, r.w, r.h)} re"
            if r.fill is not None:
                fills.setdefault(r.fill, []).append(box)
            if r.stroke:
                strokes.setdefault(GRID, []).append(box)
        elif kind is _Line:
            ln: _Line = op  # type: ignore[assignment]
            strokes.setdefault(ln.width, []).append(
                f"{_operands(ln.x1, h - ln.y1)} m {_operands(ln.x2, h - ln.y2)} l")
        elif kind is _QR:
            q: _QR = op  # type: ignore[assignment]
            images.append(f"q 0 g {fp_str(q.size, 0, 0, q.size, q.x, h - q.y - q.size)} cm\n"
                          f"{_qr_image(q.payload, q.error)}\nQ")
    out = [prefix] if prefix else []
    for gray, boxed in fills.items():
        out.append(f"{fp_str(gray)} g")
        out.extend(boxed)
        out.append("f")
    if fills:
        out.append("0 g")
    for width, paths in strokes.items():
        out.append(f"{fp_str(width)} w")
        out.extend(paths)
        out.append("S")
    out.extend(images)
    if texts:
        out.append("BT")
        seed = enc if isinstance(enc, _SeedEncoder) else None
        memo: dict[_Text, _Shown] = _memo(_SHOWN, h) if seed is not None else {}
        font: tuple[str, float] | None = None
        gray = BLACK
        for t in texts:
            shown = memo.get(t)
            if shown is None:
                shown = _shown(t, h, enc)  # raises _OutsideSeed before anything is kept
                if seed is not None:
                    memo[t] = shown
            elif seed is not None and t.font == ITALIC:
                seed.italic = True  # as encoding it again would have said
            if not shown.pieces:
                continue
            if t.gray != gray:
                out.append(f"{_operands(t.gray)} g")
                gray = t.gray
            out.append(shown.place)
            for key, select_font, show in shown.pieces:
                if key != font:
                    font = key
                    out.append(select_font)
                out.append(show)
        if gray != BLACK:
            out.append("0 g")
        out.append("ET")
    return "\n".join(out)


@lru_cache(maxsize=64)
def _qr_image(payload: str, error: str = "m") -> str:
    """A QR code as the operators of a 1-bit inline *image mask* (one bit per module) in the
    unit square, with a quiet zone of two modules inside the square (the page margin adds
    the rest).

    An image instead of one rectangle per module: a version-16 payment code has ~1 700 dark
    runs, which cost more to format and compress than the rest of the page. An image mask
    (``/IM true``, a stencil painted in the fill colour) rather than a grey image: renderers
    such as poppler smooth an upscaled image, which blurred the 17 mm footer code until zbar
    could not read it below ~300 dpi; a stencil keeps the module edges sharp, and the code
    reads at 150 dpi.

    Encoded by zxing-cpp (C++) from the UTF-8 bytes (byte mode, no ECI header, as GOST R
    56042 readers expect) with the fixed mask 0: choosing the "best" of eight masks costs
    more than the rest of the code, and any mask is valid for readers.
    """
    code = zxingcpp.create_barcode(payload.encode("utf-8"), zxingcpp.BarcodeFormat.QRCode,
                                   ec_level=error.upper(), data_mask=0)
    image = code.to_image(scale=1, add_quiet_zones=False)
    n = image.shape[1]
    pixels = bytes(memoryview(image))  # type: ignore[arg-type]  # 8-bit grey, 0 = dark
    # each row padded to whole bytes, then the whole image as one binary number in hex: one
    # conversion instead of one per row (a third of the time)
    pad = (-n) % 8
    if pad:
        zeros = b"\x00" * pad
        pixels = b"".join(pixels[r * n:(r + 1) * n] + zeros for r in range(n))
    bits = pixels.translate(_MASK_BITS)
    data = format(int(bits, 2), f"0{len(bits) // 4}X")
    quiet = 2
    scale = n / (n + 2 * quiet)
    offset = quiet / (n + 2 * quiet)
    # a 0 bit of a stencil mask is painted (in the current fill colour, black)
    return (f"{fp_str(scale, 0, 0, scale, offset, offset)} cm\n"
            f"BI /W {n} /H {n} /IM true /BPC 1 /F /AHx ID\n{data}>\nEI")


_MASK_BITS = bytes.maketrans(b"\x00\xff", b"01")


def _monogram(name: str) -> str:
    quoted = re.search(r"«([^»]+)»", name)
    word = (quoted.group(1) if quoted else name).strip()
    return word[:1].upper() or "?"


@lru_cache(maxsize=32)
def _header(supplier: Party, w: float, h: float) -> tuple[str, tuple[_Op, ...]]:
    """The page header of ``supplier``, laid out once per process: the raw operators drawn
    first (the monogram's rounded square) and the operations (logo area, supplier name and
    requisites, rule)."""
    s = supplier
    left, right = MARGIN_LEFT, w - MARGIN_RIGHT
    logo = 13 * mm
    top = MARGIN_TOP  # top-down
    page = Page(w, h)
    prefix = ""
    if not s.logo_png:
        path = PDFPathObject()
        path.roundRect(left, h - top - logo, logo, logo, 2 * mm)
        prefix = f"q 0.11 0.3 0.53 rg\n{path.getCode()} f\nQ"
        page.text(left + logo / 2, top + logo / 2 + 7, _monogram(s.display_name), size=20,
                  bold=True, align="c", gray=1)
    tx = left + logo + 3 * mm
    page.text(tx, top + 9, s.name, size=10, bold=True)
    page.text(tx, top + 19, f"{s.tax_line}" + (f", ОГРН {s.ogrn}" if s.ogrn else "")
              + f". {s.address}", size=7, gray=GREY)
    contacts = "; ".join(x for x in (f"тел. {s.phone}" if s.phone else "",
                                      f"e-mail: {s.email}" if s.email else "") if x)
    if contacts:
        page.text(tx, top + 28, contacts, size=7, gray=GREY)
    rule = MARGIN_TOP + HEADER_HEIGHT
    page.line(left, rule, right, rule, width=0.8)
    return prefix, tuple(page.ops)


def _footer(frame: Frame, page: Page, number: int, total: int) -> list[_Op]:
    """The footer: document line, "стр. N из M", verification address and its QR code."""
    w, h = page.width, page.height
    left, right = MARGIN_LEFT, w - MARGIN_RIGHT
    fl = h - FOOTER_LINE  # top-down
    qr_x = right - QR_SIZE
    f = Page(w, h)
    f.line(left, fl, right, fl, width=0.5)
    # level L: the footer code is small, and a verification URL is easy to retype
    f.ops.append(_QR(qr_x, h - MARGIN_BOTTOM - QR_SIZE, QR_SIZE, frame.verify_url, "l"))
    f.text(left, fl + 11, frame.label, size=7.5, bold=True)
    f.text(left, fl + 21, "Проверка подлинности документа и электронных подписей:", size=7)
    f.text(left, fl + 30, frame.verify_url, size=7)
    f.text(qr_x - 3 * mm, fl + 11, f"стр. {number} из {total}", size=7.5, align="r")
    return f.ops


def date_label(kind: str, number: str, when: date) -> str:
    """``"Счёт на оплату № 123 от 31.10.2026"``."""
    return f"{kind} № {number} от {format_date(when)}"
