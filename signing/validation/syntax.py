"""A small, strict PDF object parser for the structural analysis of signed files.

Why not pyHanko's reader: the validator must see the file exactly as its bytes are, with the
byte offset of every object and of the ``/Contents`` string of a signature, and it must not
"repair" anything an attacker wrote. The parser is bounded: nesting depth, decompressed size
and element counts are limited, and nothing recurses on attacker-controlled depth beyond
``MAX_DEPTH``, so a hostile file fails with :class:`~.errors.PdfSyntaxError` or
:class:`~.errors.ResourceLimitError` instead of exhausting the stack or memory.

Objects map to Python values: ``int``, :class:`~decimal.Decimal` (reals), ``bool``, ``None``
(null), :class:`Name`, :class:`PdfString`, ``list`` (arrays), :class:`PdfDict`,
:class:`Stream` and :class:`Ref`. Equal PDF values compare equal as Python values.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple, Union

from .errors import PdfSyntaxError, ResourceLimitError

__all__ = [
    "MAX_DECODED_STREAM",
    "MAX_DEPTH",
    "WHITESPACE",
    "Name",
    "Parser",
    "PdfDict",
    "PdfString",
    "PdfValue",
    "Ref",
    "Stream",
    "decode_stream",
    "flate_decode",
]

MAX_DEPTH = 64
MAX_DECODED_STREAM = 32 * 1024 * 1024
MAX_COLLECTION_ITEMS = 2_000_000

WHITESPACE = b"\x00\t\n\x0c\r "
DELIMITERS = b"()<>[]{}/%"
_WS_SET = frozenset(WHITESPACE)
_DELIM_OR_WS = frozenset(WHITESPACE + DELIMITERS)

_WS_RE = re.compile(rb"[\x00\t\n\x0c\r ]*")
_WS_COMMENTS_RE = re.compile(rb"(?:[\x00\t\n\x0c\r ]+|%[^\r\n]*)*")
_NUMBER_RE = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)")
_INT_RE = re.compile(rb"\d+")
_REF_TAIL_RE = re.compile(rb"[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+R(?=[\x00\t\n\x0c\r ()<>\[\]{}/%]|$)")
_OBJ_HEADER_RE = re.compile(rb"(\d+)[\x00\t\n\x0c\r ]+(\d+)[\x00\t\n\x0c\r ]+obj(?=[\x00\t\n\x0c\r ()<>\[\]{}/%])")
_REGULAR_RE = re.compile(rb"[^\x00\t\n\x0c\r ()<>\[\]{}/%]*")
_STRING_SPECIAL_RE = re.compile(rb"[()\\]")
_HEX_RE = re.compile(rb"[0-9A-Fa-f\x00\t\n\x0c\r ]*")


class Ref(NamedTuple):
    """An indirect reference ``num gen R``."""

    num: int
    gen: int

    def __str__(self) -> str:
        return f"{self.num} {self.gen} R"


class Name(str):
    """A PDF name (``/Type``), decoded, without the slash."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "/" + str.__str__(self)


class PdfString(bytes):
    """A PDF string (literal or hexadecimal), decoded to its bytes."""

    __slots__ = ()

    def text(self) -> str:
        """Decode as a PDF text string (UTF-16BE with BOM, UTF-8 with BOM, else Latin-1)."""
        if self.startswith(b"\xfe\xff"):
            return self[2:].decode("utf-16-be", errors="replace")
        if self.startswith(b"\xef\xbb\xbf"):
            return self[3:].decode("utf-8", errors="replace")
        return self.decode("latin-1")


class PdfDict(dict[str, Any]):
    """A PDF dictionary; ``spans`` holds each value's ``(start, end)`` byte offsets.

    Values are typed ``Any`` rather than :data:`PdfValue`: every reader of a dictionary
    checks what it finds with ``isinstance`` (a hostile file can put anything anywhere), and
    the recursive union would demand a cast at each of those places instead.
    """

    __slots__ = ("spans",)

    def __init__(self) -> None:
        super().__init__()
        self.spans: dict[str, tuple[int, int]] = {}


