"""The notice of a signature certificate, registered for a client, that expires within 30 days.

The registered certificates (``certificates.ClientCertificate``) are read through the small
``CertificateSource`` protocol below: ``registered_certificates`` is the source the job uses,
and a test can hand it another with ``use_certificate_source``. This package imports the
certificates package, never the other way round.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select

from lk_corporate.accounts.preferences import NotificationKind
from lk_corporate.certificates.models import ClientCertificate
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_
from lk_corporate.core.i18n import format_date
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.notifications.operations import Shown, claim_once, notify, portal_link

log = logging.getLogger(__name__)

NOTICE_DAYS = 30
"""How long before its expiry a certificate is announced."""

CERTIFICATE_EXPIRING = N_("Your signature certificate expires on %(expires)s")


@dataclass(frozen=True)
class ExpiringCertificate:
    """A certificate registered for a client, as the notice needs it."""

    client_id: int
    """The client it is registered for (its users with the signing right are told)."""
    fingerprint: str
    """SHA-256 of the certificate (hex): the notice goes once per certificate and client."""
    holder: str
    """Who holds it, as people read it (name, organisation)."""
    serial: str
    """The serial number (hex), as the signature stamp prints it."""
    not_after: dt.datetime
    """When it expires (aware)."""


class CertificateSource(Protocol):
    """Yields the certificates registered for clients that expire in ``(now, until]``."""

    def __call__(self, session: DbSession, *, now: dt.datetime,
                 until: dt.datetime) -> Iterable[ExpiringCertificate]: ...


def registered_certificates(session: DbSession, *, now: dt.datetime,
                            until: dt.datetime) -> Iterable[ExpiringCertificate]:
    """The certificates registered for clients (and not unregistered) expiring in
    ``(now, until]``."""
    rows = session.scalars(select(ClientCertificate).where(
        ClientCertificate.revoked_at.is_(None), ClientCertificate.valid_to > now,
        ClientCertificate.valid_to <= until).order_by(ClientCertificate.id))
    return [ExpiringCertificate(
                client_id=row.client_id, fingerprint=row.sha256,
                holder=", ".join(part for part in (row.person, row.organization) if part)
                or row.subject,
                serial=row.serial_hex, not_after=row.valid_to)
            for row in rows]


_source: CertificateSource = registered_certificates


def use_certificate_source(source: CertificateSource | None) -> None:
    """Make the job read ``source`` (None: back to ``registered_certificates``)."""
    global _source
    _source = source or registered_certificates


def expiring_certificates(session: DbSession, *, now: dt.datetime,
                          days: int = NOTICE_DAYS) -> list[ExpiringCertificate]:
    """The certificates to announce at ``now``: expiring within ``days``, not yet expired."""
    until = now + dt.timedelta(days=days)
    return [cert for cert in _source(session, now=now, until=until)
            if now < cert.not_after <= until]


def announce_expiry(session: DbSession, cert: ExpiringCertificate) -> list[OutgoingMail] | None:
    """Tell the client's signers that ``cert`` expires, once (None: it was told already)."""
    if not claim_once(session, kind=NotificationKind.CERTIFICATE_EXPIRING,
                      client_id=cert.client_id, key=f"certificate:{cert.fingerprint}"):
        return None
    return notify(session, client_id=cert.client_id,
                  kind=NotificationKind.CERTIFICATE_EXPIRING,
                  subject_msgid=CERTIFICATE_EXPIRING, template="certificate_expiring",
                  context={"certificate": cert, "expires": Shown(cert.not_after, format_date),
                           "link": portal_link("web.index")})
