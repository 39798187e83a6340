"""Signing a document's own empty signature box directly: the incremental update written by
hand, for the server's batches (a month-end run signs two documents per client).

``sign_pdf`` goes through pyHanko: it parses the whole file into an object graph, plans the
fields, writes the update through its writer and imports the stamp's objects one by one —
about 4 ms of a 4.5 ms B-B signature of a one-page invoice. The documents the portal renders
(``documents/``) are all alike: one revision, a classic cross-reference table, an AcroForm
whose empty ``/FT /Sig`` fields are merged with their widgets, each locking itself
(``/Lock`` FieldMDP ``/Include [name]``). For such a file the update is a handful of
objects, and :func:`sign_prepared_field` writes them straight away:

* the field again, with its appearance (``/AP /N``) and value (``/V``);
* the catalog again, with the PAdES developer extension (for an ECDSA key also ISO/TS 32002
  and ``/Version /2.0``), and ``/Perms /DocMDP`` when certifying; the AcroForm again with
  ``/SigFlags 3``;
* the stamp (``signing.stamp``) as a form XObject with its font objects — rendered, parsed
  and serialised once per signer and minute, only renumbered per document;
* the signature dictionary (``/Type /Sig``, ``ETSI.CAdES.detached``, ``/M``, ``/Name``,
  ``/Reference`` with the DocMDP and FieldMDP transforms, ``/ByteRange``, ``/Contents``);
* a cross-reference section and trailer (``/Prev``, the same first ``/ID``).

These are the objects and entries pyHanko writes for the same signature (compared in
``tests/signing/test_direct.py``); the CMS is :mod:`signing.cms`'s, the timestamp token
comes from :class:`signing.tsa_client.TsaClient`. Anything that does not fit — xref
streams, an earlier revision or signature, a field without its own lock, a PKCS#11 key, a
box the stamp would have to be scaled into, levels above B-T — returns ``None`` and the
caller signs with :func:`signing.sign_pdf` instead (``sign_document`` does both).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from pyhanko.sign.signers.constants import ISO32002_CURVE_NAMES

from signing import cms as fast_cms
from signing.errors import SigningError, TimestampError
from signing.identity import LoadedKeySigner, SigningIdentity, check_certificate_validity
from signing.policy import Level, SigningOptions, SigningResult
from signing.server import reserve_size, sign_pdf
from signing.stamp import render_stamp_pdf, stamp_size, stamp_text
from signing.tsa_client import TsaClient

__all__ = ["sign_document", "sign_prepared_field"]

Timestamper = Callable[[bytes], bytes]
"""message imprint (SHA-256 of the signature value) → timestamp token (DER)."""

_BYTERANGE_WIDTH = 60


class _NotEligible(Exception):
    """The file is not one of ours: sign it the general way."""


# --- reading the original file ----------------------------------------------------------------

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")
_XREF_HEAD = re.compile(rb"(\d+)\s+(\d+)\s*\r?\n")
_REF = rb"(\d+)\s+0\s+R"


@dataclass(frozen=True)
class _Original:
    data: bytes
    offsets: dict[int, int]
    xref_offset: int
    size: int
    root: int
    info: int | None
    first_id: bytes

    def body(self, number: int) -> bytes:
        """The dictionary of a non-stream object, as written."""
        offset = self.offsets.get(number)
        if offset is None:
            raise _NotEligible(f"object {number} is not in the cross-reference table")
        head = re.compile(rb"%d\s+0\s+obj\s*" % number).match(self.data, offset)
        if head is None:
            raise _NotEligible(f"object {number} is not where the table says")
        end = self.data.find(b"endobj", head.end())
        body = self.data[head.end():end].strip()
        if end < 0 or not body.startswith(b"<<") or not body.endswith(b">>") \
                or b"stream" in body:
            raise _NotEligible(f"object {number} is not a plain dictionary")
        return body


def _read(pdf: bytes) -> _Original:
    if not pdf.startswith(b"%PDF-"):
        raise _NotEligible("no PDF header")
    tail = _STARTXREF.search(pdf, max(0, len(pdf) - 64))
    if tail is None:
        raise _NotEligible("no startxref at the end")
    xref_offset = int(tail.group(1))
    if not pdf.startswith(b"xref", xref_offset):
        raise _NotEligible("a cross-reference stream, not a table")
    pos = xref_offset + 4
    offsets: dict[int, int] = {}
    while True:
        while pdf[pos:pos + 1] in (b"\r", b"\n", b" "):
            pos += 1
        if pdf.startswith(b"trailer", pos):
            break
        head = _XREF_HEAD.match(pdf, pos)
        if head is None:
            raise _NotEligible("unreadable cross-reference table")
        first, count = int(head.group(1)), int(head.group(2))
        pos = head.end()
        for number in range(first, first + count):
            entry = pdf[pos:pos + 20]
            if len(entry) < 18 or entry[17:18] not in (b"n", b"f"):
                raise _NotEligible("unreadable cross-reference entry")
            if entry[17:18] == b"n":
                offsets[number] = int(entry[:10])
            pos += 20
    end = pdf.find(b"startxref", pos)
    trailer = pdf[pos + 7:end]
    if re.search(rb"/(Prev|Encrypt|XRefStm)\b", trailer):
        raise _NotEligible("not a single-revision, unencrypted file")
    size = re.search(rb"/Size\s+(\d+)", trailer)
    root = re.search(rb"/Root\s+" + _REF, trailer)
    info = re.search(rb"/Info\s+" + _REF, trailer)
    first_id = re.search(rb"/ID\s*\[\s*<([0-9A-Fa-f]+)>", trailer)
    if size is None or root is None or first_id is None:
        raise _NotEligible("the trailer lacks /Size, /Root or /ID")
    return _Original(pdf, offsets, xref_offset, int(size.group(1)), int(root.group(1)),
                     int(info.group(1)) if info else None, first_id.group(1))


def _has_key(body: bytes, key: bytes) -> bool:
    return re.search(rb"/" + key + rb"(?![A-Za-z0-9#+\-.])", body) is not None


@dataclass(frozen=True)
class _Field:
    number: int
    body: bytes
    rect: tuple[float, float, float, float]
    lock_fields: tuple[bytes, ...]


def _field(original: _Original, acroform: bytes, name: str) -> _Field:
    listed = re.search(rb"/Fields\s*\[([^\]]*)\]", acroform)
    if listed is None:
        raise _NotEligible("no /Fields in the AcroForm")
    wanted = None
    for ref in re.finditer(_REF, listed.group(1)):
        number = int(ref.group(1))
        body = original.body(number)
        if not re.search(rb"/FT\s*/Sig(?![A-Za-z])", body):
            continue
        if _has_key(body, b"V"):
            raise _NotEligible("the document is signed already")
        title = re.search(rb"/T\s*\(([^()\\]*)\)", body)
        if title is not None and title.group(1) == name.encode("latin-1", "replace"):
            wanted = (number, body)
    if wanted is None:
        raise _NotEligible(f"no empty signature field {name!r}")
    number, body = wanted
    if _has_key(body, b"AP") or _has_key(body, b"Kids") or not _has_key(body, b"P"):
        raise _NotEligible("the field is not a plain widget of one page")
    rect = re.search(rb"/Rect\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]", body)
    lock = re.search(rb"/Lock\s+" + _REF, body)
    if rect is None or lock is None:
        raise _NotEligible("the field has no rectangle or no lock")
    lock_body = original.body(int(lock.group(1)))
    fields = re.search(rb"/Fields\s*\[([^\]]*)\]", lock_body)
    if not re.search(rb"/Action\s*/Include(?![A-Za-z])", lock_body) or fields is None:
        raise _NotEligible("the field's lock is not FieldMDP /Include")
    names = tuple(re.findall(rb"\(([^()\\]*)\)", fields.group(1)))
    x1, y1, x2, y2 = (float(v) for v in rect.groups())
    return _Field(number, body, (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)), names)


# --- the stamp, serialised once per signer, minute and size ------------------------------------

Piece = bytes | int
"""Serialised bytes, or the index of a stamp object whose number goes here (``n 0 R``)."""


@dataclass(frozen=True)
class _Stamp:
    objects: tuple[tuple[Piece, ...], ...]
    """Index 0 is the form XObject the field's /AP /N names; the rest its resources."""


