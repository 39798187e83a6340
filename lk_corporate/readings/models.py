"""Meter readings: one row per meter, tariff zone and submission.

A row keeps what was entered (a register reading, or the consumption since the previous
reading — ``mode``), what it was computed from (the previous reading's value, date and
source, so the consumption can be re-checked years later without guessing which reading
was "previous" at the time), the result (``value``: the register; ``consumption``: times the
CT and VT ratios), who entered it and how, and the act it was signed in. Rows are never
edited: a new submission makes new rows and the old ones become superseded with their act.

Status follows the act (``reading_acts.signals.act_moved``): pending until the act is
accepted; accepted; superseded when a newer act of the period replaced it; rejected when
the supplier rejected the act's readings. A rejected *signature* leaves the readings pending.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.clients.models import Meter
from lk_corporate.core.db import Base, Quantity, UTCDateTime, utcnow
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.readings.rules import EntryMode


def _enum(e: type[enum.Enum]) -> Enum:
    return Enum(e, native_enum=False, length=20, values_callable=lambda x: [m.value for m in x])


class ReadingStatus(str, enum.Enum):
    PENDING = "pending"  # entered; its act is not accepted (yet)
    ACCEPTED = "accepted"  # its act is accepted: the calculation uses it
    SUPERSEDED = "superseded"  # a newer submission of the period replaced it
    REJECTED = "rejected"  # the supplier rejected the act's readings


class Reading(Base):
    __tablename__ = "readings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("billing_periods.id"), index=True)
    zone: Mapped[str] = mapped_column(String(20))
    mode: Mapped[EntryMode] = mapped_column(_enum(EntryMode), default=EntryMode.READING)
    # What was typed, as typed (the audit of "what did the client really enter").
    entered: Mapped[str] = mapped_column(String(40), default="")
    value: Mapped[Decimal] = mapped_column(Quantity)
    consumption: Mapped[Decimal] = mapped_column(Quantity)
    rollover: Mapped[bool] = mapped_column(Boolean, default=False)
    previous_value: Mapped[Decimal] = mapped_column(Quantity)
    previous_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # "client" / "paper" / "api" (an accepted reading) or "installation" (the meter's).
    previous_source: Mapped[str] = mapped_column(String(20), default="")
    previous_reading_id: Mapped[int | None] = mapped_column(ForeignKey("readings.id"),
                                                            nullable=True)
    # The date the reading was taken for (the supplier's local date of the submission).
    reading_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[ReadingSource] = mapped_column(_enum(ReadingSource))
    entered_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    entered_by: Mapped[str] = mapped_column(String(200), default="")
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True,
                                                    index=True)
    status: Mapped[ReadingStatus] = mapped_column(_enum(ReadingStatus), index=True,
                                                  default=ReadingStatus.PENDING)
    # JSON list of the warning codes confirmed for this row (e.g. over_max_consumption:7:day).
    confirmed: Mapped[str] = mapped_column(Text, default="[]")

    meter: Mapped[Meter] = relationship(lazy="joined")

    @property
    def confirmed_codes(self) -> list[str]:
        value = json.loads(self.confirmed or "[]")
        return [str(v) for v in value] if isinstance(value, list) else []
