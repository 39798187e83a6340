"""Server-side signing: the supplier's key (PKCS#12 file or PKCS#11 token) signs a PDF.

``sign_pdf(pdf, identity, options) -> SigningResult`` adds one incremental
revision with a PAdES signature at the requested level (B-B … B-LTA), a visible
Russian stamp, optional empty fields for later signers, and a certification
(DocMDP P=2) if asked. B-LT adds a DSS revision with the revocation data; B-LTA
adds a document timestamp after it.

Speed (see ``bench/bench_signing.py``): the key is parsed once per identity
(:mod:`signing.identity`), and the /Contents placeholder has a size computed
from the certificates instead of pyHanko's estimate, which signs a dummy CMS
first (a second private-key operation per document).

Degraded mode: when the TSA or the revocation endpoints are unreachable and
``options.degrade`` is set, the document is signed at the best level still
possible (B-T, else B-B) and the result says ``upgrade_pending``;
:func:`signing.upgrade.upgrade` completes it later.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import io

from asn1crypto import x509 as asn1_x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields as ph_fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.errors import (
    InsufficientRevinfoError,
    PathBuildingError,
    PathValidationError,
    RevokedError,
)

from signing.errors import (
    CertificateNotTrustedError,
    DocumentLockedError,
    EncryptedPdfError,
    NotAPdfError,
    RevocationFetchError,
    ServiceUnavailableError,
    SigningError,
    TimestampError,
)
from signing.fields import add_empty_fields, plan_signing
from signing.identity import SigningIdentity, check_certificate_validity
from signing.network import load_roots, make_timestamper, make_validation_context
from signing.policy import Level, SigningOptions, SigningResult
from signing.stamp import stamp_size, stamp_style

__all__ = ["open_incremental", "reserve_size", "sign_pdf"]

# Room (DER bytes) for a signature timestamp token: TSTInfo, its signature, the TSA chain.
TIMESTAMP_TOKEN_ROOM = 8 * 1024


def open_incremental(pdf: bytes) -> IncrementalPdfFileWriter:
    """An incremental writer over ``pdf``; precise errors for non-PDFs and encrypted files."""
    if not pdf.lstrip()[:5] == b"%PDF-":
        raise NotAPdfError("the file is not a PDF (no %PDF- header)")
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfError, ValueError, KeyError, TypeError) as exc:
        raise NotAPdfError(f"the PDF cannot be parsed: {exc}") from exc
    if writer.prev.encrypted:
        raise EncryptedPdfError("the PDF is encrypted")
    return writer


def reserve_size(certificates_der: int, with_timestamp: bool) -> int:
    """Size of the /Contents placeholder, in hex digits as pyHanko counts it (2 per byte).

    DER estimate: the embedded certificates (``certificates_der`` bytes), the signature
    value and signed attributes (2 KB is ample for RSA-4096), and the timestamp token.
    """
    der = certificates_der + 2 * 1024
    if with_timestamp:
        der += TIMESTAMP_TOKEN_ROOM
    return (2 * der + 1023) // 1024 * 1024


def _identity_certs_size(identity: SigningIdentity) -> int:
    return sum(len(c.dump()) for c in (identity.certificate, *identity.chain))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _trust_roots(identity: SigningIdentity, options: SigningOptions) -> list[asn1_x509.Certificate]:
    roots = load_roots(options.trust_roots) if options.trust_roots else []
    return roots or list(identity.self_signed_roots)


def _classify(exc: BaseException) -> SigningError:
    """Map pyHanko/certvalidator failures to our errors (walks the cause chain)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimestampRequestError):
            return TimestampError(f"the time-stamping authority failed: {seen}")
        if isinstance(seen, RevokedError):
            return CertificateNotTrustedError(f"the signing certificate is revoked: {seen}")
        if isinstance(seen, InsufficientRevinfoError):
            return RevocationFetchError(f"revocation data could not be obtained: {seen}")
        if isinstance(seen, (PathBuildingError, PathValidationError)):
            return CertificateNotTrustedError(f"the certificate chain is not trusted: {seen}")
        if isinstance(seen, (OSError, ConnectionError)):
            return ServiceUnavailableError(f"a network service failed: {seen}")
        seen = seen.__cause__ or seen.__context__
    text = str(exc)
    if "certif" in text.lower() and ("DocMDP" in text or "modification" in text.lower()):
        return DocumentLockedError(text)
    return SigningError(f"signing failed: {text}")


