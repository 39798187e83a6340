"""The ledger of scheduled notices: what was sent once and must not be sent again."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.db import Base, UTCDateTime, utcnow


class NotificationSent(Base):
    """A scheduled notice of ``kind`` about ``subject_key`` (``period:12``,
    ``certificate:<sha256>``) went to the people of ``client_id``.

    The unique key makes "once" hold across runs and workers: a second job that reaches the
    same notice fails to insert the row and sends nothing.
    """

    __tablename__ = "notifications_sent"
    __table_args__ = (UniqueConstraint("kind", "client_id", "subject_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    subject_key: Mapped[str] = mapped_column(String(100))
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
