"""What the portal knows about a limit request beyond its ``Document``: the year and the
twelve monthly volumes of each metering point, as the client entered them and the PDF
prints them (``approved_limits`` reads them back once the supplier approved the request)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.core.db import Base, Quantity, UTCDateTime, utcnow
from lk_corporate.docflow.models import Document


class LimitRequest(Base):
    __tablename__ = "limit_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    submitted_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    submitted_by: Mapped[str] = mapped_column(String(200), default="")
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    document: Mapped[Document] = relationship(lazy="joined")
    volumes: Mapped[list[LimitVolume]] = relationship(
        back_populates="request", order_by="(LimitVolume.point_id, LimitVolume.month)",
        cascade="all, delete-orphan")


class LimitVolume(Base):
    """One point's volume for one month (1–12), kWh."""

    __tablename__ = "limit_volumes"
    __table_args__ = (UniqueConstraint("request_id", "point_id", "month"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("limit_requests.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("metering_points.id"), index=True)
    month: Mapped[int] = mapped_column(Integer)
    volume: Mapped[Decimal] = mapped_column(Quantity)

    request: Mapped[LimitRequest] = relationship(back_populates="volumes")
