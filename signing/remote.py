"""Staged signing for the browser: the client's key never reaches the server.

1. :func:`prepare` (HTTP request 1) adds the signature revision with an empty
   /Contents placeholder, computes the document digest and the CMS signed
   attributes, and returns a :class:`ToBeSigned`: the DER of the signed
   attributes the browser must sign (WebCrypto hashes it itself), its SHA-256
   digest (for signers that take a pre-computed hash), the WebCrypto algorithm
   parameters, and a :class:`SigningState`.
2. The browser signs with WebCrypto and returns only the signature value.
3. :func:`finish` (HTTP request 2, maybe another worker process) rebuilds
   everything from the state, verifies the signature value against the
   certificate, builds the CMS, embeds it, and adds the signature timestamp
   (B-T) and the DSS (B-LT) or archive timestamp (B-LTA).

The state is plain data (:meth:`SigningState.to_bytes` / :meth:`~SigningState.from_bytes`,
JSON): keep it server-side (database, cache); it holds no secret but it must
not be taken from the client, since it names the document being signed.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.sign import fields as ph_fields
from pyhanko.sign import signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator.registry import SimpleCertificateStore

from signing.certinfo import describe_certificate
from signing.errors import (
    InvalidInputError,
    InvalidStateError,
    ServiceUnavailableError,
    SignatureValueError,
    SigningError,
    TimestampError,
    UnsupportedAlgorithmError,
)
from signing.fields import add_empty_fields, plan_signing
from signing.network import make_timestamper
from signing.policy import Level, SigningOptions, SigningResult
from signing.server import _classify, open_incremental, reserve_size
from signing.stamp import stamp_size, stamp_style
from signing.upgrade import upgrade

__all__ = ["STATE_VERSION", "Scheme", "SigningState", "ToBeSigned", "finish", "prepare"]

STATE_VERSION = 1
DIGEST = "sha256"
PSS_SALT_LENGTH = 32  # = SHA-256 output: what WebCrypto callers usually pass


class Scheme:
    """Signature schemes a browser can use (WebCrypto names in :meth:`webcrypto`)."""

    RSA_PKCS1 = "rsa-pkcs1v15"
    RSA_PSS = "rsa-pss"
    ECDSA = "ecdsa"
    ALL = (RSA_PKCS1, RSA_PSS, ECDSA)

    @staticmethod
    def webcrypto(scheme: str) -> dict[str, Any]:
        """The ``algorithm`` argument for ``crypto.subtle.sign`` (key imported with SHA-256)."""
        if scheme == Scheme.RSA_PKCS1:
            return {"name": "RSASSA-PKCS1-v1_5", "hash": "SHA-256"}
        if scheme == Scheme.RSA_PSS:
            return {"name": "RSA-PSS", "hash": "SHA-256", "saltLength": PSS_SALT_LENGTH}
        if scheme == Scheme.ECDSA:
            return {"name": "ECDSA", "hash": "SHA-256", "namedCurve": "P-256"}
        raise UnsupportedAlgorithmError(f"unknown signature scheme {scheme!r}")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class SigningState:
    """Everything :func:`finish` needs, as plain data (serializable, no secrets)."""

    version: int
    prepared_pdf: bytes
    """The document with the new revision and a zero-filled /Contents."""
    reserved_start: int
    reserved_end: int
    """Offsets of the /Contents hex string (the hole in /ByteRange)."""
    document_digest: bytes
    """SHA-256 of the bytes covered by /ByteRange."""
    signed_attributes: bytes
    """DER (SET OF) of the CMS signed attributes: exactly what the client signs."""
    scheme: str
    certificate: bytes
    chain: tuple[bytes, ...]
    field_name: str
    level: Level
    tsa_url: str | None
    trust_roots: tuple[str, ...]
    service_timeout: float
    degrade: bool
    prepared_at: str
    document_sha256: str = field(default="")
    """SHA-256 of ``prepared_pdf``, checked on load (corruption in storage)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "prepared_pdf": _b64(self.prepared_pdf),
            "reserved_start": self.reserved_start,
            "reserved_end": self.reserved_end,
            "document_digest": _b64(self.document_digest),
            "signed_attributes": _b64(self.signed_attributes),
            "scheme": self.scheme,
            "certificate": _b64(self.certificate),
            "chain": [_b64(c) for c in self.chain],
            "field_name": self.field_name,
            "level": self.level.value,
            "tsa_url": self.tsa_url,
            "trust_roots": list(self.trust_roots),
            "service_timeout": self.service_timeout,
            "degrade": self.degrade,
            "prepared_at": self.prepared_at,
            "document_sha256": hashlib.sha256(self.prepared_pdf).hexdigest(),
        }

    def to_bytes(self) -> bytes:
        return json.dumps(self.to_json(), separators=(",", ":")).encode("ascii")

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> SigningState:
        try:
            if raw.get("version") != STATE_VERSION:
                raise InvalidStateError(f"unsupported signing state version {raw.get('version')!r}")
            state = cls(
                version=raw["version"],
                prepared_pdf=_unb64(raw["prepared_pdf"]),
                reserved_start=int(raw["reserved_start"]),
                reserved_end=int(raw["reserved_end"]),
                document_digest=_unb64(raw["document_digest"]),
                signed_attributes=_unb64(raw["signed_attributes"]),
                scheme=str(raw["scheme"]),
                certificate=_unb64(raw["certificate"]),
                chain=tuple(_unb64(c) for c in raw["chain"]),
                field_name=str(raw["field_name"]),
                level=Level(raw["level"]),
                tsa_url=raw["tsa_url"],
                trust_roots=tuple(raw["trust_roots"]),
                service_timeout=float(raw["service_timeout"]),
                degrade=bool(raw["degrade"]),
                prepared_at=str(raw["prepared_at"]),
                document_sha256=str(raw["document_sha256"]),
            )
        except InvalidStateError:
            raise
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidStateError(f"malformed signing state: {exc}") from exc
        if hashlib.sha256(state.prepared_pdf).hexdigest() != state.document_sha256:
            raise InvalidStateError("the prepared document in the signing state is corrupt")
        return state

    @classmethod
    def from_bytes(cls, data: bytes) -> SigningState:
        try:
            raw = json.loads(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidStateError(f"the signing state is not JSON: {exc}") from exc
        if not isinstance(raw, dict):
            raise InvalidStateError("the signing state is not a JSON object")
        return cls.from_json(raw)


@dataclass(frozen=True)
class ToBeSigned:
    """What the browser must sign, and the state to keep until :func:`finish`."""

    signed_attributes: bytes
    """Sign these bytes (WebCrypto hashes them with SHA-256 itself)."""
    digest: bytes
    """SHA-256 of ``signed_attributes``, for signers that take a pre-hashed value."""
    scheme: str
    webcrypto_algorithm: dict[str, Any]
    state: SigningState

    def to_client_json(self) -> dict[str, Any]:
        """The part to send to the browser (the state stays on the server)."""
        return {
            "signed_attributes": _b64(self.signed_attributes),
            "digest": _b64(self.digest),
            "digest_algorithm": "SHA-256",
            "algorithm": self.webcrypto_algorithm,
        }


def _load_chain(signer_chain: tuple[bytes, ...]) -> list[asn1_x509.Certificate]:
    if not signer_chain:
        raise InvalidInputError("the signer's certificate is missing")
    try:
        certs = [asn1_x509.Certificate.load(der) for der in signer_chain]
        for c in certs:
            c.native  # noqa: B018 - force a full parse: garbage must fail here
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"not a DER certificate: {exc}") from exc
    return certs


