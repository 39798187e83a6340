"""A document of the page frame written straight to PDF bytes, without reportlab's objects.

Why: a frame document (``documents.layout``) is always the same dozen objects — the font
resources, the seeded font subsets, one page dictionary and content stream per page, the
signature fields, the catalog, the document information — and reportlab spent ~1.5 ms of a
~4 ms invoice building its canvas and formatting those dictionaries through its generic,
recursive object writer. Here they are written with a few byte templates, byte for byte as
reportlab writes them (``tests/documents/test_writer.py`` renders every kind both ways and
compares the files), so nothing downstream — the supplier's signature, appended as an
incremental update, the validators, the stored hashes — can tell the two apart.

reportlab still writes whatever falls outside that shape (``documents.layout`` decides): a
supplier's logo (an image XObject), an embedded file, a character outside the seeded font
subsets (``documents.fonts.SEED_CHARACTERS``).
"""

from __future__ import annotations

import codecs
import hashlib
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfdoc  # noqa: F401 - registers the "pdfdoc" codec

from documents.fonts import BOLD, ITALIC, REGULAR, seed_font

__all__ = [
    "FONT_NAMES",
    "ID_PLACEHOLDER",
    "PAGE_COMPRESSION_LEVEL",
    "FieldBox",
    "PageBody",
    "write_pdf",
]

FONT_NAMES = {REGULAR: "/F1+0", BOLD: "/F2+0", ITALIC: "/F3+0"}
"""The resource name of each face's seeded subset: the regular and the bold face are in every
document, in this order (``documents.layout.new_canvas``), the italic one only when used."""

HEADER = b"%PDF-1.7\n%\x93\x8c\x8b\x9e ReportLab Generated PDF document (opensource)\n"
PREAMBLE = "1 0 0 1 0 0 cm \n"
"""What reportlab's canvas starts every page's content stream with (no initial font: ours
are TrueType fonts); ``"\\n \\n"`` ends it."""
PAGE_COMPRESSION_LEVEL = 1
"""zlib level 1 for the page content streams instead of reportlab's 6: a third of the time
for ~20 % more bytes in the content stream (about 1 KB of a 60 KB one-page document, whose
bulk is the embedded fonts)."""


@dataclass(frozen=True)
class FieldBox:
    """An empty signature field (field and widget in one dictionary) on a page."""

    name: str
    rect: tuple[float, float, float, float]
    """PDF coordinates: left, bottom, right, top."""


@dataclass(frozen=True)
class PageBody:
    width: float
    height: float
    content: str
    """The page's drawing operators (``documents.layout._content``)."""
    fields: tuple[FieldBox, ...] = ()


def _dict(entries: Sequence[tuple[str, bytes]]) -> bytes:
    """A dictionary as reportlab writes one: keys sorted, a line break every six entries."""
    items = [b"/" + key.encode("ascii") + b" " + value for key, value in sorted(entries)]
    for i in reversed(range(6, len(items), 6)):
        items.insert(i, b"\n ")
    return b"<<\n" + b" ".join(items) + b"\n>>"


def _array(values: Sequence[bytes]) -> bytes:
    items = list(values)
    for i in reversed(range(10, len(items), 10)):
        items.insert(i, b"\n ")
    return b"[ " + b" ".join(items) + b" ]"


def _ref(number: int) -> bytes:
    return b"%d 0 R" % number


def _number(value: float) -> bytes:
    text: str = fp_str(value)
    return text.encode("ascii")


def _string(text: str) -> bytes:
    """A text string: PDFDocEncoding where it fits, else UTF-16BE with its byte-order mark."""
    try:
        raw = text.encode("pdfdoc")
    except UnicodeEncodeError:
        raw = codecs.BOM_UTF16_BE + text.encode("utf_16_be")
    return f"({escapePDF(raw)})".encode("latin-1")


def _date(moment: datetime) -> bytes:
    offset = moment.utcoffset()
    seconds = int(offset.total_seconds()) if offset else 0
    # reportlab's PDFDate: the hours' offset truncated towards zero, the minutes' unsigned
    hours, minutes = int(seconds / 3600), (abs(seconds) % 3600) // 60
    return _string(f"D:{moment:%Y%m%d%H%M%S}{hours:+03d}'{minutes:02d}'")


def _stream(data: bytes) -> bytes:
    return b"<<\n/Filter /FlateDecode /Length %d\n>>\nstream\n%sendstream\n" % (len(data), data)


ID_PLACEHOLDER = b"LKDOCIDPLACEHOLDER00000000000000"
"""The file identifier while the file is hashed (32 bytes, as long as an MD5 in hex, so no
offset moves when the hash replaces it)."""
_PROCS = b"[ /PDF /Text /ImageB /ImageC /ImageI ]"


