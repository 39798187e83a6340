"""Uploads of externally signed PDFs: the issued document + one signature revision only."""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from signing import (
    ExtraRevisionError,
    IncompleteCoverageError,
    MultipleNewSignaturesError,
    NoNewSignatureError,
    NotIssuedDocumentError,
    UnexpectedChangesError,
    UploadNotPdfError,
    UploadValidationError,
    check_upload,
)
from tests.signing.helpers import make_sample_pdf


@pytest.fixture(scope="module")
def issued(sign_sample) -> bytes:
    """What the portal issues: the act certified by the supplier, with the client's field."""
    return sign_sample("B-T", certify=True, add_empty_fields=("Client",))


@pytest.fixture(scope="module")
def client_signed(sign_sample, issued) -> bytes:
    return sign_sample("B-T", identity="romashka", pdf=issued, field_name="Client")


def test_accepts_exact_issued_plus_signature(issued, client_signed):
    check = check_upload(issued, client_signed)
    assert check.field_name == "Client"
    assert check.signer.tax_id == "7712345671"
    assert check.signed_length == len(client_signed)
    assert check.modification_level == "FORM_FILLING"
    assert not check.trailing_updates


def test_accepts_signature_in_a_new_field_of_an_unsigned_document(sign_sample, sample_pdf):
    signed = sign_sample("B-B", identity="zmk", pdf=sample_pdf)
    check = check_upload(sample_pdf, signed)
    assert check.signer.tax_id == "5029012343"


def test_with_full_validation(sign_sample, issued, demo_pki, pki_services):
    from signing.validation import ValidationSettings

    lt = sign_sample("B-LT", identity="romashka", pdf=issued, field_name="Client")
    with pytest.raises(ExtraRevisionError):  # the DSS revision comes after the signature
        check_upload(issued, lt)
    settings = ValidationSettings.from_files(trust=[demo_pki.root_pem],
                                             expected_tax_id="7712345671")
    check = check_upload(issued, lt, allow_ltv_updates=True, validation=settings)
    assert check.trailing_updates and check.report is not None
    # A signer from an untrusted CA with the right tax ID is refused by validation.
    bad = sign_sample("B-B", identity="gp5-untrusted", pdf=issued, field_name="Client")
    with pytest.raises(UploadValidationError):
        check_upload(issued, bad, validation=ValidationSettings.from_files(
            trust=[demo_pki.root_pem], expected_tax_id="7703456784"))


def test_rejects_another_base_document(sign_sample, sample_pdf):
    other = make_sample_pdf(title="Акт сверки взаимных расчётов")
    signed_other = sign_sample("B-B", identity="romashka", pdf=other)
    with pytest.raises(NotIssuedDocumentError):
        check_upload(sample_pdf, signed_other)


def test_rejects_a_resaved_document(sign_sample, sample_pdf):
    # Re-saving (e.g. "Save as" in a viewer) rewrites the file: the bytes differ.
    old = b"ReportLab Generated PDF document"
    resaved = sample_pdf.replace(old, b"Re-saved by a viewer".ljust(len(old)))
    assert len(resaved) == len(sample_pdf) and resaved != sample_pdf
    signed = sign_sample("B-B", identity="romashka", pdf=resaved)
    with pytest.raises(NotIssuedDocumentError):
        check_upload(sample_pdf, signed)


def test_rejects_no_signature(issued):
    with pytest.raises(NoNewSignatureError):
        check_upload(issued, issued)
    with pytest.raises(NoNewSignatureError):
        check_upload(issued, issued + b"\n")
    w = IncrementalPdfFileWriter(io.BytesIO(issued), strict=False)
    w.set_info(generic.DictionaryObject({generic.NameObject("/Title"):
                                         generic.TextStringObject("изменено")}))
    out = io.BytesIO()
    w.write(out)
    with pytest.raises(NoNewSignatureError):
        check_upload(issued, out.getvalue())


def test_rejects_extra_trailing_revision(issued, client_signed):
    w = IncrementalPdfFileWriter(io.BytesIO(client_signed), strict=False)
    w.set_info(generic.DictionaryObject({generic.NameObject("/Title"):
                                         generic.TextStringObject("после подписи")}))
    out = io.BytesIO()
    w.write(out)
    with pytest.raises(ExtraRevisionError):
        check_upload(issued, out.getvalue())
    with pytest.raises(ExtraRevisionError):  # not an LTV update either
        check_upload(issued, out.getvalue(), allow_ltv_updates=True)
    with pytest.raises(ExtraRevisionError):
        check_upload(issued, client_signed + b"% appended comment\n")