@dataclass(eq=False)
class Stream:
    """A stream object: its dictionary and where its raw (encoded) data lies in ``buf``."""

    dict: PdfDict
    buf: bytes
    data_start: int
    data_end: int

    @property
    def raw(self) -> bytes:
        return self.buf[self.data_start : self.data_end]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Stream):
            return NotImplemented
        return self.dict == other.dict and self.raw == other.raw

    def __hash__(self) -> int:  # pragma: no cover - streams are never dict keys
        return hash(self.raw)


PdfValue = Union[
    int, Decimal, bool, None, Name, PdfString, "list[PdfValue]", PdfDict, Stream, Ref
]

LengthResolver = Callable[[Ref], object]


class Parser:
    """Parses PDF objects from ``buf``; every method takes and returns byte offsets."""

    def __init__(self, buf: bytes, resolve_length: LengthResolver | None = None) -> None:
        self.buf = buf
        self.resolve_length = resolve_length

    # -- lexical helpers -------------------------------------------------------------------
    def skip_ws(self, pos: int, comments: bool = True) -> int:
        m = (_WS_COMMENTS_RE if comments else _WS_RE).match(self.buf, pos)
        return m.end() if m else pos

    def expect_keyword(self, pos: int, keyword: bytes, comments: bool = True) -> int:
        pos = self.skip_ws(pos, comments)
        end = pos + len(keyword)
        if self.buf[pos:end] != keyword or (end < len(self.buf) and self.buf[end] not in _DELIM_OR_WS):
            raise PdfSyntaxError(f"expected {keyword.decode()!r}", pos)
        return end

    def read_int(self, pos: int) -> tuple[int, int]:
        pos = self.skip_ws(pos)
        m = _INT_RE.match(self.buf, pos)
        if not m or len(m.group()) > 19:
            raise PdfSyntaxError("expected an integer", pos)
        return int(m.group()), m.end()

    def match_obj_header(self, pos: int) -> re.Match[bytes] | None:
        return _OBJ_HEADER_RE.match(self.buf, pos)

    # -- objects -----------------------------------------------------------------------------
    def parse_object(self, pos: int, depth: int = 0) -> tuple[PdfValue, int]:
        """Parse one direct object starting at ``pos`` (after optional whitespace)."""
        if depth > MAX_DEPTH:
            raise ResourceLimitError("objects nested too deeply", pos)
        buf = self.buf
        pos = self.skip_ws(pos)
        if pos >= len(buf):
            raise PdfSyntaxError("unexpected end of data", pos)
        c = buf[pos]
        if c == 0x2F:  # '/'
            return self._parse_name(pos)
        if c == 0x3C:  # '<'
            if buf[pos + 1 : pos + 2] == b"<":
                return self._parse_dict(pos, depth)
            return self._parse_hex(pos)
        if c == 0x28:  # '('
            return self._parse_literal(pos)
        if c == 0x5B:  # '['
            return self._parse_array(pos, depth)
        m = _NUMBER_RE.match(buf, pos)
        if m:
            text = m.group()
            if b"." not in text:
                if len(text) > 40:
                    raise PdfSyntaxError("number too long", pos)
                value = int(text)
                if text.isdigit():
                    rm = _REF_TAIL_RE.match(buf, m.end())
                    if rm:
                        return Ref(value, int(rm.group(1))), rm.end()
                return value, m.end()
            try:
                return Decimal(text.decode()), m.end()
            except InvalidOperation:  # pragma: no cover - the regex admits only numbers
                raise PdfSyntaxError("bad number", pos) from None
        m = _REGULAR_RE.match(buf, pos)
        word = m.group() if m else b""
        end = pos + len(word)
        if word == b"true":
            return True, end
        if word == b"false":
            return False, end
        if word == b"null":
            return None, end
        raise PdfSyntaxError(f"unexpected token {word[:20]!r}", pos)

    def _parse_name(self, pos: int) -> tuple[Name, int]:
        m = _REGULAR_RE.match(self.buf, pos + 1)
        raw = m.group() if m else b""
        end = pos + 1 + len(raw)
        if b"#" in raw:
            out = bytearray()
            i = 0
            while i < len(raw):
                if raw[i] == 0x23 and _is_hex2(raw[i + 1 : i + 3]):
                    out.append(int(raw[i + 1 : i + 3], 16))
                    i += 3
                else:
                    out.append(raw[i])
                    i += 1
            raw = bytes(out)
        return Name(raw.decode("latin-1")), end

    def _parse_hex(self, pos: int) -> tuple[PdfString, int]:
        m = _HEX_RE.match(self.buf, pos + 1)
        assert m is not None
        end = m.end()
        if self.buf[end : end + 1] != b">":
            raise PdfSyntaxError("malformed hexadecimal string", pos)
        digits = m.group().translate(None, WHITESPACE)
        if len(digits) % 2:
            digits += b"0"
        return PdfString(bytes.fromhex(digits.decode())), end + 1

    def _parse_literal(self, pos: int) -> tuple[PdfString, int]:
        buf = self.buf
        i = pos + 1
        level = 1
        # Fast path: find the matching parenthesis first, then decode escapes.
        while True:
            m = _STRING_SPECIAL_RE.search(buf, i)
            if m is None:
                raise PdfSyntaxError("unterminated string", pos)
            i = m.start()
            c = buf[i]
            if c == 0x5C:  # backslash
                i += 2
                continue
            if c == 0x28:
                level += 1
            else:
                level -= 1
                if level == 0:
                    break
            i += 1
        raw = buf[pos + 1 : i]
        return PdfString(_unescape_literal(raw) if b"\\" in raw else raw), i + 1

    def _parse_array(self, pos: int, depth: int) -> tuple[list[PdfValue], int]:
        buf = self.buf
        items: list[PdfValue] = []
        pos += 1
        while True:
            pos = self.skip_ws(pos)
            if pos >= len(buf):
                raise PdfSyntaxError("unterminated array", pos)
            if buf[pos] == 0x5D:  # ']'
                return items, pos + 1
            value, pos = self.parse_object(pos, depth + 1)
            items.append(value)
            if len(items) > MAX_COLLECTION_ITEMS:
                raise ResourceLimitError("array too large", pos)

    def _parse_dict(self, pos: int, depth: int) -> tuple[PdfDict, int]:
        buf = self.buf
        out = PdfDict()
        pos += 2
        while True:
            pos = self.skip_ws(pos)
            if pos >= len(buf):
                raise PdfSyntaxError("unterminated dictionary", pos)
            if buf[pos : pos + 2] == b">>":
                return out, pos + 2
            if buf[pos] != 0x2F:
                raise PdfSyntaxError("dictionary key is not a name", pos)
            key, pos = self._parse_name(pos)
            vstart = self.skip_ws(pos)
            value, pos = self.parse_object(vstart, depth + 1)
            # PDF: a later duplicate key is undefined behaviour; readers differ. Refuse.
            if key in out:
                raise PdfSyntaxError(f"duplicate dictionary key /{key}", vstart)
            out[key] = value
            out.spans[key] = (vstart, pos)
            if len(out) > MAX_COLLECTION_ITEMS:
                raise ResourceLimitError("dictionary too large", pos)

    def parse_indirect(self, pos: int) -> tuple[int, int, PdfValue, int]:
        """Parse ``num gen obj ... endobj`` at exactly ``pos``; returns (num, gen, value, end)."""
        m = self.match_obj_header(pos)
        if m is None:
            raise PdfSyntaxError("expected an object header 'N G obj'", pos)
        num, gen = int(m.group(1)), int(m.group(2))
        value, end = self.parse_object(m.end())
        if isinstance(value, PdfDict):
            after = self.skip_ws(end)
            if self.buf.startswith(b"stream", after):
                value, end = self._parse_stream_body(value, after + 6)
        end = self.expect_keyword(end, b"endobj")
        return num, gen, value, end

    def _parse_stream_body(self, sdict: PdfDict, pos: int) -> tuple[Stream, int]:
        buf = self.buf
        if buf[pos : pos + 2] == b"\r\n":
            pos += 2
        elif buf[pos : pos + 1] in (b"\n", b"\r"):
            pos += 1
        else:
            raise PdfSyntaxError("'stream' must be followed by an end-of-line", pos)
        length = sdict.get("Length")
        if isinstance(length, Ref) and self.resolve_length is not None:
            length = self.resolve_length(length)
        if not isinstance(length, int) or isinstance(length, bool) or length < 0:
            raise PdfSyntaxError("stream without a valid /Length", pos)
        end = pos + length
        if end > len(buf):
            raise PdfSyntaxError("stream runs past the end of the data", pos)
        after = self.expect_keyword(end, b"endstream", comments=False)
        return Stream(sdict, buf, pos, end), after