def write_pdf(pages: Sequence[PageBody], *, italic: bool, title: str, author: str,
              subject: str, creator: str, producer: str, moment: datetime,
              lang: str = "ru-RU") -> bytes:
    """The document's bytes; ``italic``: whether any text uses the italic face.

    The objects are numbered in the order reportlab gives them: the font resources; each
    page's signature fields (lock, then widget) and then the page itself; each face's
    subset (CMap, program, descriptor, font); the catalog and the information; the page
    tree, the pages' content streams; the form. The file identifier is the MD5 of the file
    written with a placeholder, as ``documents.layout.finish_canvas`` computes it.
    """
    faces = [REGULAR, BOLD, *([ITALIC] if italic else [])]
    objects: dict[int, bytes] = {}
    number = 2  # 1: the font resources
    page_numbers: list[int] = []
    placed: list[list[tuple[int, FieldBox]]] = []  # each page's widgets (the lock just before)
    for page in pages:
        mine = []
        for box in page.fields:
            objects[number] = _dict([("Action", b"/Include"),
                                     ("Fields", _array([_string(box.name)])),
                                     ("Type", b"/SigFieldLock")])
            mine.append((number + 1, box))
            number += 2
        placed.append(mine)
        page_numbers.append(number)
        number += 1
    font_refs: list[tuple[str, int]] = []
    for face in faces:
        internal = FONT_NAMES[face]
        seed = seed_font(face, internal)
        cmap, program, descriptor, font = number, number + 1, number + 2, number + 3
        number += 4
        objects[cmap] = seed.to_unicode
        objects[program] = seed.font_file
        objects[descriptor] = seed.descriptor[0] + _ref(program) + seed.descriptor[1]
        objects[font] = (seed.font[0] + _ref(descriptor) + seed.font[1] + _ref(cmap)
                         + seed.font[2])
        font_refs.append((internal[1:], font))
    objects[1] = _dict([(name, _ref(n)) for name, n in font_refs])
    catalog, info, tree = number, number + 1, number + 2
    contents = list(range(number + 3, number + 3 + len(pages)))
    widgets = [widget for mine in placed for widget, _box in mine]
    form = number + 3 + len(pages)
    last = form if widgets else form - 1
    media = [b"0", b"0"]
    for page, page_number, content, mine in zip(pages, page_numbers, contents, placed,
                                                 strict=True):
        for widget, box in mine:
            objects[widget] = _dict([
                ("F", b"4"), ("FT", b"/Sig"), ("Lock", _ref(widget - 1)),
                ("P", _ref(page_number)), ("Rect", _array([_number(v) for v in box.rect])),
                ("Subtype", b"/Widget"), ("T", _string(box.name)), ("Type", b"/Annot")])
        entries = [
            ("Contents", _ref(content)),
            ("MediaBox", _array([*media, _number(page.width), _number(page.height)])),
            ("Parent", _ref(tree)),
            ("Resources", b"<<\n/Font 1 0 R /ProcSet " + _PROCS + b"\n>>"),
            ("Rotate", b"0"), ("Trans", b"<<\n\n>>"), ("Type", b"/Page")]
        if mine:
            entries.append(("Annots", _array([_ref(w) for w, _box in mine])))
        objects[page_number] = _dict(entries)
        stream = (PREAMBLE + page.content + "\n \n").encode("latin-1")
        objects[content] = _stream(zlib.compress(stream, PAGE_COMPRESSION_LEVEL))
    catalog_entries = [("Lang", _string(lang)), ("PageMode", b"/UseNone"),
                       ("Pages", _ref(tree)), ("Type", b"/Catalog")]
    if widgets:
        catalog_entries.append(("AcroForm", _ref(form)))
        objects[form] = _dict([("Fields", _array([_ref(w) for w in widgets])),
                               ("SigFlags", b"1")])
    objects[catalog] = _dict(catalog_entries)
    when = _date(moment)
    objects[info] = _dict([
        ("Author", _string(author)), ("CreationDate", when), ("Creator", _string(creator)),
        ("Keywords", b"()"), ("ModDate", when), ("Producer", _string(producer)),
        ("Subject", _string(subject)), ("Title", _string(title)), ("Trapped", b"/False")])
    objects[tree] = _dict([("Count", b"%d" % len(pages)),
                           ("Kids", _array([_ref(n) for n in page_numbers])),
                           ("Type", b"/Pages")])

    # pieces joined once at the end (the font programs are tens of kilobytes: no copies on
    # the way); the identifier hashes the file with the placeholder, which only the trailer
    # holds
    out = [HEADER]
    offset = len(HEADER)
    offsets = []
    for n in range(1, last + 1):
        body = objects[n]
        head = b"%d 0 obj\n" % n
        tail = b"endobj\n" if body.endswith(b"\n") else b"\nendobj\n"
        offsets.append(offset)
        out += (head, body, tail)
        offset += len(head) + len(body) + len(tail)
    xref = [b"xref\n0 %d\n0000000000 65535 f " % (last + 1)]
    xref.extend(b"%010d 00000 n " % o for o in offsets)
    out.append(b"\n".join(xref) + b"\n")
    trailer = (b"trailer\n<<\n/ID \n[<%s> <%s>]\n\n/Info %d 0 R\n/Root %d 0 R\n/Size %d\n>>"
               b"\nstartxref\n%d\n%%%%EOF\n")
    digest = hashlib.md5(usedforsecurity=False)
    for piece in out:
        digest.update(piece)
    digest.update(trailer % (ID_PLACEHOLDER, ID_PLACEHOLDER, info, catalog, last + 1, offset))
    file_id = digest.hexdigest().upper().encode("ascii")
    out.append(trailer % (file_id, file_id, info, catalog, last + 1, offset))
    return b"".join(out)
