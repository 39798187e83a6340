"""Forms that create something are sent once, however often the button is pressed.

Each such form carries a random ``submission_id`` (``core.formkit.OnceForm``); the first
request that arrives with it claims it here — a row under a unique key, in the request's own
unit of work — and the page it redirects to is kept with the claim. A second request with
the same id (a double click, a resent POST after "back", two tabs) creates nothing and is
sent to that same page. A refused form releases its claim with the rest of its writes, so
the corrected form can be sent again.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.db import Base, DbSession, UTCDateTime, utcnow

_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


class FormSubmission(Base):
    __tablename__ = "form_submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    result_url: Mapped[str] = mapped_column(String(500), default="")


class RepeatedSubmission(Exception):
    """This form was sent before; ``url`` is where the first submission led ("" unknown)."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.url = url


def new_key() -> str:
    return secrets.token_urlsafe(18)


def valid_key(key: str | None) -> bool:
    return bool(key) and _KEY.fullmatch(key or "") is not None


def claim(session: DbSession, key: str, user_id: int | None) -> FormSubmission:
    """Claim ``key`` for this request, or raise ``RepeatedSubmission``."""
    earlier = session.scalars(select(FormSubmission).where(FormSubmission.key == key)).first()
    if earlier is not None:
        if earlier.user_id != user_id:
            raise RepeatedSubmission("")
        raise RepeatedSubmission(earlier.result_url)
    row = FormSubmission(key=key, user_id=user_id, created_at=utcnow())
    session.add(row)
    session.flush()
    return row
