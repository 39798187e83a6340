"""Outgoing e-mail: recorded in the transaction, delivered after the commit, off the request.

``queue_mail`` stores an ``OutgoingMail`` row in the caller's transaction; after the commit
the job ``lk.deliver_mail`` sends it, on a Celery worker or on the in-process pool — never
inside the request, so a mail server that does not answer holds nobody's page.

Delivery claims its row first (a conditional UPDATE, committed on its own): a worker and the
retry job that reach one message together cannot both send it. A transient failure (server
down, timeout, 4xx) leaves the message queued for ``lk mail retry`` / the periodic job; a
permanent one (5xx, an address the server cannot take) or ``LK_MAIL_MAX_ATTEMPTS`` failed
attempts mark it failed, for staff to see on the outgoing-mail page, and it is not tried
again.

Backends: ``file`` (the embedded default) writes ``.eml`` files under LK_MAIL_DIR, which
the demo's outbox page lists; ``smtp`` talks to the configured server.

Attachments (an invoice's PDF) are referenced, not copied into the row: their bytes live in
the content-addressed ``FileStore`` under LK_STORAGE_DIR (where documents are kept anyway)
and ``outgoing_mail_attachments`` names them by SHA-256, so the queue stays small whatever
is attached and both backends read the same bytes when they build the message.
"""

from __future__ import annotations

import datetime as dt
import enum
import smtplib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import ForeignKey, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from lk_corporate.core.db import Base, DbSession, UTCDateTime, rows_changed, utcnow
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import dispatch, job
from lk_corporate.core.storage import FileStore, StoredFileMissing
from lk_corporate.core.uow import after_commit, own_transaction


class MailStatus(str, enum.Enum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class OutgoingMail(Base):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the message was given up (permanent error or too many attempts).
    failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A sender holds the row until then; a crashed sender's claim simply runs out.
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    file_name: Mapped[str] = mapped_column(String(200), default="")

    @property
    def status(self) -> MailStatus:
        if self.sent_at is not None:
            return MailStatus.SENT
        if self.failed_at is not None:
            return MailStatus.FAILED
        return MailStatus.QUEUED


class OutgoingMailAttachment(Base):
    """A file sent with a message: its bytes are in the ``FileStore`` under ``sha256``."""

    __tablename__ = "outgoing_mail_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mail_id: Mapped[int] = mapped_column(ForeignKey("outgoing_mail.id", ondelete="CASCADE"),
                                         index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer, default=0)


@dataclass(frozen=True)
class MailAttachment:
    """A file to attach, already stored in the ``FileStore`` (``FileStore.put`` returns the
    hash): a document's revision is, so attaching it copies nothing."""

    filename: str
    """The name the recipient sees (non-ASCII names are encoded per RFC 2231)."""
    content_type: str
    """``maintype/subtype``, e.g. ``application/pdf``."""
    sha256: str
    """The stored file's SHA-256 (hex)."""
    size: int = 0
    """Its size in bytes (shown on the outbox page)."""


class PermanentMailError(Exception):
    """The message can never be delivered as it is (refused address, 5xx)."""


