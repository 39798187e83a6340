"""Personal API tokens: what ``Authorization: Bearer …`` on ``/api/v1`` is checked against."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.accounts.models import User
from lk_corporate.core.db import Base, UTCDateTime, utcnow


class ApiToken(Base):
    """A token a user made for a program that acts for them (an accounting system).

    Only the token's SHA-256 is stored: the token itself is shown once, when it is made. It
    acts with its user's rights at the moment of each request (the clients they act for and
    the rights of those memberships; a staff user's role), never more, so removing a
    membership or blocking the user takes effect on the token at once.
    """

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The last characters of the token, so that its owner can tell tokens apart.
    hint: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_used_ip: Mapped[str] = mapped_column(String(64), default="")

    user: Mapped[User] = relationship(lazy="joined")

    def state(self, now: dt.datetime) -> str:
        """``active`` / ``revoked`` / ``expired`` (also the API's refusal codes' stem)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"
