"""Service requests."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Date, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.accounts.models import User
from lk_corporate.clients.models import Client, Meter, MeteringPoint
from lk_corporate.core.db import Base, UTCDateTime, utcnow


def _enum(e: type[enum.Enum]) -> Enum:
    return Enum(e, native_enum=False, length=30, values_callable=lambda x: [m.value for m in x])


class RequestKind(str, enum.Enum):
    METER_REPLACEMENT = "meter_replacement"
    VERIFICATION = "verification"
    SEAL = "seal"
    MALFUNCTION = "malfunction"
    OTHER = "other"


class RequestStatus(str, enum.Enum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    REJECTED = "rejected"


class ServiceRequest(Base):
    """A client's request for work on its metering: what, where (optional), when suits, whom
    to call; who at the supplier handles it, and how it ended."""

    __tablename__ = "service_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    kind: Mapped[RequestKind] = mapped_column(_enum(RequestKind))
    # Where, when the client says: a metering point, or a meter (and so its point).
    point_id: Mapped[int | None] = mapped_column(ForeignKey("metering_points.id"), nullable=True)
    meter_id: Mapped[int | None] = mapped_column(ForeignKey("meters.id"), nullable=True)
    description: Mapped[str] = mapped_column(Text)
    preferred_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    contact_phone: Mapped[str] = mapped_column(String(60))
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True,
                                                       index=True)
    # The supplier's last word: what was done, or why the request was rejected.
    comment: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    client: Mapped[Client] = relationship(lazy="joined")
    point: Mapped[MeteringPoint | None] = relationship()
    meter: Mapped[Meter | None] = relationship()
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id], lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])

    @property
    def number(self) -> str:
        """How the request is called in pages and e-mails («Заявка № 12»)."""
        return str(self.id)
