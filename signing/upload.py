"""Accept a PDF signed outside the portal (Adobe Acrobat, ``lk sign``, any PAdES tool).

The rule: the upload must be *exactly* the document we issued, byte for byte,
followed by one incremental revision that adds one signature covering
everything before it — nothing else, and nothing after it. Each way of failing
has its own error (see :mod:`signing.errors`), so the portal can tell the
client precisely what is wrong with the file.

Checks, in order:

1. it is a PDF (:class:`UploadNotPdfError`);
2. it starts with the issued bytes (:class:`NotIssuedDocumentError`) and adds
   something (:class:`NoNewSignatureError`);
3. exactly one new signature (:class:`NoNewSignatureError`,
   :class:`MultipleNewSignaturesError`), in the revision right after the issued
   ones (:class:`ExtraRevisionError`);
4. its /ByteRange covers the whole signed revision, issued bytes included, with
   only the /Contents value left out (:class:`IncompleteCoverageError`);
5. the signature revision only adds/fills the signature field
   (:class:`UnexpectedChangesError`, pyHanko's difference analysis);
6. nothing follows the signed revision (:class:`ExtraRevisionError`), unless
   ``allow_ltv_updates`` accepts DSS / document-timestamp revisions;
7. the CMS is intact and its signature value verifies
   (:class:`UploadValidationError`), and — when ``validation`` settings are
   given — :func:`signing.validation.validate_pdf` gives the new signature
   TOTAL-PASSED (trust, revocation, tax ID).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    FormUpdatingRule,
    ModificationLevel,
    SigFieldCreationRule,
    SigFieldModificationRule,
    StandardDiffPolicy,
    SuspiciousModification,
)
from pyhanko.sign.diff_analysis.constants import ACROFORM_EXEMPT_STRICT_COMPARISON
from pyhanko.sign.diff_analysis.rules.form_field_rules import GenericFieldModificationRule
from pyhanko.sign.validation.generic_cms import validate_sig_integrity
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from signing.certinfo import CertificateSummary, describe_certificate
from signing.errors import (
    ExtraRevisionError,
    IncompleteCoverageError,
    InvalidInputError,
    MultipleNewSignaturesError,
    NoNewSignatureError,
    NotIssuedDocumentError,
    SignatureStructureError,
    UnexpectedChangesError,
    UploadNotPdfError,
    UploadValidationError,
)

__all__ = ["UploadCheck", "check_upload"]


@dataclass(frozen=True)
class UploadCheck:
    """An accepted upload: which signature it adds and by whom."""

    field_name: str
    signer: CertificateSummary
    signed_revision: int
    """0-based index of the revision holding the new signature."""
    issued_length: int
    signed_length: int
    """Bytes covered by the new signature (the issued document + its revision)."""
    trailing_updates: bool
    """True if DSS / document-timestamp revisions follow (only with ``allow_ltv_updates``)."""
    modification_level: str
    """What the signature revision does to the issued document (``FORM_FILLING``)."""
    report: Any = None
    """The :class:`signing.validation.DocumentReport` when validation settings were given."""


def _reader(data: bytes, *, uploaded: bool) -> PdfFileReader:
    error = UploadNotPdfError if uploaded else InvalidInputError
    if data.lstrip()[:5] != b"%PDF-":
        raise error("the file is not a PDF (no %PDF- header)")
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        reader.root  # noqa: B018 - force the trailer and catalog to parse
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as exc:
        raise error(f"the PDF cannot be parsed: {exc}") from exc
    return reader


def _is_doc_ts(sig: EmbeddedPdfSignature) -> bool:
    return bool(sig.sig_object.get("/Type") == "/DocTimeStamp")


def _check_byte_range(sig: EmbeddedPdfSignature, issued_len: int) -> int:
    """Return the end of the signed bytes; raise if the range leaves anything out."""
    try:
        br = [int(x) for x in sig.sig_object["/ByteRange"]]
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureStructureError("the new signature has no valid /ByteRange") from exc
    if len(br) != 4 or br[0] != 0 or min(br) < 0:
        raise IncompleteCoverageError(f"the signature does not start at byte 0 ({br})")
    hole_start, hole_end = br[1], br[2]
    if hole_start < issued_len:
        raise IncompleteCoverageError("the signature leaves part of the issued document unsigned")
    raw = sig.reader.stream
    raw.seek(hole_start)
    hole = raw.read(hole_end - hole_start)
    # The only unsigned bytes allowed are the /Contents hex string itself.
    if not (hole.startswith(b"<") and hole.endswith(b">")
            and all(c in b"0123456789abcdefABCDEF" for c in hole[1:-1])):
        raise IncompleteCoverageError("the unsigned gap is more than the /Contents value")
    return hole_end + br[3]


def check_upload(issued: bytes, uploaded: bytes, *, allow_ltv_updates: bool = False,
                 validation: Any = None) -> UploadCheck:
    """Check that ``uploaded`` is ``issued`` plus one signature revision.

    ``validation``: :class:`signing.validation.ValidationSettings`; when given, the
    new signature must also validate TOTAL-PASSED (trust, revocation, tax ID).
    Raises an :class:`~signing.errors.UploadRejectedError` subclass otherwise.
    """
    up_reader = _reader(uploaded, uploaded=True)
    if not uploaded.startswith(issued):
        raise NotIssuedDocumentError(
            "the file is not the document that was issued (its first "
            f"{len(issued)} bytes differ): sign the downloaded file without re-saving it")
    if len(uploaded.rstrip()) <= len(issued.rstrip()):
        raise NoNewSignatureError("the file is the issued document without a new signature")
    issued_revisions = _reader(issued, uploaded=False).xrefs.total_revisions

    new = [s for s in up_reader.embedded_signatures if s.signed_revision >= issued_revisions]
    approvals = [s for s in new if not _is_doc_ts(s)]
    if not approvals:
        raise NoNewSignatureError("the file adds no signature to the issued document")
    if len(approvals) > 1:
        raise MultipleNewSignaturesError(
            f"the file adds {len(approvals)} signatures; upload one signature at a time")
    sig = approvals[0]
    if sig.signed_revision != issued_revisions:
        raise ExtraRevisionError("an unsigned revision was added before the signature")

    signed_end = _check_byte_range(sig, len(issued))
    tail = uploaded[signed_end:]
    trailing = bool(tail.strip())
    if trailing:
        if not allow_ltv_updates:
            raise ExtraRevisionError("something was appended after the signed revision")
        _check_ltv_updates(up_reader, sig.signed_revision)

    # What does the signature revision itself change, compared with what we issued?
    signed_reader = _reader(uploaded[:signed_end], uploaded=True)
    level = _signature_revision_changes(signed_reader, issued_revisions)

    # Integrity and the signature value, independent of trust.
    # Integrity and the signature value only (no trust decision here).
    new_sig = signed_reader.embedded_signatures[-1]
    try:
        intact, valid = validate_sig_integrity(new_sig.signer_info, new_sig.signer_cert,
                                               "data", new_sig.compute_digest())
    except (ValueError, KeyError, TypeError, PdfError) as exc:
        raise UploadValidationError(f"the new signature cannot be checked: {exc}") from exc
    if not (intact and valid):
        raise UploadValidationError("the new signature does not verify (document altered or "
                                    "signature value invalid)")

    report = None
    if validation is not None:
        report = _validate(uploaded, validation, sig.field_name)

    return UploadCheck(
        field_name=sig.field_name,
        signer=describe_certificate(sig.signer_cert),
        signed_revision=sig.signed_revision,
        issued_length=len(issued),
        signed_length=signed_end,
        trailing_updates=trailing,
        modification_level=level.name,
        report=report,
    )


def _check_ltv_updates(reader: PdfFileReader, signed_revision: int) -> None:
    """Every revision after the signature must add DSS data or a document timestamp,
    and pyHanko must see nothing beyond such updates."""
    doc_ts_revisions = {s.signed_revision for s in reader.embedded_signatures if _is_doc_ts(s)}
    for rev in range(signed_revision + 1, reader.xrefs.total_revisions):
        dss_now = reader.get_historical_root(rev).get("/DSS")
        dss_before = reader.get_historical_root(rev - 1).get("/DSS")
        if rev not in doc_ts_revisions and dss_now == dss_before:
            raise ExtraRevisionError(f"revision {rev + 1} after the signature is not an LTV update")
    diff = DEFAULT_DIFF_POLICY.review_file(reader, base_revision=signed_revision)
    if isinstance(diff, SuspiciousModification) or \
            diff.modification_level.value > ModificationLevel.LTA_UPDATES.value:
        raise ExtraRevisionError("revisions after the signature change the document")


# pyHanko's default rules judge what follows a signature; here they judge the signature's own
# revision, and the first signature of a document that already has a form (our documents
# carry empty signature fields) also sets the form's /SigFlags to 3 (SignaturesExist,
# AppendOnly) — a viewer hint every signing tool writes, changing nothing of the content.
_SIGNATURE_REVISION_POLICY = StandardDiffPolicy(
    global_rules=DEFAULT_DIFF_POLICY.global_rules,
    form_rule=FormUpdatingRule(
        field_rules=[SigFieldCreationRule(), SigFieldModificationRule(),
                     GenericFieldModificationRule()],
        ignored_acroform_keys=ACROFORM_EXEMPT_STRICT_COMPARISON | {"/SigFlags"}),
)


def _signature_revision_changes(reader: PdfFileReader, issued_revisions: int) -> ModificationLevel:
    """pyHanko's difference analysis of the signature revision against the issued document
    (its default rules, and the form's /SigFlags may be set).

    pyHanko cannot compare when the issued document has no form at all (its rules
    expect an /AcroForm in the prior revision); then :func:`_structural_changes`
    applies a narrower rule of our own.
    """
    try:
        diff = _SIGNATURE_REVISION_POLICY.review_file(reader,
                                                      base_revision=issued_revisions - 1)
    except PdfError:
        if "/AcroForm" in reader.get_historical_root(issued_revisions - 1):
            raise UnexpectedChangesError("the signature revision cannot be analysed") from None
        _structural_changes(reader, issued_revisions)
        return ModificationLevel.FORM_FILLING
    if isinstance(diff, SuspiciousModification):
        raise UnexpectedChangesError(f"the signature revision modifies the document: {diff}")
    level = diff.modification_level
    if level.value > ModificationLevel.FORM_FILLING.value:
        raise UnexpectedChangesError(
            f"the signature revision does more than add a signature ({level.name})")
    return level


# Keys a signing tool may change on objects that existed before: the catalog gains a
# form (and DocMDP /Perms, extensions), a page gains the widget in /Annots.
_ALLOWED_CHANGED_KEYS = {
    "/Catalog": {"/AcroForm", "/Perms", "/Extensions", "/Version"},
    "/Page": {"/Annots"},
}


def _structural_changes(reader: PdfFileReader, issued_revisions: int) -> None:
    """Signature revision over a document without a form: only new objects, plus the
    catalog and page entries a signature field needs."""
    from pyhanko.pdf_utils import generic

    old = reader.get_historical_resolver(issued_revisions - 1)
    new = reader.get_historical_resolver(issued_revisions)
    info = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
    info_ref = info.reference if isinstance(info, generic.IndirectObject) else None
    for ref in reader.xrefs.explicit_refs_in_revision(issued_revisions):
        if ref == info_ref:
            continue  # document information (producer, dates): metadata, not content
        try:
            before = old.get_object(ref)
        except (PdfError, KeyError, IndexError):
            continue  # a new object
        if isinstance(before, generic.NullObject):
            continue
        after = new.get_object(ref)
        if isinstance(before, generic.ArrayObject) and isinstance(after, generic.ArrayObject):
            # An /Annots array may only grow.
            if list(after)[:len(before)] == list(before):
                continue
            raise UnexpectedChangesError(f"object {ref.idnum} was rewritten")
        if not (isinstance(before, generic.DictionaryObject)
                and isinstance(after, generic.DictionaryObject)):
            raise UnexpectedChangesError(f"object {ref.idnum} was rewritten")
        allowed = _ALLOWED_CHANGED_KEYS.get(str(before.get("/Type", "")))
        if allowed is None:
            raise UnexpectedChangesError(f"object {ref.idnum} was rewritten")
        for key in set(before) | set(after):
            if key in allowed:
                continue
            if before.get(key) != after.get(key):
                raise UnexpectedChangesError(
                    f"the signature revision changes {key} of object {ref.idnum}")


def _validate(uploaded: bytes, settings: Any, field_name: str) -> Any:
    """Hook to :func:`signing.validation.validate_pdf`: the new signature must pass."""
    from signing.validation import Indication, validate_pdf

    report = validate_pdf(uploaded, settings)
    for sig in report.signatures:
        if sig.field_name == field_name:
            if sig.indication is not Indication.TOTAL_PASSED:
                detail = sig.sub_indication.value if sig.sub_indication else sig.indication.value
                raise UploadValidationError(f"the new signature does not validate: {detail}")
            return report
    raise UploadValidationError("the validator did not find the new signature")
