"""A signing session: one round of the staged protocol for one document.

``signing.prepare`` hands out the signed attributes the client signs and a ``SigningState``
that ``signing.finish`` needs afterwards. The state names the document being signed, so it
stays here, server-side, never with the client: the client only holds the session's opaque
``public_id``. A session is started, then finished once (its signature revision stored, the
document ``signed``), then sent or discarded; a started session past ``expires_at`` can no
longer be finished.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.core.db import Base, UTCDateTime, utcnow
from lk_corporate.docflow.models import Document


class SessionStatus(str, enum.Enum):
    """Where a signing session is (an expired one is a started one past ``expires_at``)."""

    STARTED = "started"  # the signed attributes are out, waiting for the signature value
    FINISHED = "finished"  # the signature revision is stored; the document is «Подписан»
    SENT = "sent"  # the signed document was sent (received, accepted or rejected)
    DISCARDED = "discarded"  # the unsent signature was cancelled


class SigningSession(Base):
    __tablename__ = "signing_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the client sees and sends back: random, so a session cannot be guessed.
    public_id: Mapped[str] = mapped_column(String(40), unique=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    status: Mapped[SessionStatus] = mapped_column(
        Enum(SessionStatus, native_enum=False, length=20,
             values_callable=lambda x: [m.value for m in x]), index=True)
    # The certificates the client sent (JSON list of base64 DER, signer first), the chain the
    # portal completed and used, and the signer in words (for the audit log and the page).
    certificates: Mapped[str] = mapped_column(Text)
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    signer: Mapped[str] = mapped_column(String(300), default="")
    scheme: Mapped[str] = mapped_column(String(20))
    # The document's file the revision was prepared on: finishing on another file is refused.
    base_sha256: Mapped[str] = mapped_column(String(64))
    # ``SigningState.to_bytes()`` while started; emptied once finished (it holds the whole
    # prepared PDF, which the stored revision then supersedes).
    state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The revision the finish stored (NULL again once a cancel discarded it; its hash stays).
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_revisions.id", ondelete="SET NULL"), nullable=True)
    revision_seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    revision_sha256: Mapped[str] = mapped_column(String(64), default="")
    # SHA-256 of the signature value: a repeated finish with the same value is answered as
    # the first was, a different one is refused.
    signature_sha256: Mapped[str] = mapped_column(String(64), default="")
    target_level: Mapped[str] = mapped_column(String(10), default="")
    level_reached: Mapped[str] = mapped_column(String(10), default="")
    # Signed below the target level (TSA down): the upgrade job completes it later.
    upgrade_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    # The idempotency key of the send that sent this signature.
    send_key: Mapped[str | None] = mapped_column(String(100), nullable=True, index=True)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    document: Mapped[Document] = relationship(lazy="joined")

    def expired(self, now: dt.datetime) -> bool:
        return self.status is SessionStatus.STARTED and now >= self.expires_at