def _serialise(obj: object, index: dict[int, int], queue: list[object],
               out: list[Piece]) -> None:
    from pyhanko.pdf_utils import generic

    if isinstance(obj, generic.IndirectObject):
        key = obj.idnum
        if key not in index:
            index[key] = len(index)
            queue.append(obj.get_object())
        out.append(index[key])
        out.append(b" 0 R")
    elif isinstance(obj, generic.StreamObject):
        _serialise_dict({k: v for k, v in obj.items() if k != "/Length"}, index, queue, out,
                        extra=b"/Length %d\n" % len(obj.encoded_data))
        out.append(b"\nstream\n" + obj.encoded_data + b"\nendstream")
    elif isinstance(obj, generic.DictionaryObject):
        _serialise_dict(dict(obj.items()), index, queue, out)
    elif isinstance(obj, generic.ArrayObject):
        out.append(b"[ ")
        for item in obj:
            _serialise(item, index, queue, out)
            out.append(b" ")
        out.append(b"]")
    else:
        buf = io.BytesIO()
        obj.write_to_stream(buf, None)  # type: ignore[attr-defined]
        out.append(buf.getvalue())


def _serialise_dict(items: dict[object, object], index: dict[int, int], queue: list[object],
                    out: list[Piece], extra: bytes = b"") -> None:
    out.append(b"<<\n")
    for key, value in items.items():
        out.append(str(key).encode("latin-1") + b" ")
        _serialise(value, index, queue, out)
        out.append(b"\n")
    out.append(extra + b">>")


