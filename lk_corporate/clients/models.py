"""Clients, metering points and meters."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import Boolean, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.core.db import Base, Quantity, UTCDateTime, utcnow
from lk_corporate.core.requisites import RequisitesColumns


class Client(RequisitesColumns, Base):
    """A legal entity with a supply contract; the unit of data scope in the portal."""

    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_number: Mapped[str] = mapped_column(String(40), unique=True)
    contract_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    points: Mapped[list[MeteringPoint]] = relationship(
        back_populates="client", order_by="MeteringPoint.id", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str:
        return self.short_name or self.name


class Service(str, enum.Enum):
    """What a meter measures; the value is stored, the label is translated in the UI."""

    ELECTRICITY = "electricity"
    COLD_WATER = "cold_water"
    HOT_WATER = "hot_water"
    HEAT = "heat"


class MeterStatus(str, enum.Enum):
    INSTALLED = "installed"
    REMOVED = "removed"


class MeteringPoint(Base):
    """A place where supply is metered (a feeder, a water inlet): holds one or more meters."""

    __tablename__ = "metering_points"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(500), default="")

    client: Mapped[Client] = relationship(back_populates="points")
    meters: Mapped[list[Meter]] = relationship(
        back_populates="point", order_by="Meter.id", cascade="all, delete-orphan"
    )


class Meter(Base):
    """A meter with everything the reading rules need (SPEC, "The month cycle", step 2)."""

    __tablename__ = "meters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("metering_points.id"), index=True)
    # Denormalised from the point so that every query can be scoped to a client directly.
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    service: Mapped[Service] = mapped_column(
        Enum(Service, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    factory_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    verification_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[MeterStatus] = mapped_column(
        Enum(MeterStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=MeterStatus.INSTALLED,
    )
    # Integer digits of the register and decimals shown after the separator.
    digits: Mapped[int] = mapped_column(Integer, default=6)
    decimals: Mapped[int] = mapped_column(Integer, default=3)
    ct_ratio: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(1))
    vt_ratio: Mapped[Decimal] = mapped_column(Quantity, default=Decimal(1))
    # Comma-separated tariff zones, e.g. "single" or "day,night".
    zones: Mapped[str] = mapped_column(String(60), default="single")
    max_consumption: Mapped[Decimal | None] = mapped_column(Quantity, nullable=True)
    installed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    removed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    notes: Mapped[str] = mapped_column(Text, default="")

    point: Mapped[MeteringPoint] = relationship(back_populates="meters")
    installation_readings: Mapped[list[MeterInstallationReading]] = relationship(
        order_by="MeterInstallationReading.id", cascade="all, delete-orphan", lazy="selectin")

    @property
    def zone_list(self) -> list[str]:
        return [z for z in self.zones.split(",") if z]

    def installation_reading(self, zone: str) -> Decimal | None:
        """The register's reading in ``zone`` when the meter was installed (None: unknown)."""
        return next((r.value for r in self.installation_readings if r.zone == zone), None)


class MeterInstallationReading(Base):
    """What the register showed, per tariff zone, when the meter was installed (dated
    ``Meter.installed_on``): the first consumption of a new meter is counted from it, until
    an accepted reading takes its place."""

    __tablename__ = "meter_installation_readings"
    __table_args__ = (UniqueConstraint("meter_id", "zone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    meter_id: Mapped[int] = mapped_column(ForeignKey("meters.id"), index=True)
    zone: Mapped[str] = mapped_column(String(20))
    value: Mapped[Decimal] = mapped_column(Quantity)
