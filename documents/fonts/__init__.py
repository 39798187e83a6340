"""The one font family every document uses: Liberation Sans 2.1.5 (SIL OFL 1.1, see
``LICENSE-OFL.txt`` next to the files).

Why this family: metric-compatible with Arial (what Russian accountants expect on a form),
full Cyrillic and Ukrainian coverage, and a licence that allows embedding and redistribution.
Only the glyphs a document uses are embedded (reportlab subsets TrueType fonts).

The files are also used by ``signing/`` for the visible signature stamp, hence the plain paths.
The rouble sign (U+20BD) and the tenge sign (U+20B8) are NOT in this font: documents write
"руб." / "тенге" instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from threading import Lock
from typing import Any

__all__ = [
    "BOLD",
    "FONT_BOLD_PATH",
    "FONT_DIR",
    "FONT_ITALIC_PATH",
    "FONT_LICENSE_PATH",
    "FONT_REGULAR_PATH",
    "ITALIC",
    "REGULAR",
    "SEED_CHARACTERS",
    "SeedFont",
    "register_fonts",
    "seed_encoding",
    "seed_font",
    "seed_subsets",
]

FONT_DIR = Path(__file__).resolve().parent
FONT_REGULAR_PATH = FONT_DIR / "LiberationSans-Regular.ttf"
FONT_BOLD_PATH = FONT_DIR / "LiberationSans-Bold.ttf"
FONT_ITALIC_PATH = FONT_DIR / "LiberationSans-Italic.ttf"
FONT_LICENSE_PATH = FONT_DIR / "LICENSE-OFL.txt"

# reportlab font names (process-wide registry keys).
REGULAR = "LKLiberationSans"
BOLD = "LKLiberationSans-Bold"
ITALIC = "LKLiberationSans-Italic"

_lock = Lock()
_subset_lock = Lock()
_registered = False

# The characters every document starts its font subsets with, in this order. Seeding makes
# the embedded subset the same for (almost) every document, so its compressed font program is
# built once per process and reused (see _CachingFace); a document using a character outside
# the seed still works, it just gets a subset of its own.
SEED_CHARACTERS = (
    " !\"#%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]_abcdefghijklmnopqrstuvwxyz|"
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    "«»№·³²—–…°"
)
_SUBSET_CACHE_SIZE = 32


_REF_MARK = b"\x00LK-REFERENCE\x00"


def _pdf_object_classes() -> tuple[type, type]:
    from reportlab.pdfbase import pdfdoc

    # reportlab has no type information (types-reportlab lacks the internals used here), so
    # its classes are Any to mypy; pdfdoc.format() needs PDFObject subclasses all the same
    class Formatted(pdfdoc.PDFObject):  # type: ignore[misc]
        """A PDF object whose bytes are already formatted."""

        def __init__(self, data: bytes) -> None:
            self.data = data

        def format(self, document: object) -> bytes:
            return self.data

    class Spliced(pdfdoc.PDFObject):  # type: ignore[misc]
        """A dictionary formatted once per process around one indirect reference, which is
        formatted per document (its object number differs)."""

        def __init__(self, head: bytes, ref: Any, tail: bytes) -> None:
            self.head, self.ref, self.tail = head, ref, tail

        def format(self, document: object) -> bytes:
            ref: bytes = self.ref.format(document)
            return self.head + ref + self.tail

    return Formatted, Spliced


def _subset_name(face: Any, n: int) -> str:
    """``AAAAAA+LiberationSans``: the base font name of subset ``n``, as reportlab names it."""
    from reportlab.pdfbase.ttfonts import SUBSETN

    name: str = b"".join((SUBSETN(n), b"+", face.name, face.subfontNameX)).decode("pdfdoc")
    return name


def _font_program(face: Any, subset: list[int]) -> tuple[bytes, int]:
    """The subset's TrueType program, compressed, and its uncompressed length."""
    import zlib

    # reportlab reads the font file through one position kept on the face: two threads
    # subsetting at once (a worker renders a pair's two documents on two threads) read each
    # other's offsets
    with _subset_lock:
        program = face.makeSubset(subset)
    return zlib.compress(program), len(program)


def _descriptor_parts(face: Any, base_font: str, doc: object) -> tuple[bytes, bytes]:
    """The font descriptor formatted around its one reference (``/FontFile2``)."""
    from reportlab.pdfbase import pdfdoc

    _Formatted, _ = _pdf_object_classes()
    flags = (face.flags & ~(1 << 5)) | (1 << 2)  # symbolic, as reportlab writes it
    descriptor = pdfdoc.PDFDictionary({
        "Type": "/FontDescriptor", "Ascent": face.ascent, "CapHeight": face.capHeight,
        "Descent": face.descent, "Flags": flags, "FontBBox": pdfdoc.PDFArray(face.bbox),
        "FontName": pdfdoc.PDFName(base_font), "ItalicAngle": face.italicAngle,
        "StemV": face.stemV, "FontFile2": _Formatted(_REF_MARK),
        "MissingWidth": face.defaultWidth,
    })
    head, tail = pdfdoc.format(descriptor, doc).split(_REF_MARK)
    return head, tail