def _build_stamp(pdf: bytes) -> _Stamp:
    """The page of a rendered stamp as a form XObject plus the objects it uses."""
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    page = reader.root["/Pages"]["/Kids"][0].get_object()
    contents = page["/Contents"]
    if isinstance(contents, generic.ArrayObject):
        raise _NotEligible("a stamp page with several content streams")
    form = generic.StreamObject({
        generic.NameObject("/Type"): generic.NameObject("/XObject"),
        generic.NameObject("/Subtype"): generic.NameObject("/Form"),
        generic.NameObject("/BBox"): page["/MediaBox"],
        generic.NameObject("/Resources"): page.raw_get("/Resources"),
    }, encoded_data=contents.encoded_data)
    if "/Filter" in contents:
        form[generic.NameObject("/Filter")] = contents.raw_get("/Filter")
    index: dict[int, int] = {-1: 0}
    queue: list[object] = [form]
    objects: list[tuple[Piece, ...]] = []
    while len(objects) < len(queue):
        pieces: list[Piece] = []
        _serialise(queue[len(objects)], index, queue, pieces)
        objects.append(_merged(pieces))
    return _Stamp(tuple(objects))


def _merged(pieces: list[Piece]) -> tuple[Piece, ...]:
    """Adjacent bytes joined: per document only the references are filled in."""
    out: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, bytes) and out and isinstance(out[-1], bytes):
            out[-1] = out[-1] + piece
        else:
            out.append(piece)
    return tuple(out)


_stamps: dict[tuple[object, ...], _Stamp] = {}
_stamps_lock = threading.Lock()


def _stamp(identity: SigningIdentity, now: dt.datetime, size: tuple[float, float]) -> _Stamp:
    text = stamp_text(identity.summary, now)
    key = (text, size)
    with _stamps_lock:
        hit = _stamps.get(key)
    if hit is not None:
        return hit
    # Opaque: the stamp covers the caption printed inside the document's own box.
    stamp = _build_stamp(render_stamp_pdf(text, size, opaque=True))
    with _stamps_lock:
        if len(_stamps) >= 32:
            _stamps.pop(next(iter(_stamps)))
        _stamps[key] = stamp
    return stamp


# --- writing the update -------------------------------------------------------------------------

def _pdf_date(moment: dt.datetime) -> bytes:
    return moment.astimezone(dt.UTC).strftime("D:%Y%m%d%H%M%SZ").encode()


def _text_string(text: str) -> bytes:
    return b"<FEFF" + text.encode("utf-16-be").hex().upper().encode() + b">"


def _name_array(names: tuple[bytes, ...]) -> bytes:
    return b"[ " + b" ".join(b"(" + n + b")" for n in names) + b" ]"


_ESIC = b"/ESIC << /Type /DeveloperExtensions /BaseVersion /1.7 /ExtensionLevel 1 >>"
# ISO/TS 32002 says which curves ECDSA signatures in PDF use, as an extension of PDF 2.0;
# pyHanko declares it (and PDF 2.0) for a signature on one of its curves (pyHanko's list),
# and so does this.
_ISO_32002 = (b"/ISO_ [ << /Type /DeveloperExtensions /BaseVersion /2.0 /ExtensionLevel 32002 "
              b"/URL (https://www.iso.org/standard/45875.html) /ExtensionRevision (:2022) >> ]")


