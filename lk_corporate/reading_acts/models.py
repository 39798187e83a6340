"""What the portal knows about a reading act beyond its ``Document``.

The act itself is a ``docflow.Document`` of kind ``reading_act`` (status, number, every file
revision). ``ReadingAct`` adds what the act is *for*: the client and period, who submitted the
readings and how (client page, paper form, API), the SHA-256 of the readings attachment the
calculation checks the signed file against, the warnings the submitter confirmed (as
printed), the token of its public verification link, and — once the supplier accepted it —
the number of the calculation run it was accepted for.
"""

from __future__ import annotations

import datetime as dt
import enum
import json

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.core.db import Base, UTCDateTime, utcnow
from lk_corporate.docflow.models import Document


class ReadingSource(str, enum.Enum):
    """Where readings came from (the values are the API's ``source``)."""

    CLIENT = "client"  # the client's «Показания» page
    PAPER = "paper"  # an operator typing a paper form in
    API = "api"  # the client's accounting software


class ReadingAct(Base):
    __tablename__ = "reading_acts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("billing_periods.id"), index=True)
    source: Mapped[ReadingSource] = mapped_column(
        Enum(ReadingSource, native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]))
    submitted_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # SHA-256 of the embedded readings.json: the calculation refuses a file whose
    # attachment differs (documents.extract_readings_payload(expected_sha256=...)).
    payload_sha256: Mapped[str] = mapped_column(String(64))
    # JSON list of {"code": ..., "text": ...}: the warnings confirmed at submission, with the
    # Russian text the act prints.
    warnings: Mapped[str] = mapped_column(Text, default="[]")
    # The unguessable part of the act's public verification link (printed as a QR code).
    verify_token: Mapped[str] = mapped_column(String(40), unique=True)
    # «Принято к расчёту, расчёт № N»: set when the supplier's acceptance signature is added.
    calculation_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    document: Mapped[Document] = relationship(lazy="joined")

    @property
    def confirmed_warnings(self) -> list[dict[str, str]]:
        value = json.loads(self.warnings or "[]")
        return value if isinstance(value, list) else []
