"""BER at the level of tag-length-value: where an encoding ends, and its DER re-encoding.

CMS (RFC 5652) is BER: real-world signers write SignedData with indefinite lengths
(``30 80 … 00 00``), and every reader accepts it. Two things are needed that asn1crypto does
not give exactly:

* :func:`tlv_end`: where the CMS in a signature's ``/Contents`` ends, to tell the structure
  from its zero padding (an end-of-contents ``00 00`` looks like padding, so the end is found
  by walking the encoding, not by stripping zeros);
* :func:`to_der`: the DER re-encoding of the signed attributes. The signature covers the DER
  encoding of the SET OF signed attributes (RFC 5652, 5.4), whatever encoding arrived.

Both work on the TLV structure only and never interpret values, so that the re-encoding
describes exactly the values a parser reads from the original: lengths become definite and
minimal, constructed (segmented) universal strings become primitive, and the elements of a
universal SET are sorted by their encodings (X.690 11.6). Primitive contents are kept as they
are: a non-DER primitive (an INTEGER with a redundant leading byte…) stays non-DER, and a
signature over it then fails to verify, which is the safe outcome.
"""

from __future__ import annotations

__all__ = ["MAX_DEPTH", "BerError", "tlv_end", "to_der"]

#: nesting limit of indefinite-length or re-encoded structures (CMS needs about a dozen)
MAX_DEPTH = 64

# Universal string types that BER may segment into a constructed encoding (X.690 8.21, 8.6,
# 8.7); DER requires them primitive.
_STRING_TAGS = frozenset({0x03, 0x04, 0x0C, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
                          0x1A, 0x1B, 0x1C, 0x1E})
_BIT_STRING, _SET = 0x03, 0x11


class BerError(ValueError):
    """The bytes are not a well-formed BER encoding (or nest deeper than :data:`MAX_DEPTH`)."""


def _header(data: bytes, pos: int) -> tuple[bytes, bool, int | None, int]:
    """(identifier octets, constructed?, content length or None if indefinite, content start)."""
    n = len(data)
    if pos >= n:
        raise BerError("truncated: a value is missing")
    start = pos
    first = data[pos]
    pos += 1
    if first & 0x1F == 0x1F:  # high tag number form: base-128 digits, last without bit 8
        while True:
            if pos >= n:
                raise BerError("truncated tag")
            pos += 1
            if not data[pos - 1] & 0x80:
                break
            if pos - start > 6:
                raise BerError("tag number too large")
    ident = data[start:pos]
    constructed = bool(first & 0x20)
    if pos >= n:
        raise BerError("truncated length")
    lb = data[pos]
    pos += 1
    if lb < 0x80:
        return ident, constructed, lb, pos
    if lb == 0x80:
        if not constructed:
            raise BerError("indefinite length on a primitive value")
        return ident, constructed, None, pos
    k = lb & 0x7F
    if k > 8 or lb == 0xFF:
        raise BerError("invalid length")
    if pos + k > n:
        raise BerError("truncated length")
    length = int.from_bytes(data[pos : pos + k], "big")
    return ident, constructed, length, pos + k


def _end(data: bytes, pos: int, depth: int) -> int:
    ident, _constructed, length, pos = _header(data, pos)
    if ident == b"\x00":
        raise BerError("unexpected end-of-contents")
    if length is not None:
        if pos + length > len(data):
            raise BerError("truncated: a length exceeds the data")
        return pos + length
    if depth >= MAX_DEPTH:
        raise BerError("nested too deeply")
    while True:
        if data[pos : pos + 2] == b"\x00\x00":
            return pos + 2
        pos = _end(data, pos, depth + 1)


def tlv_end(data: bytes, offset: int = 0) -> int:
    """The offset just after the BER value that starts at ``offset``.

    Definite lengths are trusted (their content is not walked); indefinite ones are followed
    to their end-of-contents. Raises :class:`BerError` when the encoding is truncated or
    malformed.
    """
    return _end(data, offset, 0)


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _children(data: bytes, pos: int, length: int | None) -> tuple[list[tuple[int, int]], int]:
    """Spans of the values inside a constructed value whose content starts at ``pos``."""
    spans: list[tuple[int, int]] = []
    limit = len(data) if length is None else pos + length
    if limit > len(data):
        raise BerError("truncated: a length exceeds the data")
    while True:
        if length is None and data[pos : pos + 2] == b"\x00\x00":
            return spans, pos + 2
        if length is not None and pos == limit:
            return spans, pos
        end = tlv_end(data, pos)
        if end > limit:
            raise BerError("a value overruns its container")
        spans.append((pos, end))
        pos = end


def _primitive_content(data: bytes, start: int, end: int) -> bytes:
    _ident, _constructed, length, pos = _header(data, start)
    if length is None:
        raise BerError("indefinite length on a primitive value")
    return data[pos : pos + length]


def _flatten(data: bytes, spans: list[tuple[int, int]], tag: int, depth: int) -> bytes:
    """The content of a segmented string: its segments' contents, in order (X.690 8.21.5)."""
    if depth >= MAX_DEPTH:
        raise BerError("nested too deeply")
    out = bytearray()
    unused = 0
    for i, (s, e) in enumerate(spans):
        ident, constructed, length, pos = _header(data, s)
        if ident[0] & 0x1F != tag:
            raise BerError("a segment of a constructed string has another type")
        if constructed:
            sub, _ = _children(data, pos, length)
            part = _flatten(data, sub, tag, depth + 1)
        else:
            part = _primitive_content(data, s, e)
        if tag == _BIT_STRING:
            if not part or (part[0] and i != len(spans) - 1):
                raise BerError("malformed segmented BIT STRING")
            unused = part[0]
            part = part[1:]
        out += part
    return bytes([unused]) + bytes(out) if tag == _BIT_STRING else bytes(out)


def _der(data: bytes, start: int, depth: int) -> tuple[bytes, int]:
    if depth >= MAX_DEPTH:
        raise BerError("nested too deeply")
    ident, constructed, length, pos = _header(data, start)
    if not constructed:
        assert length is not None
        end = pos + length
        if end > len(data):
            raise BerError("truncated: a length exceeds the data")
        return ident + _length(length) + data[pos:end], end
    spans, end = _children(data, pos, length)
    universal = ident[0] & 0xC0 == 0 and len(ident) == 1
    tag = ident[0] & 0x1F
    if universal and tag in _STRING_TAGS:
        content = _flatten(data, spans, tag, depth + 1)
        return bytes([ident[0] & ~0x20]) + _length(len(content)) + content, end
    parts = [_der(data, s, depth + 1)[0] for s, _e in spans]
    if universal and tag == _SET:
        parts.sort()
    content = b"".join(parts)
    return ident + _length(len(content)) + content, end


def to_der(data: bytes) -> bytes:
    """The DER re-encoding of ``data``, which must be exactly one BER value.

    An encoding that is already DER comes back unchanged (byte for byte). Raises
    :class:`BerError` when ``data`` is not one well-formed BER value.
    """
    der, end = _der(data, 0, 0)
    if end != len(data):
        raise BerError("data after the value")
    return der
