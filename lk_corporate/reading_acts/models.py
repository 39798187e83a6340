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
from decimal import Decimal

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.core.db import Base, Quantity, UTCDateTime, utcnow
from lk_corporate.docflow.models import Document


class ReadingSource(str, enum.Enum):
    """Where readings came from (the values are the API's ``source``)."""

    CLIENT = "client"  # the client's «Показания» page
    PAPER = "paper"  # an operator typing a paper form in
    API = "api"  # the client's accounting software
    CORRECTION = "correction"  # a reading the supplier's engineer corrected (reading_review)


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
    # An engineer of the supplier checked the readings (as corrected, if they were): who and
    # when. A correction after the confirmation clears it (the readings changed).
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    confirmed_by: Mapped[str] = mapped_column(String(200), default="", server_default="")

    document: Mapped[Document] = relationship(lazy="joined")

    @property
    def confirmed_warnings(self) -> list[dict[str, str]]:
        value = json.loads(self.warnings or "[]")
        return value if isinstance(value, list) else []


class ReadingCorrection(Base):
    """One reading of an act corrected by the supplier's engineer, with the reason.

    The value that counts is in the signed correction document (its ``corrections.json``);
    this row is the database's copy
    the calculation compares it with, and what the pages list. ``seq`` numbers the act's
    corrections (1, 2, …); ``correction_document_id`` is the supplier-signed «Акт
    корректировки показаний» (``documents.reading_corrections``) that carries it, and
    ``payload_sha256`` the SHA-256 of its ``corrections.json``.
    """

    __tablename__ = "reading_corrections"
    __table_args__ = (UniqueConstraint("act_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("reading_acts.id"), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    service: Mapped[str] = mapped_column(String(30))
    point: Mapped[str] = mapped_column(String(200))
    factory_number: Mapped[str] = mapped_column(String(60))
    zone: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str] = mapped_column(String(20), default="")
    old_value: Mapped[Decimal] = mapped_column(Quantity)
    old_consumption: Mapped[Decimal] = mapped_column(Quantity)
    new_value: Mapped[Decimal] = mapped_column(Quantity)
    new_consumption: Mapped[Decimal] = mapped_column(Quantity)
    reason: Mapped[str] = mapped_column(Text)
    engineer_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    engineer: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    correction_document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"),
                                                        unique=True)
    payload_sha256: Mapped[str] = mapped_column(String(64))

    correction_document: Mapped[Document] = relationship(
        foreign_keys=[correction_document_id], lazy="joined")


class PeriodReadingCheck(Base):
    """A period's rule set on «Проверка показаний»: with ``confirmation_required`` the
    calculation charges only acts an engineer confirmed (``ReadingAct.confirmed_at``); the
    others are skipped with that reason on the period board."""

    __tablename__ = "period_reading_checks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("billing_periods.id"), unique=True)
    confirmation_required: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_by: Mapped[str] = mapped_column(String(200), default="")
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
