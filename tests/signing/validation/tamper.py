"""Build tampered PDFs the way an attacker would: byte edits and handcrafted incremental
updates with correct cross-reference offsets, so that ordinary readers accept them."""

from __future__ import annotations

import re
from collections.abc import Callable

from signing.validation.structure import PdfFile
from signing.validation.syntax import Ref


def last_state(pdf: bytes) -> tuple[int, dict[str, bytes], int]:
    """(startxref, trailer entries to carry over as raw PDF text, /Size)."""
    f = PdfFile(pdf)
    rev = f.revisions[-1]
    t = rev.trailer
    carry: dict[str, bytes] = {}
    for key in ("Root", "Info"):
        v = t.get(key)
        if isinstance(v, Ref):
            carry[key] = f"{v.num} {v.gen} R".encode()
    ids = t.get("ID")
    if isinstance(ids, list) and len(ids) == 2:
        carry["ID"] = b"[<" + bytes(ids[0]).hex().encode() + b"> <" + bytes(ids[1]).hex().encode() + b">]"
    size = t.get("Size")
    assert isinstance(size, int)
    return rev.xref_offset, carry, size


def raw_object(pdf: bytes, num: int) -> bytes:
    """The body (between ``obj`` and ``endobj``) of object ``num`` in the newest revision."""
    f = PdfFile(pdf)
    span = f.object_span(len(f.revisions), num)
    assert span is not None, f"object {num} not found uncompressed"
    raw = pdf[span[0] : span[1]]
    m = re.match(rb"\d+\s+\d+\s+obj\s*", raw)
    assert m
    body = raw[m.end() :]
    return body[: body.rindex(b"endobj")].rstrip()


def new_object_number(pdf: bytes, k: int = 0) -> int:
    return last_state(pdf)[2] + k


def incremental_update(
    pdf: bytes,
    objects: dict[int, bytes],
    *,
    orphans: dict[int, bytes] | None = None,
    garbage_before_xref: bytes = b"",
    xref_override: dict[int, int] | None = None,
    trailer_extra: bytes = b"",
    free: tuple[int, ...] = (),
) -> bytes:
    """Append an update defining ``objects`` (num -> body). ``orphans`` are written but not
    listed in the xref; ``xref_override`` points entries at arbitrary offsets."""
    prev, carry, size = last_state(pdf)
    out = bytearray(pdf)
    if not out.endswith(b"\n"):
        out += b"\n"
    offsets: dict[int, int] = {}
    for num, body in list(objects.items()) + list((orphans or {}).items()):
        off = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
        if num in objects:
            offsets[num] = off
    out += garbage_before_xref
    offsets.update(xref_override or {})
    xref_pos = len(out)
    out += b"xref\n0 1\n0000000000 65535 f\r\n"
    for num in sorted(set(offsets) | set(free)):
        if num in free:
            out += b"%d 1\n0000000000 00001 f\r\n" % num
        else:
            out += b"%d 1\n%010d 00000 n\r\n" % (num, offsets[num])
    new_size = max([size] + [n + 1 for n in offsets] + [n + 1 for n in free])
    out += b"trailer\n<< /Size %d /Prev %d" % (new_size, prev)
    for key, value in carry.items():
        out += b" /" + key.encode() + b" " + value
    out += trailer_extra + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref_pos
    return bytes(out)


def first_page_num(pdf: bytes) -> int:
    f = PdfFile(pdf)
    res = f.resolver()
    pages = res.dict_of(res.root["Pages"])
    assert pages is not None
    kid = pages["Kids"][0]
    assert isinstance(kid, Ref)
    return kid.num


def pages_num(pdf: bytes) -> int:
    f = PdfFile(pdf)
    res = f.resolver()
    p = res.root["Pages"]
    assert isinstance(p, Ref)
    return p.num


def set_key(body: bytes, key: bytes, value: bytes) -> bytes:
    """Replace or add ``/key value`` in a dictionary body (simple, for test objects)."""
    pattern = re.compile(rb"/" + key + rb"\s*(\d+\s+\d+\s+R|\[[^\]]*\]|<<.*?>>|/\w+|\d+)", re.DOTALL)
    if pattern.search(body):
        return pattern.sub(b"/" + key + b" " + value, body, count=1)
    i = body.rindex(b">>")
    return body[:i] + b" /" + key + b" " + value + b" " + body[i:]


