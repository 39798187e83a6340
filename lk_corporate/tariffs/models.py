"""Tariffs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Date, Enum, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.clients.models import Service
from lk_corporate.core.db import Base, Quantity


class Tariff(Base):
    """A price per unit without VAT, for one service and zone, valid from a date (inclusive)
    until a date (inclusive) or open-ended."""

    __tablename__ = "tariffs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[Service] = mapped_column(
        Enum(Service, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    zone: Mapped[str] = mapped_column(String(20), default="single")
    tariff_group: Mapped[str] = mapped_column(String(20), default="")
    unit: Mapped[str] = mapped_column(String(20))
    price: Mapped[Decimal] = mapped_column(Quantity)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
