"""Billing periods."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.db import Base, UTCDateTime, utcnow


class PeriodStatus(str, enum.Enum):
    PLANNED = "planned"
    OPEN = "open"  # readings accepted from the calculation date until invoicing
    CLOSED = "closed"


class BillingPeriod(Base):
    """A month of supply. Reading entry opens on the calculation date; the calculation must
    follow within ``CALCULATION_DAYS`` days (SPEC, step 1)."""

    __tablename__ = "billing_periods"
    __table_args__ = (UniqueConstraint("year", "month"),)

    CALCULATION_DAYS = 5

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer)
    calculation_date: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[PeriodStatus] = mapped_column(
        Enum(PeriodStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=PeriodStatus.PLANNED,
    )
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def calculation_deadline(self) -> dt.date:
        return self.calculation_date + dt.timedelta(days=self.CALCULATION_DAYS)

    @property
    def label(self) -> str:
        return f"{self.month:02d}.{self.year}"