def signature_contents_span(pdf: bytes, index: int = 0) -> tuple[int, int]:
    """(start, end) of the ``<...>`` of the ``index``-th /ByteRange gap in file order."""
    brs = [tuple(int(x) for x in m.groups()) for m in
           re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)]
    brs.sort(key=lambda b: b[2])
    b = brs[index]
    return b[1], b[2]


def minimal_pdf(objects: dict[int, bytes], root: int = 1, trailer_extra: bytes = b"",
                prev: int | None = None) -> bytes:
    """A one-revision PDF with a correct classic xref from raw object bodies."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for num, body in objects.items():
        offsets[num] = len(out)
        out += b"%d 0 obj\n" % num + body + b"\nendobj\n"
    xref = len(out)
    size = max(objects) + 1
    out += b"xref\n0 %d\n0000000000 65535 f\r\n" % size
    for n in range(1, size):
        out += (b"%010d 00000 n\r\n" % offsets[n]) if n in offsets else b"0000000000 00001 f\r\n"
    out += b"trailer\n<< /Size %d /Root %d 0 R" % (size, root) + trailer_extra
    if prev is not None:
        out += b" /Prev %d" % (xref if prev < 0 else prev)
    out += b" >>\nstartxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def simple_page_objects(extra_catalog: bytes = b"") -> dict[int, bytes]:
    return {
        1: b"<< /Type /Catalog /Pages 2 0 R" + extra_catalog + b" >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    }


def _tlv(data: bytes, pos: int) -> tuple[int, int | None, int]:
    """(header start, content length or None for indefinite, content start) of a definite or
    indefinite-length TLV with a one-byte tag."""
    n = data[pos + 1]
    if n < 0x80:
        return pos, n, pos + 2
    if n == 0x80:
        return pos, None, pos + 2
    k = n & 0x7F
    return pos, int.from_bytes(data[pos + 2 : pos + 2 + k], "big"), pos + 2 + k


def _tlv_end(data: bytes, pos: int) -> int:
    _, length, start = _tlv(data, pos)
    if length is not None:
        return start + length
    pos = start
    while data[pos : pos + 2] != b"\x00\x00":
        pos = _tlv_end(data, pos)
    return pos + 2


def cms_der(contents: bytes) -> bytes:
    """The CMS at the start of a decoded /Contents (by its encoded length: stripping zero
    padding would also strip a CMS that ends with a zero byte, or an end-of-contents)."""
    return contents[: _tlv_end(contents, 0)]


def to_indefinite(der: bytes, select: Callable[[tuple[int, ...]], bool], at: tuple[int, ...] = ()) -> bytes:
    """Re-encode ``der`` with indefinite lengths (``… 80 <children> 00 00``) for the
    constructed values that ``select(path)`` picks (``path``: child indices from the top,
    ``()`` the outer value, ``(1, 0)`` the first child of its second child), as streaming BER
    encoders write them. The rest keeps its DER encoding."""
    _, length, start = _tlv(der, 0)
    assert length is not None
    tag, body = der[:1], der[start : start + length]
    if not tag[0] & 0x20:
        return der[: start + length]
    children, pos = [], 0
    while pos < len(body):
        end = _tlv_end(body, pos)
        children.append(to_indefinite(body[pos:end], select, at + (len(children),)))
        pos = end
    content = b"".join(children)
    if select(at):
        return tag + b"\x80" + content + b"\x00\x00"
    if len(content) < 0x80:
        return tag + bytes([len(content)]) + content
    raw = len(content).to_bytes((len(content).bit_length() + 7) // 8, "big")
    return tag + bytes([0x80 | len(raw)]) + raw + content


def signature_cms(pdf: bytes, index: int = 0) -> bytes:
    """The CMS of the ``index``-th signature in file order, without its zero padding."""
    start, end = signature_contents_span(pdf, index)
    return cms_der(bytes.fromhex(pdf[start + 1 : end - 1].decode()))


def replace_cms(pdf: bytes, cms: bytes, index: int = 0) -> bytes:
    """``pdf`` with the ``index``-th signature's /Contents replaced by ``cms`` (zero-padded to
    the reserved size, so that the /ByteRange and every offset stay as they are)."""
    start, end = signature_contents_span(pdf, index)
    room = end - start - 2
    hexed = cms.hex().encode()
    assert len(hexed) <= room, "the new CMS does not fit in the reserved /Contents"
    return pdf[: start + 1] + hexed + b"0" * (room - len(hexed)) + pdf[end - 1 :]
