"""Fast assembly of the PAdES CMS (SignedData) for server signing.

pyHanko builds the CMS with asn1crypto object graphs and re-serialises every
certificate for each signature; for a one-page document that is most of the
time spent signing. The structure of a PAdES baseline signature is fixed, so
the constant parts (certificates, signer identifier, algorithm identifiers, the
signing-certificate-v2 attribute) are encoded once per identity and each
signature only encodes the message digest, the signature value and, at B-T, the
timestamp token. The result is byte-for-byte what pyHanko would produce (same
attributes, same order, DER) minus its duplicate copy of the signer certificate.

Only the common case takes this path (SHA-256, PAdES, no extra signed
attributes); anything else goes through pyHanko unchanged.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.general import as_signing_certificate_v2

__all__ = ["CmsTemplate", "build_template", "message_imprint_of", "signed_attributes",
           "signed_data", "signed_data_der"]


def _len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(raw)]) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _len(len(content)) + content


@functools.lru_cache(maxsize=64)
def _oid(dotted: str) -> bytes:
    der: bytes = core.ObjectIdentifier(dotted).dump()
    return der


def _attribute(oid: str, value_der: bytes) -> bytes:
    # Attribute ::= SEQUENCE { attrType OID, attrValues SET OF ANY }
    return _tlv(0x30, _oid(oid) + _tlv(0x31, value_der))


OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_CERT_V2 = "1.2.840.113549.1.9.16.2.47"
OID_SIG_TIMESTAMP = "1.2.840.113549.1.9.16.2.14"
OID_DATA = "1.2.840.113549.1.7.1"
OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_VERSION_1 = core.Integer(1).dump()


@dataclass(frozen=True)
class CmsTemplate:
    """The per-identity constant parts of the CMS, already DER-encoded."""

    content_type_attr: bytes
    signing_cert_attr: bytes
    signer_identifier: bytes
    digest_algorithm: bytes
    signature_algorithm: bytes
    certificates: bytes  # the [0] IMPLICIT SET OF Certificate
    encap_content_info: bytes


def build_template(signing_cert: asn1_x509.Certificate, others: list[asn1_x509.Certificate],
                   signature_mechanism: algos.SignedDigestAlgorithm) -> CmsTemplate:
    """Encode once what every signature by this certificate shares."""
    sid = cms.IssuerAndSerialNumber({"issuer": signing_cert.issuer,
                                     "serial_number": signing_cert.serial_number}).dump()
    seen: dict[bytes, bytes] = {}
    for cert in [signing_cert, *others]:
        der = cert.dump()
        seen.setdefault(hashlib.sha256(der).digest(), der)
    certs = b"".join(sorted(seen.values()))  # DER SET OF: sorted encodings
    return CmsTemplate(
        content_type_attr=_attribute(OID_CONTENT_TYPE, _oid(OID_DATA)),
        signing_cert_attr=_attribute(OID_SIGNING_CERT_V2,
                                     as_signing_certificate_v2(signing_cert).dump()),
        signer_identifier=sid,
        digest_algorithm=algos.DigestAlgorithm({"algorithm": "sha256"}).dump(),
        signature_algorithm=signature_mechanism.dump(),
        certificates=_tlv(0xA0, certs),
        encap_content_info=_tlv(0x30, _oid(OID_DATA)),
    )


def signed_attributes(template: CmsTemplate, message_digest: bytes) -> bytes:
    """DER of the signed attributes (SET OF, tag 0x31): what the private key signs."""
    md = _attribute(OID_MESSAGE_DIGEST, _tlv(0x04, message_digest))
    return _tlv(0x31, b"".join(sorted([template.content_type_attr, md,
                                       template.signing_cert_attr])))


def signed_data(template: CmsTemplate, attrs_set: bytes, signature: bytes,
                timestamp_token: Any | None = None) -> cms.ContentInfo:
    """The ContentInfo(SignedData) around ``attrs_set`` and ``signature``."""
    return cms.ContentInfo.load(signed_data_der(template, attrs_set, signature, timestamp_token))


def signed_data_der(template: CmsTemplate, attrs_set: bytes, signature: bytes,
                    timestamp_token: Any | None = None) -> bytes:
    """:func:`signed_data` as DER bytes (no asn1crypto object around them)."""
    # The signed attributes go in as [0] IMPLICIT: same content, context tag 0xA0.
    signed_attrs_field = b"\xa0" + attrs_set[1:]
    signer_info = (_VERSION_1 + template.signer_identifier + template.digest_algorithm
                   + signed_attrs_field + template.signature_algorithm
                   + _tlv(0x04, signature))
    if timestamp_token is not None:
        token_der = timestamp_token.dump() if hasattr(timestamp_token, "dump") else timestamp_token
        signer_info += _tlv(0xA1, _attribute(OID_SIG_TIMESTAMP, token_der))
    sd = (_VERSION_1 + _tlv(0x31, template.digest_algorithm) + template.encap_content_info
          + template.certificates + _tlv(0x31, _tlv(0x30, signer_info)))
    return _tlv(0x30, _oid(OID_SIGNED_DATA) + _tlv(0xA0, _tlv(0x30, sd)))


def message_imprint_of(signature: bytes) -> bytes:
    """SHA-256 of the signature value: what a signature timestamp covers (RFC 3161/5652)."""
    return hashlib.sha256(signature).digest()


_ = tsp  # asn1crypto.tsp registers the TSTInfo content type used by timestamp tokens
