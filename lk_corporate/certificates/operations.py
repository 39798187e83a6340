"""Register a client's signing certificate from an uploaded file, list them, unregister one.

The file may be what a CA or a browser exports: PEM (``.pem``, ``.crt``, ``.cer`` as text,
possibly with the chain) or DER (``.cer``, ``.crt``). The signer's certificate is the one
that is not a CA; a CA certificate alone is refused (registering a CA would make every
certificate it issued sign for the client). Every refusal names the ``file`` field and
comes before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from sqlalchemy import select

from lk_corporate.certificates.models import ClientCertificate
from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from signing.certinfo import describe_certificate
from signing.validation.errors import ValidationError
from signing.validation.trust import fingerprint, load_certificates

MAX_CERTIFICATE_BYTES = 64 * 1024
"""A certificate file is a few kilobytes; a chain a few more."""


class CertificateError(DomainError):
    code = "certificate_refused"


def _signer_certificate(data: bytes) -> asn1_x509.Certificate:
    if not data:
        raise CertificateError(N_("Choose the certificate file."), "file")
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise CertificateError(N_("This is not a certificate file: it is larger than "
                                  "%(kb)s KB."), "file", kb=MAX_CERTIFICATE_BYTES // 1024)
    try:
        certificates = load_certificates(data)
    except (ValidationError, ValueError, TypeError):
        certificates = []
    if not certificates:
        raise CertificateError(N_("The file is not a certificate. Upload the signer's "
                                  "certificate as a .cer, .crt or .pem file (DER or PEM)."),
                               "file")
    signers = [c for c in certificates if not c.ca]
    if not signers:
        raise CertificateError(N_("The file holds only a certification authority's "
                                  "certificate. Upload the signer's own certificate."), "file")
    return signers[0]


def register_certificate(session: DbSession, client: Client, data: bytes, *, actor: Actor,
                         now: dt.datetime | None = None) -> ClientCertificate:
    """Register the signer's certificate in ``data`` for ``client``."""
    cert = _signer_certificate(data)
    now = now or utcnow()
    summary = describe_certificate(cert)
    if summary.not_after < now:
        raise CertificateError(N_("The certificate expired on %(date)s: it can no longer "
                                  "sign anything."), "file", date=summary.not_after.date())
    digest = fingerprint(cert)
    clash = session.scalar(select(ClientCertificate.id).where(
        ClientCertificate.client_id == client.id, ClientCertificate.sha256 == digest,
        ClientCertificate.revoked_at.is_(None)).limit(1))
    if clash is not None:
        raise CertificateError(N_("This certificate is already registered for the client."),
                               "file")
    row = ClientCertificate(
        client_id=client.id, sha256=digest, subject=cert.subject.human_friendly[:2000],
        person=summary.person[:300], organization=(summary.organization or "")[:300],
        tax_id=(summary.tax_id or "")[:20], issuer=cert.issuer.human_friendly[:2000],
        serial_hex=summary.serial_hex[:80], valid_from=summary.not_before,
        valid_to=summary.not_after, pem=pem.armor("CERTIFICATE", cert.dump()).decode("ascii"),
        registered_by_id=actor.user_id, registered_by=actor.name[:200], registered_at=now)
    session.add(row)
    session.flush()
    record(session, "certificate.registered", actor=actor, object_type="client_certificate",
           object_id=row.id, details={"client_id": client.id, "sha256": digest,
                                      "person": row.person, "serial": row.serial_hex,
                                      "valid_to": row.valid_to.isoformat()})
    return row


def get_certificate(session: DbSession, client_id: int, certificate_id: int) -> ClientCertificate:
    row = session.scalars(select(ClientCertificate).where(
        ClientCertificate.id == certificate_id, ClientCertificate.client_id == client_id)).first()
    if row is None:
        raise NotFound(N_("No such certificate."))
    return row


def unregister_certificate(session: DbSession, row: ClientCertificate, *,
                           actor: Actor) -> ClientCertificate:
    """The certificate no longer signs for the client (acts it signed before stay as they
    were judged); the row stays for the record."""
    if row.revoked_at is not None:
        raise CertificateError(N_("The certificate is not registered any more."))
    row.revoked_at = utcnow()
    row.revoked_by = actor.name[:200]
    session.flush()
    record(session, "certificate.unregistered", actor=actor, object_type="client_certificate",
           object_id=row.id, details={"client_id": row.client_id, "sha256": row.sha256,
                                      "person": row.person})
    return row


def client_certificates(session: DbSession, client_id: int) -> Sequence[ClientCertificate]:
    """Registered first, newest first; unregistered ones after them."""
    return session.scalars(select(ClientCertificate)
                           .where(ClientCertificate.client_id == client_id)
                           .order_by(ClientCertificate.revoked_at.is_not(None),
                                     ClientCertificate.registered_at.desc(),
                                     ClientCertificate.id.desc())).all()


def registered_fingerprints(session: DbSession, client_id: int) -> frozenset[str]:
    """The SHA-256 fingerprints of the certificates registered (and not unregistered) for
    the client: what ``signing.validation.authorized_for`` takes."""
    return frozenset(session.scalars(select(ClientCertificate.sha256).where(
        ClientCertificate.client_id == client_id, ClientCertificate.revoked_at.is_(None))))