def _is_hex2(b: bytes) -> bool:
    return len(b) == 2 and all(c in b"0123456789abcdefABCDEF" for c in b)


_ESCAPES = {
    ord("n"): b"\n",
    ord("r"): b"\r",
    ord("t"): b"\t",
    ord("b"): b"\b",
    ord("f"): b"\f",
    ord("("): b"(",
    ord(")"): b")",
    ord("\\"): b"\\",
}


def _unescape_literal(raw: bytes) -> bytes:
    out = bytearray()
    i, n = 0, len(raw)
    while i < n:
        c = raw[i]
        if c != 0x5C:
            out.append(c)
            i += 1
            continue
        i += 1
        if i >= n:
            break
        c = raw[i]
        if c in _ESCAPES:
            out += _ESCAPES[c]
            i += 1
        elif 0x30 <= c <= 0x37:
            j = i
            while j < n and j < i + 3 and 0x30 <= raw[j] <= 0x37:
                j += 1
            out.append(int(raw[i:j], 8) & 0xFF)
            i = j
        elif c == 0x0D:
            i += 2 if raw[i + 1 : i + 2] == b"\n" else 1
        elif c == 0x0A:
            i += 1
        else:
            out.append(c)
            i += 1
    return bytes(out)


def flate_decode(data: bytes, limit: int = MAX_DECODED_STREAM) -> bytes:
    """zlib-inflate with an output limit (a decompression bomb raises, never allocates)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(data, limit)
    except zlib.error as e:
        raise PdfSyntaxError(f"corrupt Flate data: {e}") from None
    if d.unconsumed_tail:
        raise ResourceLimitError(f"stream inflates beyond {limit} bytes")
    return out


def _png_unpredict(data: bytes, columns: int, bpp: int = 1) -> bytes:
    row_len = columns
    stride = row_len + 1
    if row_len <= 0 or len(data) % stride:
        raise PdfSyntaxError("PNG-predicted data has a wrong length")
    out = bytearray()
    prev = bytearray(row_len)
    for r in range(len(data) // stride):
        ftype = data[r * stride]
        row = bytearray(data[r * stride + 1 : (r + 1) * stride])
        if ftype == 0:
            pass
        elif ftype == 1:
            for i in range(bpp, row_len):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif ftype == 2:
            for i in range(row_len):
                row[i] = (row[i] + prev[i]) & 0xFF
        elif ftype == 3:
            for i in range(row_len):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif ftype == 4:
            for i in range(row_len):
                a = row[i - bpp] if i >= bpp else 0
                b = prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                row[i] = (row[i] + pred) & 0xFF
        else:
            raise PdfSyntaxError(f"unknown PNG predictor type {ftype}")
        out += row
        prev = row
    return bytes(out)


def decode_stream(stream: Stream, limit: int = MAX_DECODED_STREAM) -> bytes:
    """Decode a stream used for structure (xref and object streams): no filter or Flate,
    with an optional PNG predictor. Anything else is refused."""
    filters = stream.dict.get("Filter")
    parms = stream.dict.get("DecodeParms")
    if isinstance(filters, list):
        if len(filters) > 1:
            raise PdfSyntaxError("chained filters are not supported in structural streams")
        filters = filters[0] if filters else None
        parms = parms[0] if isinstance(parms, list) and parms else parms
    data = stream.raw
    if filters is None:
        if len(data) > limit:
            raise ResourceLimitError("stream too large")
        decoded = data
    elif filters == "FlateDecode":
        decoded = flate_decode(data, limit)
    else:
        raise PdfSyntaxError(f"unsupported filter /{filters} in a structural stream")
    if isinstance(parms, PdfDict):
        predictor = parms.get("Predictor", 1)
        if isinstance(predictor, int) and predictor >= 10:
            columns = parms.get("Columns", 1)
            if not isinstance(columns, int) or columns <= 0 or columns > 1 << 16:
                raise PdfSyntaxError("bad predictor /Columns")
            decoded = _png_unpredict(decoded, columns)
        elif predictor not in (1, None):
            raise PdfSyntaxError(f"unsupported predictor {predictor}")
    return decoded
