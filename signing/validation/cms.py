"""CMS checks: decode the ``/Contents`` of a signature, verify digest, signature value, the
signing-certificate attribute, and RFC 3161 timestamp tokens.

The cryptographic primitive (a signature value over the DER of the signed attributes, for RSA
PKCS#1 v1.5/PSS, ECDSA, EdDSA) is pyhanko-certvalidator's; the rest (which certificate is the
signer, content-type/message-digest/signing-certificate/algorithm-protection attributes, what
is a format failure, what the timestamp imprint must cover) is done here.

The CMS may be BER (RFC 5652 allows it; signers write indefinite lengths). The signature value
is over the DER encoding of the signed attributes (RFC 5652, 5.4): when they arrive as DER
that is their original bytes; when they arrive as BER it is their DER re-encoding
(:func:`.ber.to_der`, which keeps every value as parsed). The encoding as read (the original
bytes when the lengths are definite) is also tried, as pyHanko and other validators do, for
signers that signed a slightly non-DER encoding (an unsorted SET OF…) as they wrote it;
either way the attribute values checked here are the ones that were signed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.exceptions import InvalidSignature
from pyhanko.sign.general import check_ess_certid
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator, SignatureValidationContext

from .ber import BerError, tlv_end, to_der
from .report import SubIndication

__all__ = ["CmsError", "SignerCheck", "TstCheck", "check_signer_info", "check_tst", "decode_contents", "find_attr"]


class CmsError(Exception):
    """The CMS cannot be decoded or is not what a PAdES signature contains."""

    def __init__(self, message: str, sub: SubIndication = SubIndication.FORMAT_FAILURE) -> None:
        super().__init__(message)
        self.sub = sub


_DECODE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)


def decode_contents(contents: bytes) -> cms.ContentInfo:
    """The CMS ContentInfo in a signature's ``/Contents``: exactly one BER (usually DER)
    structure followed by nothing but zero padding."""
    if not contents or not contents.strip(b"\x00"):
        raise CmsError("/Contents is empty or zeroed")
    if contents[0] != 0x30:
        raise CmsError("/Contents is not a CMS SEQUENCE")
    try:
        total = tlv_end(contents)
    except BerError as e:
        raise CmsError(f"/Contents is not a valid BER structure ({e})") from None
    if contents[total:].strip(b"\x00"):
        raise CmsError("/Contents has data after the CMS structure")
    try:
        ci = cms.ContentInfo.load(contents[:total], strict=True)
        if ci["content_type"].native != "signed_data":
            raise CmsError("/Contents is not CMS SignedData")
        # lazy parsing: touch the structure we rely on (a full .native would also decode
        # every embedded CRL, which can be megabytes)
        sd = ci["content"]
        len(sd["signer_infos"])
        sd["signer_infos"][0]["sid"].chosen  # noqa: B018
    except _DECODE_ERRORS as e:
        raise CmsError(f"/Contents is not a valid CMS structure: {e}") from None
    return ci


def find_attr(attrs: cms.CMSAttributes | None, name: str) -> list[object]:
    if attrs is None or not attrs:
        return []
    out: list[object] = []
    for a in attrs:
        if a["type"].native == name:
            out.extend(a["values"])
    return out


def _certs(signed_data: cms.SignedData) -> list[asn1_x509.Certificate]:
    out = []
    for choice in signed_data["certificates"] or []:
        if choice.name == "certificate":
            out.append(choice.chosen)
    return out


def _find_signer_cert(si: cms.SignerInfo, certs: list[asn1_x509.Certificate]) -> asn1_x509.Certificate | None:
    sid = si["sid"]
    if sid.name == "issuer_and_serial_number":
        ias = sid.chosen
        serial = ias["serial_number"].native
        issuer_der = ias["issuer"].dump()
        candidates = [c for c in certs if c.serial_number == serial]
        for c in candidates:  # byte-equal names first (cheap), then RFC 5280 comparison
            if c.issuer.dump() == issuer_der:
                return c
        for c in candidates:
            if c.issuer == ias["issuer"]:
                return c
    elif sid.name == "subject_key_identifier":
        for c in certs:
            if c.key_identifier == sid.chosen.native:
                return c
    return None


# Algorithms whose parameters are NULL or absent, both encodings naming the same algorithm:
# SHA-1 and SHA-2 (RFC 3370 2.1, RFC 5754 2) and RSA PKCS#1 v1.5 (RFC 3370 3.2, RFC 4055 5,
# RFC 8017 A.2.4). Signers differ on which they write, and may write one in the SignerInfo
# and the other in the algorithm-protection attribute.
_NULL_OR_ABSENT_PARAMETERS = frozenset({
    "1.3.14.3.2.26",  # sha1
    "2.16.840.1.101.3.4.2.1",  # sha256
    "2.16.840.1.101.3.4.2.2",  # sha384
    "2.16.840.1.101.3.4.2.3",  # sha512
    "2.16.840.1.101.3.4.2.4",  # sha224
    "2.16.840.1.101.3.4.2.5",  # sha512-224
    "2.16.840.1.101.3.4.2.6",  # sha512-256
    "1.2.840.113549.1.1.1",  # rsaEncryption
    "1.2.840.113549.1.1.5",  # sha1WithRSAEncryption
    "1.2.840.113549.1.1.11",  # sha256WithRSAEncryption
    "1.2.840.113549.1.1.12",  # sha384WithRSAEncryption
    "1.2.840.113549.1.1.13",  # sha512WithRSAEncryption
    "1.2.840.113549.1.1.14",  # sha224WithRSAEncryption
    "1.2.840.113549.1.1.15",  # sha512-224WithRSAEncryption
    "1.2.840.113549.1.1.16",  # sha512-256WithRSAEncryption
})


def _algorithm_value(alg: core.Sequence) -> tuple[str, str, object]:
    """An AlgorithmIdentifier as a comparable value: (OID, parameters' kind, parameters).

    Decoded, never compared as bytes: the same algorithm is encoded with another tag in the
    RFC 6211 attribute (``[1] IMPLICIT``), and its parameters may be BER or (for the
    algorithms above) NULL instead of absent. Parameters compare by their decoded value, so
    an RSASSA-PSS default written out equals the default left out.
    """
    oid: str = alg["algorithm"].dotted
    params = alg["parameters"]
    if isinstance(params, core.Any):
        params = params.parsed
    if isinstance(params, core.Void):
        return oid, "absent", None
    if isinstance(params, core.Null):
        return oid, "absent" if oid in _NULL_OR_ABSENT_PARAMETERS else "null", None
    return oid, "value", params.native


def _check_algorithm_protection(protection: cms.CMSAlgorithmProtection,
                                digest_algorithm: cms.DigestAlgorithm,
                                signature_algorithm: cms.SignedDigestAlgorithm) -> None:
    """RFC 6211: the algorithms the signer protected are the ones the SignerInfo names.

    The attribute is signed; a difference means someone substituted an algorithm in the
    unsigned SignerInfo fields (or the signer is broken), and the signature is refused.
    """
    protected_digest = protection["digest_algorithm"]
    if _algorithm_value(protected_digest) != _algorithm_value(digest_algorithm):
        raise CmsError(
            "the CMS algorithm protection attribute names another digest algorithm "
            f"({protected_digest['algorithm'].native}) than the SignerInfo "
            f"({digest_algorithm['algorithm'].native})"
        )
    protected_sig = protection["signature_algorithm"]
    if isinstance(protected_sig, core.Void):
        raise CmsError("the CMS algorithm protection attribute has no signature algorithm")
    if _algorithm_value(protected_sig) != _algorithm_value(signature_algorithm):
        raise CmsError(
            "the CMS algorithm protection attribute names another signature algorithm "
            f"({protected_sig['algorithm'].native}) than the SignerInfo "
            f"({signature_algorithm['algorithm'].native})"
        )


_SIG_VALIDATOR = DefaultSignatureValidator()


@dataclass(frozen=True)
class SignerCheck:
    signer_info: cms.SignerInfo
    cert: asn1_x509.Certificate | None
    certs: tuple[asn1_x509.Certificate, ...]
    digest_algorithm: str | None
    signature_algorithm: str | None
    digest_ok: bool
    signature_ok: bool
    signing_certificate_ok: bool
    has_signing_certificate_attr: bool
    failure: SubIndication | None
    message: str | None


def _unique_attr(attrs: cms.CMSAttributes, name: str, required: bool) -> Any:
    values = find_attr(attrs, name)
    if len(values) > 1 or sum(1 for a in attrs if a["type"].native == name) > 1:
        raise CmsError(f"more than one {name} attribute")
    if not values:
        if required:
            raise CmsError(f"the {name} attribute is missing")
        return None
    return values[0]


def check_signer_info(
    ci: cms.ContentInfo,
    digest_of: Callable[[str], bytes],
    expected_content_type: str,
) -> SignerCheck:
    """Verify the single SignerInfo of ``ci`` over data whose digest ``digest_of(algo)`` gives."""
    try:
        sd = ci["content"]
        infos = sd["signer_infos"]
        if len(infos) != 1:
            raise CmsError(f"{len(infos)} SignerInfos (exactly one expected)")
        si = infos[0]
        attrs = si["signed_attrs"]
        if isinstance(attrs, core.Void) or not len(attrs):
            raise CmsError("no signed attributes")
        # The bytes the signature covers: the DER of the attributes with the SET OF tag in
        # place of the [0] IMPLICIT one (RFC 5652, 5.4); see the module docstring.
        raw_attrs = attrs.dump()
        as_written = b"\x31" + raw_attrs[1:]
        try:
            der_attrs = to_der(as_written)
        except BerError as e:
            raise CmsError(f"the signed attributes are not a valid BER structure ({e})") from None
        signed_versions = [as_written] if der_attrs == as_written else [der_attrs, as_written]
        eci = sd["encap_content_info"]
        if expected_content_type == "data" and not isinstance(eci["content"], core.Void):
            raise CmsError("CMS is not detached (encapsulated content present)")
        certs = _certs(sd)
        md_algo = si["digest_algorithm"]["algorithm"].native
        sig_algo_obj = si["signature_algorithm"]
        sig_algo = sig_algo_obj["algorithm"].native
        cert = _find_signer_cert(si, certs)
        if cert is None:
            return SignerCheck(si, None, tuple(certs), md_algo, sig_algo, False, False, False, False,
                               SubIndication.NO_SIGNING_CERTIFICATE_FOUND,
                               "the signer's certificate is not in the CMS")
        ctype = _unique_attr(attrs, "content_type", True)
        if ctype.native != expected_content_type:
            raise CmsError(f"content-type attribute is {ctype.native}, not {expected_content_type}")
        embedded_digest = _unique_attr(attrs, "message_digest", True).native
        protection = _unique_attr(attrs, "cms_algorithm_protection", False)
        if protection is not None:
            _check_algorithm_protection(protection, si["digest_algorithm"], sig_algo_obj)
        ess_v2 = _unique_attr(attrs, "signing_certificate_v2", False)
        ess_v1 = _unique_attr(attrs, "signing_certificate", False)
        ess = ess_v2 if ess_v2 is not None else ess_v1
        ess_ok = True
        if ess is not None:
            ess_ok = bool(ess["certs"]) and check_ess_certid(cert, ess["certs"][0])
        try:
            digest = digest_of(md_algo)
        except ValueError:
            raise CmsError(f"unsupported digest algorithm {md_algo}") from None
        intact = digest == embedded_digest
        valid = False
        try:
            for signed_bytes in signed_versions:
                try:
                    _SIG_VALIDATOR.validate_signature(
                        si["signature"].native, signed_bytes, cert.public_key, sig_algo_obj,
                        context=SignatureValidationContext(contextual_md_algorithm=md_algo),
                    )
                except InvalidSignature:
                    continue
                valid = True
                break
        except _DECODE_ERRORS + (NotImplementedError,) as e:
            return SignerCheck(si, cert, tuple(certs), md_algo, sig_algo, intact, False, ess_ok,
                               ess is not None, SubIndication.SIG_CRYPTO_FAILURE,
                               f"signature cannot be verified: {e}")
    except CmsError:
        raise
    except _DECODE_ERRORS as e:
        raise CmsError(f"malformed CMS: {e}") from None
    failure = None
    message = None
    if not ess_ok:
        failure = SubIndication.NO_SIGNING_CERTIFICATE_FOUND
        message = "the signing-certificate attribute does not match the signer's certificate"
    elif not intact:
        failure, message = SubIndication.HASH_FAILURE, "the message digest does not match the signed bytes"
    elif not valid:
        failure, message = SubIndication.SIG_CRYPTO_FAILURE, "the signature value does not verify with the signer's key"
    return SignerCheck(si, cert, tuple(certs), md_algo, sig_algo, intact, valid, ess_ok, ess is not None,
                       failure, message)


@dataclass(frozen=True)
class TstCheck:
    gen_time: datetime | None
    cert: asn1_x509.Certificate | None
    certs: tuple[asn1_x509.Certificate, ...]
    imprint_ok: bool
    signature_ok: bool
    failure: SubIndication | None
    message: str | None
    revinfo_crls: tuple[bytes, ...] = ()


def check_tst(token: cms.ContentInfo, imprint_of: Callable[[str], bytes]) -> TstCheck:
    """Verify an RFC 3161 token: its signature over TSTInfo and that its message imprint
    equals ``imprint_of(hash_algorithm)``."""
    try:
        if token["content_type"].native != "signed_data":
            raise CmsError("timestamp token is not SignedData")
        sd = token["content"]
        eci = sd["encap_content_info"]
        if eci["content_type"].native != "tst_info":
            raise CmsError("timestamp token does not contain TSTInfo")
        # the eContent octets (a BER constructed OCTET STRING is the concatenation of its
        # segments), which the message-digest attribute covers (RFC 5652, 5.4)
        raw_tst = bytes(eci["content"])
        tst_info = tsp.TSTInfo.load(raw_tst)
        gen_time = tst_info["gen_time"].native
        mi = tst_info["message_imprint"]
        mi_algo = mi["hash_algorithm"]["algorithm"].native
        try:
            expected = imprint_of(mi_algo)
        except ValueError:
            raise CmsError(f"unsupported imprint algorithm {mi_algo}") from None
        imprint_ok = mi["hashed_message"].native == expected
        sc = check_signer_info(token, lambda algo: hashlib.new(algo, raw_tst).digest(), "tst_info")
    except CmsError as e:
        return TstCheck(None, None, (), False, False, e.sub if e.sub is not SubIndication.FORMAT_FAILURE else SubIndication.FORMAT_FAILURE, f"timestamp: {e}")
    except _DECODE_ERRORS as e:
        return TstCheck(None, None, (), False, False, SubIndication.FORMAT_FAILURE, f"timestamp: malformed token: {e}")
    failure, message = sc.failure, sc.message
    if failure is None and not imprint_ok:
        failure, message = SubIndication.HASH_FAILURE, "the timestamp's message imprint does not match"
    return TstCheck(gen_time, sc.cert, sc.certs, imprint_ok, sc.digest_ok and sc.signature_ok, failure,
                    f"timestamp: {message}" if message else None)