async def _sign_async(writer: IncrementalPdfFileWriter, pdf_signer: signers.PdfSigner,
                      reserved: int, now: dt.datetime) -> bytes:
    # The steps of PdfSigner.async_sign_pdf, so that the stamp's time is /M's time and
    # the placeholder size is ours (no dry-run signature).
    session = pdf_signer.init_signing_session(writer)
    session.system_time = now
    validation_info = await session.perform_presign_validation(writer)
    tbs = session.prepare_tbs_document(validation_info=validation_info, bytes_reserved=reserved)
    prepared, output = tbs.digest_tbs_document()
    post = await tbs.perform_signature(
        document_digest=prepared.document_digest,
        pdf_cms_signed_attrs=PdfCMSSignedAttributes(signing_time=now),
    )
    await post.post_signature_processing(output)
    return output.getvalue()  # type: ignore[no-any-return, attr-defined]


def _sign_once(pdf: bytes, identity: SigningIdentity, options: SigningOptions, level: Level,
               now: dt.datetime) -> tuple[bytes, str]:
    writer = open_incremental(pdf)
    plan = plan_signing(writer.prev, options.field_name, options.add_empty_fields,
                        page=options.page, visible=options.visible)
    add_empty_fields(writer, list(plan.empty_specs))
    validation_context = None
    if level.needs_revocation_data:
        validation_context = make_validation_context(
            _trust_roots(identity, options), identity.chain, options.service_timeout)
    meta = signers.PdfSignatureMetadata(
        field_name=plan.field_name,
        md_algorithm="sha256",
        subfilter=ph_fields.SigSeedSubFilter.PADES,
        certify=options.certify,
        docmdp_permissions=ph_fields.MDPPerm.FILL_FORMS,
        reason=options.reason,
        location=options.location,
        name=identity.summary.person,
        embed_validation_info=level.needs_revocation_data,
        use_pades_lta=level is Level.B_LTA,
        validation_context=validation_context,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=identity.signer,
        timestamper=(make_timestamper(options.tsa_url, options.service_timeout)
                     if level.needs_timestamp else None),
        stamp_style=(stamp_style(identity.summary, now, stamp_size(plan.rect),
                                 opaque=plan.prepared) if plan.rect is not None else None),
        new_field_spec=plan.target_spec,
    )
    reserved = reserve_size(_identity_certs_size(identity), level.needs_timestamp)
    try:
        try:
            return asyncio.run(_sign_async(writer, pdf_signer, reserved, now)), plan.field_name
        except PyHankoSigningError as exc:
            if "larger than expected" not in str(exc) and "too small" not in str(exc):
                raise
        # The placeholder was too small (an unusually large chain or TSA token): retry.
        writer = open_incremental(pdf)
        add_empty_fields(writer, list(plan.empty_specs))
        return (asyncio.run(_sign_async(writer, pdf_signer, reserved * 4, now)),
                plan.field_name)
    except SigningError:
        raise
    except (PyHankoSigningError, PdfError, TimestampRequestError, OSError, ValueError) as exc:
        raise _classify(exc) from exc


def _fallbacks(target: Level) -> list[Level]:
    levels = [target]
    if target.rank > Level.B_T.rank:
        levels.append(Level.B_T)
    if target is not Level.B_B:
        levels.append(Level.B_B)
    return levels


_DEFAULT_OPTIONS = SigningOptions()  # frozen: one shared default is safe


def sign_pdf(pdf: bytes, identity: SigningIdentity,
             options: SigningOptions = _DEFAULT_OPTIONS) -> SigningResult:
    """Sign ``pdf`` with ``identity`` as ``options`` say; returns the signed bytes.

    Raises a :class:`~signing.errors.SigningError` subclass: bad input, identity
    problems (expired certificate, untrusted chain at B-LT+), or a service outage
    when ``options.degrade`` is off.
    """
    now = _utcnow()
    if options.check_validity:
        check_certificate_validity(identity, now)
    reasons: list[str] = []
    candidates = _fallbacks(options.level) if options.degrade else [options.level]
    last_error: ServiceUnavailableError | None = None
    for level in candidates:
        if last_error is not None and isinstance(last_error, TimestampError) \
                and level.needs_timestamp:
            continue  # the TSA is down: B-T would fail the same way
        try:
            signed, field_name = _sign_once(pdf, identity, options, level, now)
        except ServiceUnavailableError as exc:
            last_error = exc
            reasons.append(f"{level}: {exc}")
            continue
        return SigningResult(
            pdf=signed,
            level_reached=level,
            target_level=options.level,
            field_name=field_name,
            upgrade_pending=level is not options.level,
            reason="; ".join(reasons) or None,
        )
    assert last_error is not None
    raise last_error