def _widths_and_cmap(face: Any, base_font: str, subset: list[int],
                     doc: object) -> tuple[bytes, bytes]:
    """The subset's ``/Widths`` array, formatted, and its ``/ToUnicode`` CMap, compressed."""
    import zlib

    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import makeToUnicodeCMap

    widths: bytes = pdfdoc.format(pdfdoc.PDFArray(list(map(face.getCharWidth, subset))), doc)
    cmap = zlib.compress(makeToUnicodeCMap(base_font, subset).encode("latin-1"))
    return widths, cmap


def _font_entry(internal: str, base_font: str, subset: list[int], widths: bytes,
                descriptor: object, to_unicode: object) -> Any:
    """The subset's font dictionary (``internal`` without its slash)."""
    from reportlab.pdfbase import pdfdoc

    _Formatted, _ = _pdf_object_classes()
    font = pdfdoc.PDFTrueTypeFont()
    font.Name = internal
    font.BaseFont = base_font
    font.FirstChar = 0
    font.LastChar = len(subset) - 1
    font.Widths = _Formatted(widths)
    font.FontDescriptor = descriptor
    font.ToUnicode = to_unicode
    return font


def _caching_face_class(base: type) -> type:
    """A subclass of reportlab's TrueType face that keeps the compressed font program of the
    last subsets it embedded. Subsetting and compressing a font costs milliseconds per
    document; with seeded subsets the result is the same for every document."""
    from reportlab.pdfbase import pdfdoc

    _, _Spliced = _pdf_object_classes()

    class _CachingFace(base):  # type: ignore[misc]  # reportlab's face class: Any to mypy
        def addSubsetObjects(self, doc: object, fontname: str, subset: list[int]) -> object:
            cache: dict[tuple[int, ...], tuple[bytes, int]] = self.__dict__.setdefault(
                "_lk_subset_cache", {})
            key = tuple(subset)
            hit = cache.get(key)
            if hit is None:
                hit = _font_program(self, subset)
                if len(cache) >= _SUBSET_CACHE_SIZE:
                    cache.pop(next(iter(cache)))
                cache[key] = hit
            compressed, length = hit
            font_file = pdfdoc.PDFStream(
                pdfdoc.PDFDictionary({"Length1": length, "Filter": "/FlateDecode"}), compressed)
            ref = doc.Reference(font_file,  # type: ignore[attr-defined]
                                f"fontFile:{self.filename}({fontname})")
            parts_cache: dict[str, tuple[bytes, bytes]] = self.__dict__.setdefault(
                "_lk_descriptor_cache", {})
            parts = parts_cache.get(fontname)
            if parts is None:
                parts = parts_cache[fontname] = _descriptor_parts(self, fontname, doc)
            return doc.Reference(_Spliced(parts[0], ref, parts[1]),  # type: ignore[attr-defined]
                                 "fontDescriptor:" + fontname)

    return _CachingFace


def _caching_font_class(base: type) -> type:
    """A subclass of reportlab's TTFont whose per-subset PDF objects (the ``/Widths`` array
    and the compressed ``/ToUnicode`` CMap) are formatted once per process and reused: with
    seeded subsets they are the same in every document, and formatting ~170 widths and a
    CMap of ~170 entries for three faces was a third of the time spent writing a page."""
    from reportlab.pdfbase import pdfdoc
    from reportlab.pdfbase.ttfonts import TTFont

    class _CachingFont(base):  # type: ignore[misc]  # reportlab's TTFont: Any to mypy
        def addObjects(self, doc: Any) -> None:
            cache: dict[tuple[str, tuple[int, ...]], tuple[bytes, bytes]] = \
                self.__dict__.setdefault("_lk_objects_cache", {})
            try:
                state = self.state[doc]
            except KeyError:
                state = self.state[doc] = TTFont.State(self._asciiReadable)
            state.frozen = 1
            for n, subset in enumerate(state.subsets):
                internal = self.getSubsetInternalName(n, doc)[1:]
                base_font = _subset_name(self.face, n)
                key = (base_font, tuple(subset))
                hit = cache.get(key)
                if hit is None:
                    hit = _widths_and_cmap(self.face, base_font, subset, doc)
                    if len(cache) >= _SUBSET_CACHE_SIZE:
                        cache.pop(next(iter(cache)))
                    cache[key] = hit
                widths, cmap = hit
                stream = pdfdoc.PDFStream(pdfdoc.PDFDictionary({"Filter": "/FlateDecode"}), cmap)
                # the CMap's reference first: object numbers follow the order of references
                to_unicode = doc.Reference(stream, "toUnicodeCMap:" + base_font)
                font = _font_entry(internal, base_font, subset, widths,
                                   descriptor=self.face.addSubsetObjects(doc, base_font, subset),
                                   to_unicode=to_unicode)
                doc.Reference(font, internal)
                doc.idToObject["BasicFonts"].dict[internal] = font
            del self.state[doc]

    return _CachingFont


class _Scratch:
    """A weak-referenceable stand-in for a document while the seed state is computed."""


