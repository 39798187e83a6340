"""A client's registered signing certificates.

A certificate signs for a client when its subject carries the client's tax ID, or when an
operator registered it for the client here (SPEC, "Who may sign for a client") — e.g. an
employee's personal certificate without the company's ИНН, or one from a foreign CA that
names the company differently. The certificate itself is kept (PEM) so the registration can
be shown and checked later; unregistering keeps the row and sets ``revoked_at``, so the audit
log and old validation reports still find what was registered when.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.db import Base, UTCDateTime, utcnow


class ClientCertificate(Base):
    __tablename__ = "client_certificates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    # SHA-256 of the DER certificate, lowercase hex: what ``authorized_for`` compares.
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    subject: Mapped[str] = mapped_column(Text)
    person: Mapped[str] = mapped_column(String(300), default="")
    organization: Mapped[str] = mapped_column(String(300), default="")
    tax_id: Mapped[str] = mapped_column(String(20), default="")
    issuer: Mapped[str] = mapped_column(Text)
    serial_hex: Mapped[str] = mapped_column(String(80))
    valid_from: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_to: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    pem: Mapped[str] = mapped_column(Text)
    registered_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    registered_by: Mapped[str] = mapped_column(String(200), default="")
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_by: Mapped[str] = mapped_column(String(200), default="")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
