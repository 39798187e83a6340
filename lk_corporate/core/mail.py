"""Outgoing e-mail: recorded in the transaction, delivered after the commit.

``queue_mail`` stores an ``OutgoingMail`` row in the caller's transaction; after the commit
the message is delivered in-process or by a Celery worker (when a broker is configured).
A failed delivery stays in the table with its error and is retried by ``lk mail retry`` or
the periodic job, so a message is never lost to a mail server that was down.

Backends: ``file`` (the embedded default) writes ``.eml`` files under LK_MAIL_DIR, which
the demo's outbox page lists; ``smtp`` talks to the configured server.
"""

from __future__ import annotations

import datetime as dt
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from flask import current_app
from sqlalchemy import Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from lk_corporate.core.db import Base, UTCDateTime, utcnow
from lk_corporate.core.uow import after_commit


class OutgoingMail(Base):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")


class MailDeliveryError(RuntimeError):
    """The configured mail server refused or could not be reached."""


def queue_mail(session: Session, *, to: str, subject: str, body: str, kind: str = "") -> OutgoingMail:
    """Record a message to send once the caller's transaction commits."""
    mail = OutgoingMail(to=to, subject=subject, body_text=body, kind=kind)
    session.add(mail)
    session.flush()
    mail_id = mail.id
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def dispatch() -> None:
        from lk_corporate.tasks import dispatch_mail

        dispatch_mail(app, mail_id)

    after_commit(session, dispatch)
    return mail


def build_message(mail: OutgoingMail, sender: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = make_msgid(idstring=f"lk{mail.id}", domain="lk.local")
    msg.set_content(mail.body_text)
    return msg


def deliver(session: Session, mail_id: int) -> bool:
    """Send one queued message now; True when sent. Errors are stored, not raised."""
    mail = session.get(OutgoingMail, mail_id)
    if mail is None or mail.sent_at is not None:
        return False
    config = current_app.config
    msg = build_message(mail, config["LK_MAIL_SENDER"])
    mail.attempts += 1
    try:
        if config["LK_MAIL_BACKEND"] == "smtp":
            _send_smtp(msg, config)
        else:
            mail.file_name = _write_file(msg, Path(config["LK_MAIL_DIR"]), mail)
        mail.sent_at = utcnow()
        mail.last_error = ""
    except (OSError, smtplib.SMTPException) as exc:
        mail.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    session.commit()
    return mail.sent_at is not None


def pending_mail_ids(session: Session, limit: int = 500) -> list[int]:
    return list(session.scalars(
        select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None))
        .order_by(OutgoingMail.id).limit(limit)
    ))


def retry_pending(session: Session) -> tuple[int, int]:
    """Deliver what is still queued (the periodic job and ``lk mail retry``)."""
    sent = failed = 0
    for mail_id in pending_mail_ids(session):
        if deliver(session, mail_id):
            sent += 1
        else:
            failed += 1
    return sent, failed


def _send_smtp(msg: EmailMessage, config: dict) -> None:  # type: ignore[type-arg]
    with smtplib.SMTP(config["LK_SMTP_HOST"], config["LK_SMTP_PORT"],
                      timeout=config["LK_SMTP_TIMEOUT"]) as smtp:
        if config["LK_SMTP_STARTTLS"]:
            smtp.starttls()
        if config["LK_SMTP_USER"]:
            smtp.login(config["LK_SMTP_USER"], config["LK_SMTP_PASSWORD"])
        smtp.send_message(msg)


def _write_file(msg: EmailMessage, directory: Path, mail: OutgoingMail) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id:06d}.eml"
    path = directory / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)
    return name