def test_rejects_unsigned_revision_before_signature(sign_sample, issued):
    w = IncrementalPdfFileWriter(io.BytesIO(issued), strict=False)
    w.set_info(generic.DictionaryObject({generic.NameObject("/Title"):
                                         generic.TextStringObject("подмена")}))
    out = io.BytesIO()
    w.write(out)
    signed = sign_sample("B-B", identity="romashka", pdf=out.getvalue(), field_name="Client")
    with pytest.raises(ExtraRevisionError):
        check_upload(issued, signed)


def test_rejects_two_new_signatures(sign_sample):
    # the second signer fills a field the certifier kept too (DocMDP P=2 permits filling the
    # fields of the certified document, not creating new ones)
    issued = sign_sample("B-T", certify=True, add_empty_fields=("Client", "Witness"))
    once = sign_sample("B-B", identity="romashka", pdf=issued, field_name="Client")
    twice = sign_sample("B-B", identity="zmk", pdf=once, field_name="Witness")
    with pytest.raises(MultipleNewSignaturesError):
        check_upload(issued, twice)


def test_rejects_not_a_pdf(issued):
    with pytest.raises(UploadNotPdfError):
        check_upload(issued, b"PK\x03\x04 a zip file")


def test_rejects_incomplete_byte_range(issued, client_signed):
    # Widen the unsigned hole by 9 bytes (same digit count, so offsets stay put).
    matches = list(re.finditer(rb"/ByteRange\s*\[\s*0\s+(\d+)\s+(\d+)", client_signed))
    m = matches[-1]
    start = int(m.group(1))
    assert len(str(start - 9)) == len(str(start))
    forged = (client_signed[:m.start(1)] + str(start - 9).encode()
              + client_signed[m.end(1):])
    with pytest.raises(IncompleteCoverageError):
        check_upload(issued, forged)


def test_rejects_content_changes_in_the_signature_revision(demo_pki, issued, pki_services):
    from pyhanko.sign import signers

    from signing import Level, SigningOptions, load_pkcs12_identity
    from signing.server import _sign_async  # noqa: F401 - the same pipeline, with a change

    ident = demo_pki.identity("romashka")
    identity = load_pkcs12_identity(ident.p12, ident.password)
    w = IncrementalPdfFileWriter(io.BytesIO(issued), strict=False)
    # Sneak a change into the page content in the same revision as the signature.
    page_ref, _ = w.find_page_for_modification(0)
    w.add_stream_to_page(0, w.add_object(generic.StreamObject(stream_data=b"0 0 m 500 500 l S")))
    meta = signers.PdfSignatureMetadata(field_name="Client")
    out = signers.PdfSigner(meta, identity.signer).sign_pdf(w, bytes_reserved=32768)
    with pytest.raises(UnexpectedChangesError):
        check_upload(issued, out.getvalue())
    del Level, SigningOptions, page_ref


def test_rejects_altered_signed_bytes(issued, client_signed):
    # The signing time in the signature dictionary (pyHanko writes "D\\072" for "D:").
    i = client_signed.rindex(b"/M (D\\072") + len(b"/M (D\\072")
    forged = client_signed[:i] + b"1999" + client_signed[i + 4:]
    assert len(forged) == len(client_signed)
    with pytest.raises(UploadValidationError):
        check_upload(issued, forged)


def test_accepts_the_first_signature_of_a_document_that_has_empty_fields(sign_sample):
    """The portal issues the reading act unsigned, with its empty ``supplier`` and ``client``
    boxes; the client's signature is the first one and sets the form's /SigFlags (1 → 3),
    which every signing tool does."""
    from documents import render_reading_act
    from lk_corporate.demo import samples

    act = render_reading_act(samples.sample_reading_act())
    signed = sign_sample("B-B", identity="romashka", pdf=act, field_name="client")
    check = check_upload(act, signed)
    assert check.field_name == "client" and check.modification_level == "FORM_FILLING"