def _mechanism(cert: asn1_x509.Certificate, scheme: str | None) -> tuple[str, algos.SignedDigestAlgorithm]:
    algo = cert.public_key.algorithm
    if algo == "rsa":
        scheme = scheme or Scheme.RSA_PKCS1
        if scheme == Scheme.RSA_PKCS1:
            return scheme, algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
        if scheme == Scheme.RSA_PSS:
            return scheme, algos.SignedDigestAlgorithm({
                "algorithm": "rsassa_pss",
                "parameters": algos.RSASSAPSSParams({
                    "hash_algorithm": {"algorithm": "sha256"},
                    "mask_gen_algorithm": {"algorithm": "mgf1",
                                           "parameters": {"algorithm": "sha256"}},
                    "salt_length": PSS_SALT_LENGTH,
                    "trailer_field": "trailer_field_bc",
                }),
            })
    elif algo == "ec":
        curve = cert.public_key["algorithm"]["parameters"].chosen.native
        if curve != "secp256r1":
            raise UnsupportedAlgorithmError(f"only ECDSA P-256 is supported, not {curve}")
        scheme = scheme or Scheme.ECDSA
        if scheme == Scheme.ECDSA:
            return scheme, algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"})
    raise UnsupportedAlgorithmError(
        f"scheme {scheme!r} does not fit a {algo.upper()} key (use one of {Scheme.ALL})")


_DEFAULT_OPTIONS = SigningOptions()  # frozen: one shared default is safe