@dataclass(frozen=True)
class MailSettings:
    """What delivery needs from the configuration (read once, passed in)."""

    backend: str
    sender: str
    directory: Path
    smtp_host: str
    smtp_port: int
    smtp_user: str
    smtp_password: str
    smtp_starttls: bool
    smtp_timeout: float
    max_attempts: int
    storage_dir: Path | None = None
    """Where attachments are read from (LK_STORAGE_DIR); a message with attachments cannot
    be sent without it."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        return cls(backend=config["LK_MAIL_BACKEND"], sender=config["LK_MAIL_SENDER"],
                   directory=Path(config["LK_MAIL_DIR"]), smtp_host=config["LK_SMTP_HOST"],
                   smtp_port=int(config["LK_SMTP_PORT"]), smtp_user=config["LK_SMTP_USER"],
                   smtp_password=config["LK_SMTP_PASSWORD"],
                   smtp_starttls=bool(config["LK_SMTP_STARTTLS"]),
                   smtp_timeout=float(config["LK_SMTP_TIMEOUT"]),
                   max_attempts=int(config.get("LK_MAIL_MAX_ATTEMPTS", 8)),
                   storage_dir=Path(config["LK_STORAGE_DIR"]) if config.get("LK_STORAGE_DIR")
                   else None)

    @property
    def claim_time(self) -> dt.timedelta:
        # Long enough for a connect, STARTTLS, login and DATA each to time out once.
        return dt.timedelta(seconds=self.smtp_timeout * 4 + 30)


def queue_mail(session: DbSession, *, to: str, subject: str, body: str, kind: str = "",
               attachments: Sequence[MailAttachment] = ()) -> OutgoingMail:
    """Record a message to send once the caller's transaction commits; ``attachments`` are
    files already in the ``FileStore``."""
    mail = OutgoingMail(to=to, subject=subject, body_text=body, kind=kind)
    session.add(mail)
    session.flush()
    for attachment in attachments:
        session.add(OutgoingMailAttachment(
            mail_id=mail.id, filename=attachment.filename[:255],
            content_type=attachment.content_type, sha256=attachment.sha256,
            size=attachment.size))
    if attachments:
        session.flush()
    mail_id = mail.id
    after_commit(session, lambda: dispatch("lk.deliver_mail", mail_id))
    return mail


def mail_attachments(session: DbSession, mail_id: int) -> list[OutgoingMailAttachment]:
    return list(session.scalars(select(OutgoingMailAttachment)
                                .where(OutgoingMailAttachment.mail_id == mail_id)
                                .order_by(OutgoingMailAttachment.id)))


def build_message(mail: OutgoingMail, sender: str,
                  attachments: Sequence[tuple[MailAttachment, bytes]] = ()) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = format_datetime(mail.created_at)
    msg["Message-ID"] = make_msgid(idstring=f"lk{mail.id}", domain="lk.local")
    msg.set_content(mail.body_text)
    for attachment, data in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        msg.add_attachment(data, maintype=maintype, subtype=subtype,
                           filename=attachment.filename)
    return msg


def _read_attachments(rows: Sequence[MailAttachment],
                      settings: MailSettings) -> list[tuple[MailAttachment, bytes]]:
    """The bytes of each attachment; ``PermanentMailError`` when one cannot be read (a
    file that is gone will not come back by trying again)."""
    if not rows:
        return []
    if settings.storage_dir is None:
        raise PermanentMailError("attachments, but no LK_STORAGE_DIR to read them from")
    store = FileStore(settings.storage_dir)
    try:
        return [(row, store.get(row.sha256)) for row in rows]
    except StoredFileMissing as exc:
        raise PermanentMailError(f"attachment missing from the file store: {exc}") from exc


def deliver(mail_id: int, settings: MailSettings | None = None) -> bool:
    """Send one queued message now, in transactions of its own; True when it was sent.

    Nothing happens when the message is sent, given up, or claimed by another sender.
    Errors are stored on the row, not raised.
    """
    settings = settings or MailSettings.from_config(current_app.config)
    now = utcnow()
    with own_transaction() as session:
        claimed = rows_changed(session.execute(
            update(OutgoingMail)
            .where(OutgoingMail.id == mail_id, OutgoingMail.sent_at.is_(None),
                   OutgoingMail.failed_at.is_(None),
                   or_(OutgoingMail.claimed_until.is_(None), OutgoingMail.claimed_until < now))
            .values(claimed_until=now + settings.claim_time,
                    attempts=OutgoingMail.attempts + 1)
        ))
        if not claimed:
            return False
        mail = session.get(OutgoingMail, mail_id)
        assert mail is not None
        attached = [MailAttachment(a.filename, a.content_type, a.sha256, a.size)
                    for a in mail_attachments(session, mail_id)]
        attempts = mail.attempts
        session.expunge(mail)
    file_name = ""
    error = ""
    permanent = False
    try:
        # Files are read outside the claim's transaction: nothing is held while reading them.
        msg = build_message(mail, settings.sender, _read_attachments(attached, settings))
        if settings.backend == "smtp":
            _send_smtp(msg, settings)
        else:
            file_name = _write_file(msg, settings.directory, mail)
    except PermanentMailError as exc:
        error, permanent = str(exc), True
    except (OSError, smtplib.SMTPException) as exc:
        error = f"{type(exc).__name__}: {exc}"
    with own_transaction() as session:
        row = session.get(OutgoingMail, mail_id)
        assert row is not None
        row.claimed_until = None
        if not error:
            row.sent_at = utcnow()
            row.last_error = ""
            row.file_name = file_name
        else:
            row.last_error = error[:2000]
            if permanent or attempts >= settings.max_attempts:
                row.failed_at = utcnow()
    return not error


@dataclass(frozen=True)
class RetryReport:
    sent: int
    still_queued: int
    given_up: int


def queued_mail_ids(session: DbSession, limit: int = 500) -> list[int]:
    return list(session.scalars(
        select(OutgoingMail.id).where(OutgoingMail.sent_at.is_(None),
                                      OutgoingMail.failed_at.is_(None))
        .order_by(OutgoingMail.id).limit(limit)
    ))


def retry_pending(session: DbSession, settings: MailSettings | None = None) -> RetryReport:
    """Deliver what is still queued (the periodic job and ``lk mail retry``)."""
    sent = queued = given_up = 0
    ids = queued_mail_ids(session)
    session.rollback()  # hold no transaction while talking to the mail server
    for mail_id in ids:
        if deliver(mail_id, settings):
            sent += 1
            continue
        row = session.get(OutgoingMail, mail_id)
        if row is not None and row.failed_at is not None:
            given_up += 1
        elif row is not None and row.sent_at is None:
            queued += 1
        session.rollback()
    return RetryReport(sent, queued, given_up)


@job("lk.deliver_mail")
def deliver_mail_job(mail_id: int) -> None:
    deliver(mail_id)


@job("lk.retry_mail")
def retry_mail_job() -> None:
    """Periodic (Celery beat): deliver messages an SMTP failure left queued."""
    retry_pending(db.session)


def _send_smtp(msg: EmailMessage, settings: MailSettings) -> None:
    with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                      timeout=settings.smtp_timeout) as smtp:
        if settings.smtp_starttls:
            smtp.starttls()
        if settings.smtp_user:
            smtp.login(settings.smtp_user, settings.smtp_password)
        try:
            # An address in non-Latin letters goes out with SMTPUTF8 when the server offers
            # it; a server that does not can never take it.
            smtp.send_message(msg)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                smtplib.SMTPNotSupportedError, UnicodeEncodeError) as exc:
            raise PermanentMailError(f"{type(exc).__name__}: {exc}") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentMailError(f"{type(exc).__name__}: {exc}") from exc
            raise


def _write_file(msg: EmailMessage, directory: Path, mail: OutgoingMail) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id:06d}.eml"
    path = directory / name
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(msg.as_bytes())
    tmp.replace(path)
    return name


def mail_queue(session: DbSession, status: MailStatus | None, *, limit: int = 200) -> list[OutgoingMail]:
    """The newest messages, of one status or all (the staff's outgoing-mail page)."""
    query = select(OutgoingMail).order_by(OutgoingMail.id.desc()).limit(limit)
    if status == MailStatus.SENT:
        query = query.where(OutgoingMail.sent_at.is_not(None))
    elif status == MailStatus.FAILED:
        query = query.where(OutgoingMail.failed_at.is_not(None))
    elif status == MailStatus.QUEUED:
        query = query.where(OutgoingMail.sent_at.is_(None), OutgoingMail.failed_at.is_(None))
    return list(session.scalars(query))


def requeue(session: DbSession, mail_id: int) -> OutgoingMail:
    """Give a failed message a new series of attempts (after the address was corrected or
    the mail server fixed); it is sent after the caller's commit."""
    mail = session.get(OutgoingMail, mail_id)
    if mail is None or mail.sent_at is not None:
        raise NotFound(N_("No such message."))
    mail.failed_at = None
    mail.claimed_until = None
    mail.attempts = 0
    session.flush()
    after_commit(session, lambda: dispatch("lk.deliver_mail", mail_id))
    return mail
