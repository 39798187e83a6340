"""Who a signing certificate names: person, organisation, tax ID, serial, validity.

Used by the visible stamp and by the certificate guard before signing. The tax ID
is read from the Russian ИНН attribute (1.2.643.3.131.1.1), then ИНН ЮЛ
(1.2.643.100.4), then an ETSI organizationIdentifier such as ``VATRU-7712345671``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.x509.oid import NameOID

__all__ = ["OID_INN", "OID_INNLE", "CertificateSummary", "describe_certificate"]

OID_INN = x509.ObjectIdentifier("1.2.643.3.131.1.1")
OID_INNLE = x509.ObjectIdentifier("1.2.643.100.4")


@dataclass(frozen=True)
class CertificateSummary:
    """The human-facing facts of a certificate."""

    person: str
    organization: str | None
    title: str | None
    tax_id: str | None
    serial_hex: str
    issuer: str
    not_before: dt.datetime
    not_after: dt.datetime

    def is_valid_at(self, when: dt.datetime) -> bool:
        return self.not_before <= when <= self.not_after


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    attrs = name.get_attributes_for_oid(oid)
    if not attrs:
        return None
    value = attrs[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def _tax_id(name: x509.Name) -> str | None:
    for oid in (OID_INN, OID_INNLE):
        value = _first(name, oid)
        if value:
            # 12-digit legal-entity ИНН are written with two leading zeros.
            return value[2:] if len(value) == 12 and value.startswith("00") else value
    org_id = _first(name, NameOID.ORGANIZATION_IDENTIFIER)
    if org_id:
        match = re.fullmatch(r"(?:VAT|NTR|TIN|INN)RU-(\d{10}|\d{12})", org_id)
        if match:
            return match.group(1)
    return None


def describe_certificate(cert: asn1_x509.Certificate | x509.Certificate | bytes
                         ) -> CertificateSummary:
    """Summarise an asn1crypto/cryptography certificate or its DER."""
    if isinstance(cert, asn1_x509.Certificate):
        cert = cert.dump()
    if isinstance(cert, bytes):
        cert = x509.load_der_x509_certificate(cert)
    subject = cert.subject
    person = _first(subject, NameOID.COMMON_NAME) or subject.rfc4514_string()
    return CertificateSummary(
        person=person,
        organization=_first(subject, NameOID.ORGANIZATION_NAME),
        title=_first(subject, NameOID.TITLE),
        tax_id=_tax_id(subject),
        serial_hex=format(cert.serial_number, "X"),
        issuer=_first(cert.issuer, NameOID.COMMON_NAME) or cert.issuer.rfc4514_string(),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )
