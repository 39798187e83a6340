"""Build CRLs for the demo authorities.

Used by ``lk pki init`` (an initial CRL per authority, written to ``DIR/crl/``)
and by the loopback service, which re-issues a fresh CRL on request so that a
long-running demo never serves a stale one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from lk_corporate.pki.keys import PrivateKey, signature_hash

REASONS = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
}


@dataclass(frozen=True)
class Revocation:
    """One revoked certificate: who issued it, its serial, when and why."""

    issuer: str
    serial: int
    revoked_at: dt.datetime
    reason: str


def build_crl(ca_cert: x509.Certificate, ca_key: PrivateKey, revocations: Iterable[Revocation],
              *, now: dt.datetime, validity: dt.timedelta = dt.timedelta(days=7)) -> bytes:
    """A DER CRL signed by the CA, listing ``revocations``; times in whole seconds."""
    now = now.replace(microsecond=0)
    ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now)
        .next_update(now + validity)
        .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski),
                       critical=False)
    )
    for rev in revocations:
        entry = (
            x509.RevokedCertificateBuilder()
            .serial_number(rev.serial)
            .revocation_date(rev.revoked_at.replace(microsecond=0))
            .add_extension(x509.CRLReason(REASONS[rev.reason]), critical=False)
            .build()
        )
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, signature_hash(ca_key)).public_bytes(Encoding.DER)


__all__ = ["REASONS", "Revocation", "build_crl"]