def prepare(pdf: bytes, signer_chain: tuple[bytes, ...], options: SigningOptions = _DEFAULT_OPTIONS,
            *, scheme: str | None = None, now: dt.datetime | None = None) -> ToBeSigned:
    """Prepare ``pdf`` for a signature by the holder of ``signer_chain[0]``.

    ``signer_chain`` is DER: the signer's certificate first, then its issuers (embedded
    in the CMS). ``scheme`` defaults to RSA PKCS#1 v1.5 or ECDSA by key type.
    """
    certs = _load_chain(signer_chain)
    cert = certs[0]
    scheme, mechanism = _mechanism(cert, scheme)
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    if options.check_validity:
        summary = describe_certificate(cert)
        if not summary.is_valid_at(now):
            from signing.errors import CertificateValidityError

            raise CertificateValidityError(
                f"the certificate of {summary.person} is not valid now "
                f"({summary.not_before:%Y-%m-%d} – {summary.not_after:%Y-%m-%d})")

    writer = open_incremental(pdf)
    plan = plan_signing(writer.prev, options.field_name, options.add_empty_fields,
                        page=options.page, visible=options.visible)
    name = plan.field_name
    add_empty_fields(writer, list(plan.empty_specs))

    registry = SimpleCertificateStore.from_certs(certs)
    ext_signer = signers.ExternalSigner(signing_cert=cert, cert_registry=registry,
                                        signature_value=256, signature_mechanism=mechanism)
    meta = signers.PdfSignatureMetadata(
        field_name=name, md_algorithm=DIGEST,
        subfilter=ph_fields.SigSeedSubFilter.PADES,
        certify=options.certify,
        docmdp_permissions=ph_fields.MDPPerm.FILL_FORMS,
        reason=options.reason, location=options.location,
        name=describe_certificate(cert).person,
    )
    pdf_signer = signers.PdfSigner(
        meta, signer=ext_signer,
        stamp_style=(stamp_style(describe_certificate(cert), now, stamp_size(plan.rect),
                                 opaque=plan.prepared) if plan.rect is not None else None),
        new_field_spec=plan.target_spec,
    )
    reserved = reserve_size(sum(len(c.dump()) for c in certs), options.level.needs_timestamp)

    async def _prep() -> tuple[PreparedByteRangeDigest, bytes, bytes]:
        session = pdf_signer.init_signing_session(writer)
        session.system_time = now
        tbs = session.prepare_tbs_document(validation_info=None, bytes_reserved=reserved)
        prepared, output = tbs.digest_tbs_document()
        attrs = await ext_signer.signed_attrs(
            prepared.document_digest, DIGEST,
            attr_settings=PdfCMSSignedAttributes(signing_time=now), use_pades=True)
        return prepared, output.getvalue(), attrs.dump()  # type: ignore[attr-defined]

    try:
        prepared, prepared_pdf, attrs_der = asyncio.run(_prep())
    except (PyHankoSigningError, PdfError, ValueError) as exc:
        raise _classify(exc) from exc

    state = SigningState(
        version=STATE_VERSION,
        prepared_pdf=prepared_pdf,
        reserved_start=prepared.reserved_region_start,
        reserved_end=prepared.reserved_region_end,
        document_digest=prepared.document_digest,
        signed_attributes=attrs_der,
        scheme=scheme,
        certificate=cert.dump(),
        chain=tuple(c.dump() for c in certs[1:]),
        field_name=name,
        level=options.level,
        tsa_url=options.tsa_url,
        trust_roots=tuple(str(p) for p in options.trust_roots),
        service_timeout=options.service_timeout,
        degrade=options.degrade,
        prepared_at=now.isoformat(),
        document_sha256=hashlib.sha256(prepared_pdf).hexdigest(),
    )
    return ToBeSigned(attrs_der, hashlib.sha256(attrs_der).digest(), scheme,
                      Scheme.webcrypto(scheme), state)


def _normalize_signature(state: SigningState, public_key: Any, value: bytes) -> bytes:
    """Check ``value`` against the certificate's key; return the CMS encoding of it.

    ECDSA: WebCrypto gives raw r||s (64 bytes for P-256); CMS wants DER
    ``ECDSA-Sig-Value``. Both encodings are accepted.
    """
    data = state.signed_attributes
    try:
        if state.scheme == Scheme.ECDSA:
            if not isinstance(public_key, ec.EllipticCurvePublicKey):
                raise UnsupportedAlgorithmError("the certificate has no EC key")
            size = (public_key.curve.key_size + 7) // 8
            if len(value) == 2 * size:
                der = encode_dss_signature(int.from_bytes(value[:size], "big"),
                                           int.from_bytes(value[size:], "big"))
            else:
                try:
                    r, s = decode_dss_signature(value)
                except ValueError as exc:
                    raise SignatureValueError(
                        f"an ECDSA signature is {2 * size} raw bytes (r||s) or DER; "
                        f"got {len(value)} bytes") from exc
                der = encode_dss_signature(r, s)
            public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
            return der
        if not isinstance(public_key, rsa.RSAPublicKey):
            raise UnsupportedAlgorithmError("the certificate has no RSA key")
        if len(value) != (public_key.key_size + 7) // 8:
            raise SignatureValueError(f"an RSA-{public_key.key_size} signature is "
                                      f"{(public_key.key_size + 7) // 8} bytes, got {len(value)}")
        if state.scheme == Scheme.RSA_PSS:
            pad: padding.AsymmetricPadding = padding.PSS(
                mgf=padding.MGF1(hashes.SHA256()), salt_length=PSS_SALT_LENGTH)
        else:
            pad = padding.PKCS1v15()
        public_key.verify(value, data, pad, hashes.SHA256())
        return value
    except InvalidSignature as exc:
        raise SignatureValueError(
            "the signature value does not verify against the signer's certificate") from exc


