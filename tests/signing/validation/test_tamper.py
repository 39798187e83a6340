"""Tampered files: byte edits and handcrafted incremental updates that ordinary readers accept.

Each case states what the *first* signature's verdict must be. Handcrafted updates that are
legitimate (Info only) must pass, so that the failures below are about the attack, not about
the handcrafting.
"""

from __future__ import annotations

import re
import warnings

import pytest

from signing.validation import (
    ChangesAfter,
    Indication,
    SubIndication,
    ValidationSettings,
    validate_pdf,
)

from . import tamper
from .conftest import Docs
from .signhelpers import sign
from .testpki import TestPki

P, F, I = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED, Indication.INDETERMINATE


def first(data: bytes, settings: ValidationSettings):  # type: ignore[no-untyped-def]
    return validate_pdf(data, settings).signatures[0]


def assert_modified(data: bytes, settings: ValidationSettings, needle: str) -> None:
    s = first(data, settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE), s.messages
    assert s.changes_after.kind is ChangesAfter.OTHER
    assert any(needle in v for v in s.changes_after.violations), s.changes_after.violations


# -- legitimate handcrafted updates pass --------------------------------------------------------

def test_handcrafted_info_update_is_allowed(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    info = tamper.last_state(d)[1]["Info"].split()[0]
    upd = tamper.incremental_update(d, {int(info): b"<< /Producer (someone) /Title (Act) >>"})
    s = first(upd, settings)
    assert s.indication is P, s.messages
    assert s.changes_after.kind is ChangesAfter.LTV_ONLY


# -- byte edits ---------------------------------------------------------------------------------

def test_byte_changed_inside_signed_range(docs: Docs, settings: ValidationSettings) -> None:
    d = bytearray(docs("b_t"))
    i = d.index(b"ReportLab Generated")
    d[i] ^= 0x20
    s = first(bytes(d), settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.HASH_FAILURE)
    assert not s.integrity.digest_ok


def test_bytes_appended_after_eof(docs: Docs, settings: ValidationSettings) -> None:
    for tail in (b"X", b"\n\n", b"% harmless?\n", b"<< /Evil true >>\n"):
        s = first(docs("b_t") + tail, settings)
        assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE), tail
        assert any("after the last %%EOF" in v for v in s.changes_after.violations)