def _extensions(identity: SigningIdentity) -> bytes:
    """The catalog's ``/Extensions`` (and ``/Version``) for this signer's signature: the PAdES
    extension always, ISO/TS 32002 with PDF 2.0 for ECDSA on the curves it names."""
    key = identity.certificate.public_key
    if key.algorithm == "ec" and key.curve[0] == "named" \
            and key.curve[1] in ISO32002_CURVE_NAMES:
        return b"\n/Extensions << " + _ESIC + b" " + _ISO_32002 + b" >>\n/Version /2.0"
    return b"\n/Extensions << " + _ESIC + b" >>"


@functools.lru_cache(maxsize=16)
def _certificates_size(identity: SigningIdentity) -> int:
    """The DER size of the certificates the CMS carries (sizes the /Contents placeholder)."""
    return sum(len(c.dump()) for c in (identity.certificate, *identity.chain))


def sign_prepared_field(pdf: bytes, identity: SigningIdentity, options: SigningOptions, *,
                        timestamper: Timestamper | None = None) -> SigningResult | None:
    """Sign ``options.field_name`` of a document rendered by ``documents`` (see the module
    docstring); ``None`` when the file or the options need :func:`signing.sign_pdf`.

    B-T takes its token from ``timestamper`` (default: a :class:`TsaClient` for
    ``options.tsa_url``); when that fails and ``options.degrade`` is set, the result is B-B
    with ``upgrade_pending``, as ``sign_pdf`` does.
    """
    signer = identity.signer
    if (options.field_name is None or options.add_empty_fields or not options.visible
            or options.level.rank > Level.B_T.rank or not isinstance(signer, LoadedKeySigner)
            or signer.attribute_certs):
        return None
    try:
        original = _read(pdf)
        catalog = original.body(original.root)
        acroform_ref = re.search(rb"/AcroForm\s+" + _REF, catalog)
        if acroform_ref is None or _has_key(catalog, b"Perms") or _has_key(catalog, b"Extensions"):
            return None
        acroform_number = int(acroform_ref.group(1))
        acroform = original.body(acroform_number)
        field = _field(original, acroform, options.field_name)
    except _NotEligible:
        return None
    x1, y1, x2, y2 = field.rect
    size = (x2 - x1, y2 - y1)
    if stamp_size(field.rect) != size:
        return None  # the stamp would be scaled into the box: pyHanko's layout does that

    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if options.check_validity:
        check_certificate_validity(identity, now)
    try:
        stamp = _stamp(identity, now, size)
    except _NotEligible:
        return None
    base = original.size
    sig_number = base + len(stamp.objects)
    numbers = {i: base + i for i in range(len(stamp.objects))}

    def obj(number: int, body: bytes) -> tuple[int, bytes]:
        return number, b"%d 0 obj\n" % number + body + b"\nendobj\n"

    objects = [
        obj(field.number, field.body[:-2].rstrip()
            + b"\n/AP << /N %d 0 R >>\n/V %d 0 R\n>>" % (numbers[0], sig_number)),
        obj(original.root, catalog[:-2].rstrip() + _extensions(identity)
            + (b"\n/Perms << /DocMDP %d 0 R >>" % sig_number if options.certify else b"")
            + b"\n>>"),
        obj(acroform_number, re.sub(rb"/SigFlags\s+\d+", b"/SigFlags 3", acroform)
            if _has_key(acroform, b"SigFlags") else acroform[:-2] + b" /SigFlags 3\n>>"),
    ]
    for i, pieces in enumerate(stamp.objects):
        objects.append(obj(numbers[i], b"".join(
            p if isinstance(p, bytes) else b"%d" % numbers[p] for p in pieces)))

    with_timestamp = options.level is Level.B_T
    certs = _certificates_size(identity)
    reserved = reserve_size(certs, with_timestamp)
    references = []
    if options.certify:
        references.append(b"<< /Type /SigRef /TransformMethod /DocMDP /TransformParams "
                          b"<< /Type /TransformParams /V /1.2 /P 2 >> >>")
    references.append(b"<< /Type /SigRef /TransformMethod /FieldMDP /Data %d 0 R "
                      b"/TransformParams << /Action /Include /Fields %s /Type /TransformParams "
                      b"/V /1.2 /P 2 >> >>" % (original.root, _name_array(field.lock_fields)))
    contents_placeholder = b"<" + b"0" * reserved + b">"
    sig_head = (b"<<\n/Type /Sig\n/Filter /Adobe.PPKLite\n/SubFilter /ETSI.CAdES.detached\n"
                b"/M (" + _pdf_date(now) + b")\n/Name " + _text_string(identity.summary.person)
                + b"\n/Reference [ " + b" ".join(references) + b" ]\n/Contents ")
    objects.append(obj(sig_number, sig_head + contents_placeholder + b"\n/ByteRange "
                       + b" " * _BYTERANGE_WIDTH + b"\n>>"))

    update = io.BytesIO()
    if not pdf.endswith(b"\n"):
        update.write(b"\n")
    offsets: dict[int, int] = {}
    contents_at = 0
    for number, written in objects:
        offsets[number] = len(pdf) + update.tell()
        if number == sig_number:
            contents_at = offsets[number] + len(b"%d 0 obj\n" % number) + len(sig_head)
        update.write(written)
    xref_at = len(pdf) + update.tell()
    update.write(b"xref\n0 1\n0000000000 65535 f \n")
    run: list[int] = []
    for number in sorted(offsets):
        if run and number != run[-1] + 1:
            update.write(b"%d %d\n" % (run[0], len(run)))
            update.write(b"".join(b"%010d 00000 n \n" % offsets[n] for n in run))
            run = []
        run.append(number)
    update.write(b"%d %d\n" % (run[0], len(run)))
    update.write(b"".join(b"%010d 00000 n \n" % offsets[n] for n in run))
    new_id = hashlib.md5(pdf[-4096:] + _pdf_date(now) + identity.summary.person.encode(),
                         usedforsecurity=False).hexdigest().encode()
    update.write(b"trailer\n<<\n/Size %d\n/Root %d 0 R\n" % (sig_number + 1, original.root)
                 + (b"/Info %d 0 R\n" % original.info if original.info is not None else b"")
                 + b"/ID [ <" + original.first_id + b"> <" + new_id + b"> ]\n"
                 + b"/Prev %d\n>>\nstartxref\n%d\n%%%%EOF\n" % (original.xref_offset, xref_at))
    data = bytearray(pdf)
    data += update.getvalue()

    contents_end = contents_at + len(contents_placeholder)
    byte_range = b"[0 %d %d %d]" % (contents_at, contents_end, len(data) - contents_end)
    br_at = contents_end + len(b"\n/ByteRange ")
    data[br_at:br_at + _BYTERANGE_WIDTH] = byte_range.ljust(_BYTERANGE_WIDTH)
    digest = hashlib.sha256()
    digest.update(memoryview(data)[:contents_at])
    digest.update(memoryview(data)[contents_end:])

    if signer._template is None:
        signer._template = fast_cms.build_template(
            signer.signing_cert, list(signer.cert_registry),
            signer.get_signature_mechanism_for_digest("sha256"))
    template = signer._template
    attrs = fast_cms.signed_attributes(template, digest.digest())
    signature = signer.sign_raw(attrs, "sha256")
    token = None
    level, pending, reason = options.level, False, None
    if with_timestamp:
        stamp_with = timestamper or _client(options).timestamp
        try:
            token = stamp_with(fast_cms.message_imprint_of(signature))
        except TimestampError as exc:
            if not options.degrade:
                raise
            level, pending, reason = Level.B_B, True, f"{Level.B_T}: {exc}"
    der = fast_cms.signed_data_der(template, attrs, signature, token)
    if 2 * len(der) > reserved:
        raise SigningError("the signature does not fit its placeholder")  # pragma: no cover
    data[contents_at + 1:contents_at + 1 + 2 * len(der)] = der.hex().upper().encode()
    return SigningResult(pdf=bytes(data), level_reached=level, target_level=options.level,
                         field_name=options.field_name, upgrade_pending=pending, reason=reason)


_clients: dict[tuple[str, float], TsaClient] = {}
_clients_lock = threading.Lock()


def _client(options: SigningOptions) -> TsaClient:
    if not options.tsa_url:
        raise TimestampError("no time-stamping authority is configured")
    key = (options.tsa_url, options.service_timeout)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = TsaClient(options.tsa_url, options.service_timeout)
    return client


def sign_document(pdf: bytes, identity: SigningIdentity, options: SigningOptions, *,
                  timestamper: Timestamper | None = None) -> SigningResult:
    """:func:`sign_prepared_field` when the file and options allow it, else
    :func:`signing.sign_pdf` — the same result either way, the first much faster."""
    result = sign_prepared_field(pdf, identity, options, timestamper=timestamper)
    return result if result is not None else sign_pdf(pdf, identity, options)
