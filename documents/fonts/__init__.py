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

from pathlib import Path
from threading import Lock

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
    "register_fonts",
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


def _caching_face_class(base: type) -> type:
    """A subclass of reportlab's TrueType face that keeps the compressed font program of the
    last subsets it embedded. Subsetting and compressing a font costs milliseconds per
    document; with seeded subsets the result is the same for every document."""
    from reportlab.pdfbase import pdfdoc

    class _CachingFace(base):  # type: ignore[valid-type, misc]
        def addSubsetObjects(self, doc: object, fontname: str, subset: list[int]) -> object:
            cache: dict[tuple[int, ...], tuple[bytes, int]] = self.__dict__.setdefault(
                "_lk_subset_cache", {})
            key = tuple(subset)
            hit = cache.get(key)
            if hit is None:
                import zlib

                program = self.makeSubset(subset)
                hit = (zlib.compress(program), len(program))
                if len(cache) >= _SUBSET_CACHE_SIZE:
                    cache.pop(next(iter(cache)))
                cache[key] = hit
            compressed, length = hit
            font_file = pdfdoc.PDFStream(
                pdfdoc.PDFDictionary({"Length1": length, "Filter": "/FlateDecode"}), compressed)
            ref = doc.Reference(font_file,  # type: ignore[attr-defined]
                                f"fontFile:{self.filename}({fontname})")
            flags = (self.flags & ~(1 << 5)) | (1 << 2)  # symbolic, as reportlab writes it
            descriptor = pdfdoc.PDFDictionary({
                "Type": "/FontDescriptor", "Ascent": self.ascent, "CapHeight": self.capHeight,
                "Descent": self.descent, "Flags": flags, "FontBBox": pdfdoc.PDFArray(self.bbox),
                "FontName": pdfdoc.PDFName(fontname), "ItalicAngle": self.italicAngle,
                "StemV": self.stemV, "FontFile2": ref, "MissingWidth": self.defaultWidth,
            })
            return doc.Reference(descriptor,  # type: ignore[attr-defined]
                                 "fontDescriptor:" + fontname)

    return _CachingFace


def register_fonts() -> None:
    """Load and register the three faces with reportlab once per process.

    Parsing a TrueType file takes milliseconds; doing it per document would dominate the
    rendering time, so the parsed fonts live in reportlab's registry for the process.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        for name, path in ((REGULAR, FONT_REGULAR_PATH), (BOLD, FONT_BOLD_PATH),
                           (ITALIC, FONT_ITALIC_PATH)):
            font = TTFont(name, str(path))
            font.face.__class__ = _caching_face_class(type(font.face))
            pdfmetrics.registerFont(font)
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC,
                                      boldItalic=BOLD)
        _registered = True


def seed_subsets(doc: object) -> None:
    """Give each face's subset in ``doc`` the :data:`SEED_CHARACTERS` first (see there)."""
    from reportlab.pdfbase import pdfmetrics

    for name in (REGULAR, BOLD, ITALIC):
        pdfmetrics.getFont(name).splitString(SEED_CHARACTERS, doc)