def _check_state(state: SigningState) -> asn1_x509.Certificate:
    cert = asn1_x509.Certificate.load(state.certificate)
    pdf = state.prepared_pdf
    if not 0 < state.reserved_start < state.reserved_end <= len(pdf):
        raise InvalidStateError("the reserved region lies outside the prepared document")
    digest = hashlib.sha256(pdf[:state.reserved_start] + pdf[state.reserved_end:]).digest()
    if digest != state.document_digest:
        raise InvalidStateError("the document digest does not match the prepared document")
    try:
        attrs = cms.CMSAttributes.load(state.signed_attributes)
        by_type = {a["type"].native: a["values"][0] for a in attrs}
        md = by_type["message_digest"].native
        signing_cert_v2 = by_type["signing_certificate_v2"]
    except (KeyError, ValueError, TypeError) as exc:
        raise InvalidStateError(f"the signed attributes are malformed: {exc}") from exc
    if md != state.document_digest:
        raise InvalidStateError("the signed attributes are for another document")
    cert_hash = signing_cert_v2["certs"][0]["cert_hash"].native
    if cert_hash != hashlib.sha256(state.certificate).digest():
        raise InvalidStateError("the signed attributes name another certificate")
    return cert


def finish(state: SigningState | bytes, signature_value: bytes) -> SigningResult:
    """Embed the client's signature; returns the signed PDF at the state's level.

    Raises :class:`SignatureValueError` if ``signature_value`` does not verify with
    the certificate in the state (nothing is embedded then), and
    :class:`InvalidStateError` if the state is corrupt or inconsistent.
    With ``degrade`` set in the options given to :func:`prepare`, a TSA/OCSP outage
    gives a B-B signature with ``upgrade_pending``.
    """
    if isinstance(state, (bytes, bytearray)):
        state = SigningState.from_bytes(bytes(state))
    cert = _check_state(state)
    public_key = serialization.load_der_public_key(cert.public_key.dump())
    sig_der = _normalize_signature(state, public_key, bytes(signature_value))

    chain = [asn1_x509.Certificate.load(c) for c in state.chain]
    _scheme, mechanism = _mechanism(cert, state.scheme)
    ext_signer = signers.ExternalSigner(
        signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs([cert, *chain]),
        signature_value=sig_der, signature_mechanism=mechanism)
    attrs = cms.CMSAttributes.load(state.signed_attributes)
    reasons: list[str] = []
    level = state.level

    def _embed(with_timestamp: bool) -> bytes:
        timestamper = (make_timestamper(state.tsa_url, state.service_timeout)
                       if with_timestamp else None)

        async def _run() -> bytes:
            sig_cms = await ext_signer.async_sign_prescribed_attributes(
                DIGEST, signed_attrs=attrs, timestamper=timestamper)
            output = io.BytesIO(state.prepared_pdf)
            await PdfTBSDocument.async_finish_signing(
                output,
                PreparedByteRangeDigest(state.document_digest, state.reserved_start,
                                        state.reserved_end),
                sig_cms)
            return output.getvalue()

        try:
            return asyncio.run(_run())
        except SigningError:
            raise
        except (PyHankoSigningError, TimestampRequestError, PdfError, OSError,
                ValueError) as exc:
            raise _classify(exc) from exc

    try:
        pdf = _embed(level.needs_timestamp)
    except TimestampError as exc:
        if not state.degrade:
            raise
        reasons.append(str(exc))
        pdf = _embed(False)
        return SigningResult(pdf, Level.B_B, state.level, state.field_name, True,
                             "; ".join(reasons))
    reached = Level.B_T if level.needs_timestamp else Level.B_B
    if level.needs_revocation_data:
        try:
            up = upgrade(pdf, level, tsa_url=state.tsa_url,
                         trust_roots=tuple(Path(p) for p in state.trust_roots),
                         field_name=state.field_name, timeout=state.service_timeout)
        except ServiceUnavailableError as exc:
            if not state.degrade:
                raise
            return SigningResult(pdf, reached, level, state.field_name, True, str(exc))
        return up
    return SigningResult(pdf, reached, level, state.field_name, False, None)
