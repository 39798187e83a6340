"""Conversations (threads), their messages, attachments and per-user read markers."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lk_corporate.accounts.models import User
from lk_corporate.clients.models import Client
from lk_corporate.core.db import Base, UTCDateTime, utcnow


def _enum(e: type[enum.Enum]) -> Enum:
    return Enum(e, native_enum=False, length=30, values_callable=lambda x: [m.value for m in x])


class ThreadCategory(str, enum.Enum):
    """What a conversation is about (the client picks it; the staff's inbox shows it)."""

    GENERAL = "general"
    READINGS = "readings"
    INVOICES = "invoices"  # invoices and payments
    CONTRACT = "contract"
    OTHER = "other"


class ThreadStatus(str, enum.Enum):
    OPEN = "open"  # the client wrote last: waiting for the supplier
    ANSWERED = "answered"  # the supplier replied last
    CLOSED = "closed"


class Thread(Base):
    """A conversation of one client with the supplier, under one subject."""

    __tablename__ = "message_threads"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[ThreadCategory] = mapped_column(_enum(ThreadCategory))
    status: Mapped[ThreadStatus] = mapped_column(_enum(ThreadStatus), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The staff member who answers it; None: in the «unassigned» box of the inbox.
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True,
                                                       index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_activity_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow,
                                                          index=True)
    # The newest message of each side, so unread counts need no scan of the messages.
    last_client_message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_staff_message_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    client: Mapped[Client] = relationship(lazy="joined")
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id],
                                                    lazy="joined")
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    messages: Mapped[list[Message]] = relationship(back_populates="thread",
                                                   order_by="Message.id")


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Written by the supplier's staff (True) or by the client's user.
    from_staff: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    thread: Mapped[Thread] = relationship(back_populates="messages")
    author: Mapped[User] = relationship(lazy="joined")
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", lazy="selectin")


class Attachment(Base):
    """A file sent with a message; its bytes are in the content-addressed ``FileStore``."""

    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    # Denormalised from the message: a download is looked up by thread and attachment.
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    # What the content is (sniffed from the bytes), not what the browser claimed.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))

    message: Mapped[Message] = relationship(back_populates="attachments")


class ReadMarker(Base):
    """The newest message of a conversation a user has seen; what is newer (and written by
    the other side) is unread for them."""

    __tablename__ = "message_read_markers"
    __table_args__ = (UniqueConstraint("thread_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("message_threads.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_read_message_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