_seed_states: dict[str, Any] = {}
_fast_tables: dict[str, dict[int, str]] = {}


def register_fonts() -> None:
    """Load and register the three faces with reportlab once per process.

    Parsing a TrueType file takes milliseconds; doing it per document would dominate the
    rendering time, so the parsed fonts live in reportlab's registry for the process. The
    seeded subset state of each face and the table that encodes seed characters straight into
    PDF string bytes are computed here once too.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from reportlab.lib.rl_accel import escapePDF
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name, path in ((REGULAR, FONT_REGULAR_PATH), (BOLD, FONT_BOLD_PATH),
                           (ITALIC, FONT_ITALIC_PATH)):
            font = TTFont(name, str(path))
            font.face.__class__ = _caching_face_class(type(font.face))
            font.__class__ = _caching_font_class(type(font))
            pdfmetrics.registerFont(font)
            # registerFont aliases by face name: had anyone registered this TrueType file
            # before us (the signature stamp, a test), our name would now point at *their*
            # font object, sharing its subsets and missing the caches above, and the bytes
            # of a document would depend on what the process did before. Ours, always.
            pdfmetrics._fonts[name] = font
            scratch = _Scratch()
            font.splitString(SEED_CHARACTERS, scratch)
            state = font.state.pop(scratch)
            _seed_states[name] = state
            table: dict[int, str] = {}
            for code in (*range(128), *map(ord, SEED_CHARACTERS)):
                if code in state.assignments:
                    table[code] = escapePDF(bytes([state.assignments[code]]))
                elif code not in font.face.charToGlyph:
                    table[code] = escapePDF(b"\0")  # .notdef, as reportlab encodes it
                else:
                    table[code] = "\uffff"  # not seeded: leave it to reportlab
            table[0xA0] = table[0x20]  # reportlab maps a no-break space to a space
            _fast_tables[name] = table
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC,
                                      boldItalic=BOLD)
        _registered = True


def seed_subsets(doc: object) -> None:
    """Give each face's subset in ``doc`` the :data:`SEED_CHARACTERS` first (see there): a copy
    of the state computed once in :func:`register_fonts`."""
    import copy

    from reportlab.pdfbase import pdfmetrics

    register_fonts()
    for name in (REGULAR, BOLD, ITALIC):
        seed = _seed_states[name]
        state = copy.copy(seed)
        state.assignments = dict(seed.assignments)
        state.subsets = [list(s) for s in seed.subsets]
        pdfmetrics.getFont(name).state[doc] = state


def seed_encoding(name: str) -> dict[int, str]:
    """A ``str.translate`` table from the seed characters (and ASCII) of face ``name`` to
    their escaped bytes in the seeded subset 0, the same in every document. A translated text
    that is not pure ASCII had a character outside the seed: encode it with reportlab."""
    register_fonts()
    return _fast_tables[name]


@dataclass(frozen=True)
class SeedFont:
    """The PDF objects of one face's seeded subset (subset 0 holding exactly
    :data:`SEED_CHARACTERS`), formatted once per process as reportlab formats them, for
    ``documents.writer``, which writes a document without reportlab's object graph.

    Each object is split around the references it holds (their numbers differ from one
    document to the next): ``descriptor`` around ``/FontFile2``, ``font`` around
    ``/FontDescriptor`` and ``/ToUnicode``, in that order."""

    to_unicode: bytes
    font_file: bytes
    descriptor: tuple[bytes, bytes]
    font: tuple[bytes, bytes, bytes]


_MARK_B = b"\x00LK-REF-B\x00"


@cache
def seed_font(name: str, internal: str) -> SeedFont:
    """Face ``name``'s seeded subset as the resource ``internal`` (``/F1+0``): the objects the
    caching classes above give reportlab for a document whose text stays within the seed,
    built by the same functions (``tests/documents/test_writer.py`` compares whole
    documents)."""
    from reportlab.pdfbase import pdfdoc, pdfmetrics

    register_fonts()
    _Formatted, _ = _pdf_object_classes()
    face = pdfmetrics.getFont(name).face
    subset = list(_seed_states[name].subsets[0])
    scratch = pdfdoc.PDFDocument()
    base_font = _subset_name(face, 0)

    def stream(dictionary: dict[str, Any], data: bytes) -> bytes:
        formatted: bytes = pdfdoc.format(
            pdfdoc.PDFStream(pdfdoc.PDFDictionary(dictionary), data), scratch, toplevel=1)
        return formatted

    program, length = _font_program(face, subset)
    widths, cmap = _widths_and_cmap(face, base_font, subset, scratch)
    entry = _font_entry(internal[1:], base_font, subset, widths,
                        descriptor=_Formatted(_REF_MARK), to_unicode=_Formatted(_MARK_B))
    before, rest = pdfdoc.format(entry, scratch, toplevel=1).split(_REF_MARK)
    between, after = rest.split(_MARK_B)
    return SeedFont(
        to_unicode=stream({"Filter": "/FlateDecode"}, cmap),
        font_file=stream({"Length1": length, "Filter": "/FlateDecode"}, program),
        descriptor=_descriptor_parts(face, base_font, scratch), font=(before, between, after))