def test_second_trailer_and_eof_with_garbage(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t") + b"garbage hidden here\ntrailer\n<< /Size 3 >>\n%%EOF\n"
    s = first(d, settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE)


def test_contents_zeroed(docs: Docs, settings: ValidationSettings) -> None:
    d = bytearray(docs("b_t"))
    a, b = tamper.signature_contents_span(bytes(d))
    d[a + 1 : b - 1] = b"0" * (b - a - 2)
    s = first(bytes(d), settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE)
    assert any("empty or zeroed" in m for m in s.messages)


def test_contents_emptied(docs: Docs, settings: ValidationSettings) -> None:
    d = bytearray(docs("b_t"))
    a, b = tamper.signature_contents_span(bytes(d))
    d[a:b] = b"<>" + b" " * (b - a - 2)
    s = first(bytes(d), settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE)


def test_contents_with_trailing_junk_after_the_cms(docs: Docs, settings: ValidationSettings) -> None:
    d = bytearray(docs("b_t"))
    _a, b = tamper.signature_contents_span(bytes(d))
    d[b - 3] = ord("7")  # inside the zero padding
    s = first(bytes(d), settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE)


def test_byterange_missing(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t").replace(b"/ByteRange", b"/ByteRangX", 1)
    s = first(d, settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE)
    assert any("missing" in m for m in s.messages)


def _edit_byterange(d: bytes, fn) -> bytes:  # type: ignore[no-untyped-def]
    m = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", d)
    assert m
    old = m.group(0)
    nums = [int(x) for x in m.groups()]
    new_nums = fn(nums)
    new = b"/ByteRange [" + b" ".join(str(n).encode() for n in new_nums) + b"]"
    assert len(new) <= len(old)
    new += b" " * (len(old) - len(new))
    return d[: m.start()] + new + d[m.end() :]


@pytest.mark.parametrize(
    "edit",
    [
        pytest.param(lambda n: [0, n[1] - 1, n[2], n[3]], id="gap-not-contents"),
        pytest.param(lambda n: [0, n[1], n[2], n[3] - 10], id="short-of-eof"),
        pytest.param(lambda n: [1, n[1] - 1, n[2], n[3]], id="not-from-zero"),
        pytest.param(lambda n: [0, n[1], n[1] - 5, n[3]], id="overlapping"),
        pytest.param(lambda n: [0, n[1], n[2], n[3] + 99], id="beyond-file"),
    ],
)
def test_byterange_wrong(docs: Docs, settings: ValidationSettings, edit) -> None:  # type: ignore[no-untyped-def]
    s = first(_edit_byterange(docs("b_t"), edit), settings)
    assert (s.indication, s.sub_indication) == (F, SubIndication.FORMAT_FAILURE), s.messages


def test_byterange_not_covering_the_file(docs: Docs, settings: ValidationSettings) -> None:
    # A signature over an earlier prefix that is not a revision: content appended in the
    # same "revision" by moving the final %%EOF is caught as a non-boundary end.
    d = docs("b_t")
    s = first(_edit_byterange(d, lambda n: [0, n[1], n[2], n[3] - 3]), settings)
    assert s.indication is F and not s.integrity.byte_range_ok
    assert any("not the end of a revision" in m for m in s.messages)


def test_contents_of_signature_1_changed_in_two_signature_file(docs: Docs, settings: ValidationSettings) -> None:
    # Flip one byte of signature 1's signature value inside its /Contents hex: signature 1
    # no longer verifies, and signature 2 (which covers those hex digits) has a digest mismatch.
    from asn1crypto import cms

    d = bytearray(docs("two_t"))
    a, b = tamper.signature_contents_span(bytes(d), 0)
    raw = bytes.fromhex(d[a + 1 : b - 1].decode())
    ci = cms.ContentInfo.load(tamper.cms_der(raw))
    sigval = ci["content"]["signer_infos"][0]["signature"].native
    pos = raw.index(sigval) + 10
    forged = bytearray(raw)
    forged[pos] ^= 0x01
    d[a + 1 : b - 1] = forged.hex().encode()
    r = validate_pdf(bytes(d), settings)
    s1, s2 = r.signatures
    assert (s1.indication, s1.sub_indication) == (F, SubIndication.SIG_CRYPTO_FAILURE), s1.messages
    assert (s2.indication, s2.sub_indication) == (F, SubIndication.HASH_FAILURE), s2.messages


def test_unsigned_certificate_copy_in_the_cms_is_not_a_weakness(docs: Docs, settings: ValidationSettings) -> None:
    # The CMS certificate set is not signed; corrupting the embedded CA copy of signature 1
    # breaks signature 2's hash but signature 1 still validates through an intact copy.
    d = bytearray(docs("two_t"))
    a, _b = tamper.signature_contents_span(bytes(d), 0)
    mid = a + 1 + 600
    d[mid] = ord("0") if d[mid] != ord("0") else ord("1")
    r = validate_pdf(bytes(d), settings)
    assert r.signatures[1].sub_indication is SubIndication.HASH_FAILURE


# -- handcrafted incremental updates ------------------------------------------------------------

def test_update_replacing_page_content(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    page = tamper.first_page_num(d)
    n = tamper.new_object_number(d)
    content = b"BT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET"
    body = tamper.set_key(tamper.raw_object(d, page), b"Contents", b"%d 0 R" % n)
    upd = tamper.incremental_update(d, {
        n: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        page: body,
    })
    assert_modified(upd, settings, "/Contents changed")


def test_update_redefining_the_content_stream_object(docs: Docs, settings: ValidationSettings) -> None:
    # "shadow" replace: same object number, new body; no page dictionary touched
    d = docs("b_t")
    page_body = tamper.raw_object(d, tamper.first_page_num(d))
    content_num = int(re.search(rb"/Contents (\d+) 0 R", page_body).group(1))  # type: ignore[union-attr]
    content = b"BT /F1 24 Tf 72 700 Td (PAID IN FULL) Tj ET"
    upd = tamper.incremental_update(d, {
        content_num: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    })
    assert_modified(upd, settings, f"object {content_num}")


def test_update_adding_an_overlay_annotation(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    page = tamper.first_page_num(d)
    n = tamper.new_object_number(d)
    body = tamper.raw_object(d, page)
    annots = re.search(rb"/Annots\s*\[([^\]]*)\]", body)
    existing = annots.group(1).strip() if annots else b""
    body = tamper.set_key(body, b"Annots", b"[" + existing + b" %d 0 R]" % n)
    upd = tamper.incremental_update(d, {
        n: b"<< /Type /Annot /Subtype /FreeText /Rect [60 690 400 780] /Contents (PAID) "
           b"/DA (/Helv 24 Tf 1 0 0 rg) /F 4 >>",
        page: body,
    })
    assert_modified(upd, settings, "FreeText annotation is added")


def test_update_adding_a_widget_that_is_not_a_signature(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    page = tamper.first_page_num(d)
    n = tamper.new_object_number(d)
    body = tamper.raw_object(d, page)
    annots = re.search(rb"/Annots\s*\[([^\]]*)\]", body)
    existing = annots.group(1).strip() if annots else b""
    body = tamper.set_key(body, b"Annots", b"[" + existing + b" %d 0 R]" % n)
    upd = tamper.incremental_update(d, {
        n: b"<< /Type /Annot /Subtype /Widget /FT /Tx /T (x) /V (PAID) /Rect [60 690 400 780] >>",
        page: body,
    })
    assert_modified(upd, settings, "annotation is added")


def test_update_appending_a_page(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    pages = tamper.pages_num(d)
    page = tamper.first_page_num(d)
    n = tamper.new_object_number(d)
    pages_body = tamper.raw_object(d, pages)
    kids = re.search(rb"/Kids\s*\[([^\]]*)\]", pages_body).group(1)  # type: ignore[union-attr]
    pages_body = tamper.set_key(pages_body, b"Kids", b"[" + kids.strip() + b" %d 0 R]" % n)
    pages_body = tamper.set_key(pages_body, b"Count", b"2")
    upd = tamper.incremental_update(d, {
        n: b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] >>" % pages,
        pages: pages_body,
    })
    assert_modified(upd, settings, "page tree node")
    _ = page


def test_update_with_an_unreferenced_object(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    n = tamper.new_object_number(d)
    upd = tamper.incremental_update(d, {n: b"<< /Hidden (payload) >>"})
    assert_modified(upd, settings, "not referenced")


def test_update_with_an_orphan_body_not_in_the_xref(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    info = int(tamper.last_state(d)[1]["Info"].split()[0])
    n = tamper.new_object_number(d)
    upd = tamper.incremental_update(d, {info: b"<< /Producer (x) >>"}, orphans={n: b"<< /Hidden (payload) >>"})
    assert_modified(upd, settings, "orphan body")


def test_update_with_garbage_before_its_xref(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    info = int(tamper.last_state(d)[1]["Info"].split()[0])
    upd = tamper.incremental_update(d, {info: b"<< /Producer (x) >>"},
                                    garbage_before_xref=b"%%EOF\nhidden bytes\n")
    assert_modified(upd, settings, "unexplained bytes")


def test_update_redirecting_an_object_into_old_bytes(docs: Docs, settings: ValidationSettings) -> None:
    # the page object is pointed at another object's body in the signed revision
    d = docs("b_t")
    page = tamper.first_page_num(d)
    target = d.index(b"\n1 0 obj") + 1
    info = int(tamper.last_state(d)[1]["Info"].split()[0])
    upd = tamper.incremental_update(d, {info: b"<< /Producer (x) >>"}, xref_override={page: target})
    s = first(upd, settings)
    assert s.indication is F
    assert any("outside this update" in v for v in s.changes_after.violations)


def test_update_freeing_an_object(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    upd = tamper.incremental_update(d, {}, free=(2,))
    assert_modified(upd, settings, "deleted")


def test_update_changing_the_signature_dictionary(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    br = d.index(b"/ByteRange")
    sig_num = int(re.findall(rb"(\d+) 0 obj", d[:br])[-1])
    body = tamper.raw_object(d, sig_num).replace(b"/ByteRange", b"/Reason (forged) /ByteRange", 1)
    upd = tamper.incremental_update(d, {sig_num: body})
    s = first(upd, settings)
    assert s.indication is F


def test_update_adding_open_action_javascript(docs: Docs, settings: ValidationSettings) -> None:
    d = docs("b_t")
    root = int(tamper.last_state(d)[1]["Root"].split()[0])
    n = tamper.new_object_number(d)
    body = tamper.raw_object(d, root)
    body = body[: body.rindex(b">>")] + b" /OpenAction %d 0 R >>" % n
    upd = tamper.incremental_update(d, {n: b"<< /S /JavaScript /JS (app.alert(1)) >>", root: body})
    assert_modified(upd, settings, "/OpenAction changed")


def test_hidden_annotation_from_the_signed_revision_attached_later(
    pki: TestPki, docs: Docs, settings: ValidationSettings
) -> None:
    # "hide and reveal": the signed revision carries an annotation attached to no page
    base = docs("base")
    n = tamper.new_object_number(base)
    prepared = tamper.incremental_update(base, {
        n: b"<< /Type /Annot /Subtype /Stamp /Rect [0 0 595 842] /Name /Approved >>",
    })
    # (the unsigned prepared revision is signed as a whole; its orphan is signed too)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signed = sign(prepared, pki, pki.client_a, level="B-T", field="Client")
    page = tamper.first_page_num(signed)
    body = tamper.raw_object(signed, page)
    annots = re.search(rb"/Annots\s*\[([^\]]*)\]", body)
    existing = annots.group(1).strip() if annots else b""
    body = tamper.set_key(body, b"Annots", b"[" + existing + b" %d 0 R]" % n)
    upd = tamper.incremental_update(signed, {page: body})
    assert first(signed, settings).indication is P
    assert_modified(upd, settings, "existing or direct object is added to /Annots")


def test_dangling_reference_filled_after_signing(pki: TestPki, docs: Docs, settings: ValidationSettings) -> None:
    # the signed revision's page uses /X9 from its resources, which points at a missing object
    base = docs("base")
    page = tamper.first_page_num(base)
    missing = tamper.new_object_number(base) + 50
    body = tamper.raw_object(base, page)
    body = body.replace(b"/ProcSet", b"/XObject << /X9 %d 0 R >> /ProcSet" % missing, 1)
    prepared = tamper.incremental_update(base, {page: body})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signed = sign(prepared, pki, pki.client_a, level="B-T", field="Client")
    assert first(signed, settings).indication is P
    form = b"q BT /F1 30 Tf 72 600 Td (FORGED) Tj ET Q"
    upd = tamper.incremental_update(signed, {
        missing: b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Length %d >>\nstream\n"
                 % len(form) + form + b"\nendstream",
    })
    assert_modified(upd, settings, "dangling")


def test_appearance_given_to_an_empty_signature_field_without_signing(docs: Docs, pki: TestPki,
                                                                      settings: ValidationSettings) -> None:
    # the document has empty fields "Client" and "Supplier"; after the supplier signs, someone
    # paints an appearance into the empty "Client" field without signing it: an overlay
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        signed = sign(docs("fields"), pki, pki.supplier, level="B-T", field="Supplier")
    field_num = int(re.findall(rb"(\d+) 0 obj\s*<<[^>]*?/T \(Client\)", signed)[-1]) if re.findall(
        rb"(\d+) 0 obj\s*<<[^>]*?/T \(Client\)", signed) else None
    if field_num is None:  # pyHanko may write /T before other keys in another order
        from signing.validation.structure import PdfFile

        f = PdfFile(signed)
        res = f.resolver()
        af = res.dict_of(res.root["AcroForm"])
        for ref in res.resolve(af["Fields"]):  # type: ignore[index,union-attr]
            d = res.dict_of(ref)
            if d is not None and d.get("T") == b"Client":
                field_num = ref.num
    assert field_num is not None
    n = tamper.new_object_number(signed)
    stamp = b"BT /Helv 20 Tf 5 10 Td (APPROVED) Tj ET"
    body = tamper.raw_object(signed, field_num)
    body = tamper.set_key(body, b"AP", b"<< /N %d 0 R >>" % n)
    upd = tamper.incremental_update(signed, {
        n: b"<< /Type /XObject /Subtype /Form /BBox [0 0 200 50] /Length %d >>\nstream\n" % len(stamp)
           + stamp + b"\nendstream",
        field_num: body,
    })
    assert first(signed, settings).indication is P
    assert_modified(upd, settings, "visible appearance")
