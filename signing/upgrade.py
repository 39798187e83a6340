"""Raise the PAdES level of a signature that is already in a PDF.

Used when signing degraded (TSA or OCSP down: the document was signed at B-B
and ``upgrade_pending`` was recorded) and for archive re-timestamping. Every
step is a new incremental revision, so the signature itself is never touched:

- to B-T: a document timestamp (ETSI.RFC3161) in a later revision gives the
  signature a trusted time (EN 319 142-1 allows it in place of a signature
  timestamp);
- to B-LT: the DSS receives the certificates, OCSP responses and CRLs of the
  signer's chain and of the timestamps' TSA chain;
- to B-LTA: a document timestamp over all of that.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation import add_validation_info
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature

from signing.errors import (
    InvalidInputError,
    NotAPdfError,
    ServiceUnavailableError,
    SigningError,
    UpgradeError,
)
from signing.network import load_roots, make_timestamper, make_validation_context
from signing.policy import Level, SigningResult

__all__ = ["SignatureLevelInfo", "extend_archive", "signature_level", "upgrade"]

DOC_TIMESTAMP_RESERVE = 16 * 1024


@dataclass(frozen=True)
class SignatureLevelInfo:
    """What a signature in the file has, as far as its PAdES level goes."""

    field_name: str
    level: Level
    has_signature_timestamp: bool
    later_document_timestamps: int
    revocation_data_in_dss: bool


def _reader(pdf: bytes) -> PdfFileReader:
    try:
        return PdfFileReader(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise NotAPdfError(f"the PDF cannot be parsed: {exc}") from exc


def _is_doc_ts(sig: EmbeddedPdfSignature) -> bool:
    return bool(sig.sig_object.get("/Type") == "/DocTimeStamp")


def _pick(reader: PdfFileReader, field_name: str | None) -> EmbeddedPdfSignature:
    sigs: list[EmbeddedPdfSignature] = [s for s in reader.embedded_signatures if not _is_doc_ts(s)]
    if field_name is not None:
        sigs = [s for s in sigs if s.field_name == field_name]
    if not sigs:
        raise UpgradeError("the document has no such signature" if field_name
                           else "the document has no signature")
    return sigs[-1]


def _dss_streams(root: object, key: str) -> list[bytes]:
    try:
        dss = root["/DSS"]  # type: ignore[index]
        return [ref.get_object().data for ref in dss.get(key, ())]
    except (KeyError, TypeError):
        return []


def _dss_covers(root: object, cert: asn1_x509.Certificate) -> bool:
    """True if the DSS at ``root`` holds an OCSP response for ``cert`` or a CRL of its issuer."""
    serial = cert.serial_number
    for der in _dss_streams(root, "/OCSPs"):
        try:
            basic = asn1_ocsp.OCSPResponse.load(der).basic_ocsp_response
            for single in basic["tbs_response_data"]["responses"]:
                if single["cert_id"]["serial_number"].native == serial:
                    return True
        except (ValueError, TypeError, KeyError):
            continue
    for der in _dss_streams(root, "/CRLs"):
        try:
            if asn1_crl.CertificateList.load(der).issuer == cert.issuer:
                return True
        except (ValueError, TypeError):
            continue
    return False


def _has_signature_timestamp(sig: EmbeddedPdfSignature) -> bool:
    attrs = sig.signer_info["unsigned_attrs"]
    if not attrs:
        return False
    return any(a["type"].native == "signature_time_stamp_token" for a in attrs)


def signature_level(pdf: bytes, field_name: str | None = None) -> SignatureLevelInfo:
    """The PAdES level the last (or the named) signature has reached in ``pdf``.

    A structural reading, not a validation: it says what is present (timestamps,
    revocation data for the signer in the DSS), not whether it verifies.
    """
    reader = _reader(pdf)
    sig = _pick(reader, field_name)
    sig_rev = sig.signed_revision
    doc_ts = [s for s in reader.embedded_signatures if _is_doc_ts(s) and s.signed_revision > sig_rev]
    has_ts = _has_signature_timestamp(sig)
    cover_rev = None
    total = reader.xrefs.total_revisions
    for rev in range(sig_rev + 1, total):
        if _dss_covers(reader.get_historical_root(rev), sig.signer_cert):
            cover_rev = rev
            break
    level = Level.B_B
    if has_ts or doc_ts:
        level = Level.B_T
        if cover_rev is not None:
            level = Level.B_LT
            # pyHanko writes the DSS and the archive timestamp in one revision; the
            # timestamp still covers that DSS, hence >=.
            if any(ts.signed_revision >= cover_rev for ts in doc_ts):
                level = Level.B_LTA
    return SignatureLevelInfo(sig.field_name, level, has_ts, len(doc_ts), cover_rev is not None)


def _embedded_roots(sig: EmbeddedPdfSignature) -> list[asn1_x509.Certificate]:
    certs = sig.signed_data["certificates"]
    out = []
    for choice in certs or ():
        if isinstance(choice.chosen, asn1_x509.Certificate) and choice.chosen.self_signed != "no":
            out.append(choice.chosen)
    return out


def _add_document_timestamp(pdf: bytes, tsa_url: str | None, timeout: float) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    stamper = signers.PdfTimeStamper(make_timestamper(tsa_url, timeout))
    try:
        out = stamper.timestamp_pdf(writer, "sha256", bytes_reserved=DOC_TIMESTAMP_RESERVE)
    except (TimestampRequestError, OSError) as exc:
        from signing.errors import TimestampError

        raise TimestampError(f"the time-stamping authority failed: {exc}") from exc
    return out.getvalue()  # type: ignore[no-any-return]


def _add_revocation_data(pdf: bytes, field_name: str, roots: list[asn1_x509.Certificate],
                         timeout: float) -> bytes:
    from signing.server import _classify

    reader = _reader(pdf)
    sig = _pick(reader, field_name)
    anchors = roots or _embedded_roots(sig)
    targets = [sig] + [s for s in reader.embedded_signatures
                       if _is_doc_ts(s) and s.signed_revision > sig.signed_revision]
    for target in targets:
        reader = _reader(pdf)
        current = next(s for s in reader.embedded_signatures if s.field_name == target.field_name)
        others = [c.chosen for c in current.signed_data["certificates"] or ()
                  if isinstance(c.chosen, asn1_x509.Certificate)]
        vc = make_validation_context(anchors or _embedded_roots(current), others, timeout)
        try:
            pdf = add_validation_info(current, vc, force_write=False).getvalue()
        except (PyHankoSigningError, PdfError, OSError, ValueError) as exc:
            raise _classify(exc) from exc
        except Exception as exc:  # certvalidator raises its own hierarchy (not SigningError)
            mapped = _classify(exc)
            if type(mapped) is SigningError:
                raise
            raise mapped from exc
    return pdf


def upgrade(pdf: bytes, target: Level, *, tsa_url: str | None = None,
            trust_roots: tuple[Path, ...] = (), field_name: str | None = None,
            timeout: float = 5.0) -> SigningResult:
    """Bring the last (or the named) signature up to ``target``; nothing is re-signed.

    Returns the upgraded PDF. If a service fails after some progress, the result
    carries that progress with ``upgrade_pending=True``; if it fails before any,
    :class:`~signing.errors.ServiceUnavailableError` is raised (retry later).
    """
    info = signature_level(pdf, field_name)
    name = info.field_name
    roots = load_roots(trust_roots) if trust_roots else []
    level = info.level
    try:
        if target.needs_timestamp and level is Level.B_B:
            pdf = _add_document_timestamp(pdf, tsa_url, timeout)
            level = Level.B_T
        if target.needs_revocation_data and level is Level.B_T:
            pdf = _add_revocation_data(pdf, name, roots, timeout)
            level = Level.B_LT
        if target is Level.B_LTA and level is Level.B_LT:
            pdf = _add_document_timestamp(pdf, tsa_url, timeout)
            level = Level.B_LTA
    except ServiceUnavailableError as exc:
        if level is info.level:
            raise
        return SigningResult(pdf, level, target, name, upgrade_pending=True, reason=str(exc))
    except InvalidInputError:
        raise
    return SigningResult(pdf, level, target, name,
                         upgrade_pending=level.rank < target.rank, reason=None)




def extend_archive(pdf: bytes, *, tsa_url: str | None, trust_roots: tuple[Path, ...] = (),
                   timeout: float = 5.0) -> bytes:
    """Renew a B-LTA archive before its last TSA certificate expires.

    Adds the revocation data of the latest document timestamp's chain to the DSS,
    then a new document timestamp over everything (EN 319 142-1, B-LTA renewal).
    """
    reader = _reader(pdf)
    stamps = [s for s in reader.embedded_signatures if _is_doc_ts(s)]
    if not stamps:
        raise UpgradeError("the document has no archive timestamp to extend (upgrade to "
                           "B-LTA first)")
    last = stamps[-1]
    roots = load_roots(trust_roots) if trust_roots else _embedded_roots(last)
    others = [c.chosen for c in last.signed_data["certificates"] or ()
              if isinstance(c.chosen, asn1_x509.Certificate)]
    from signing.server import _classify

    try:
        pdf = add_validation_info(last, make_validation_context(roots, others, timeout),
                                  force_write=False).getvalue()
    except (PyHankoSigningError, PdfError, OSError, ValueError) as exc:
        raise _classify(exc) from exc
    return _add_document_timestamp(pdf, tsa_url, timeout)
