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
    "register_fonts",
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

        pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_REGULAR_PATH)))
        pdfmetrics.registerFont(TTFont(BOLD, str(FONT_BOLD_PATH)))
        pdfmetrics.registerFont(TTFont(ITALIC, str(FONT_ITALIC_PATH)))
        pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=ITALIC,
                                      boldItalic=BOLD)
        _registered = True
