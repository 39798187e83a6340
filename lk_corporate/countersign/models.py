"""One countersigning of one document, as a staff member asked for it and as it ended.

A batch («Подписать выбранные») makes one ``CountersignResult`` per selected document and one
job per row; the job writes the outcome back (signed, or failed with the reason), so the
queue page shows a result per document however long the signing takes. Two rows for one
document (a double click, two signers at once) still sign it once: the job locks the
document and the second finds it accepted already.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.core.db import Base, UTCDateTime, utcnow
from lk_corporate.core.i18n import load_params, message_text
from lk_corporate.docflow.models import Document


class CountersignStatus(str, enum.Enum):
    PENDING = "pending"  # the job has not finished yet
    SIGNED = "signed"  # the supplier's signature is on the document (now or earlier)
    FAILED = "failed"  # nothing changed; ``message`` says why


class CountersignResult(Base):
    __tablename__ = "countersign_results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The batch it was asked in (the page shows the latest batch's rows together).
    batch: Mapped[str] = mapped_column(String(32), index=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(200), default="")
    requested_ip: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[CountersignStatus] = mapped_column(
        Enum(CountersignStatus, native_enum=False, length=20,
             values_callable=lambda e: [m.value for m in e]),
        index=True, default=CountersignStatus.PENDING)
    # Why it failed, or that it was signed before: a msgid and its parameters
    # (``core.i18n.dump_params``), shown in the reader's language.
    message: Mapped[str] = mapped_column(Text, default="")
    message_params: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    document: Mapped[Document] = relationship(lazy="joined")

    @property
    def note(self) -> str:
        """The message in the request's language."""
        return self.note_in(None)

    def note_in(self, locale: str | None) -> str:
        """The message in ``locale`` (None: the request's language)."""
        if not self.message:
            return ""
        return message_text(self.message, load_params(self.message_params), locale=locale)
