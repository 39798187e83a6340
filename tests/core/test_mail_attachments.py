"""Attachments of outgoing mail: the row names the file by its hash (the bytes stay in the
FileStore), and both backends send the very bytes stored; a file missing from the store gives
the message up instead of retrying it forever."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.mail import (
    MailAttachment,
    MailStatus,
    OutgoingMail,
    OutgoingMailAttachment,
    queue_mail,
)
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from tests.support import files

NAME = "Счёт № 2026-000042.pdf"


def _queue(app, data: bytes = files.PDF) -> int:
    store = FileStore(Path(app.config["LK_STORAGE_DIR"]))
    digest = store.put(data)
    with unit_of_work() as s:
        mail = queue_mail(s, to="buh@firm.example", subject="Счёт", body="Счёт во вложении.",
                          attachments=[MailAttachment(NAME, "application/pdf", digest, len(data)),
                                       MailAttachment("выписка.txt", "text/plain",
                                                      store.put(files.TXT_1251))])
        return mail.id


def _row(mail_id: int) -> OutgoingMail:
    db.session.expire_all()
    return db.session.get(OutgoingMail, mail_id)


def test_smtp_sends_the_stored_bytes(clean_app, mailbox):
    mail_id = _queue(clean_app)
    message = mailbox.last_to("buh@firm.example")
    assert message.get_body(("plain",)).get_content().strip() == "Счёт во вложении."
    parts = list(message.iter_attachments())
    assert [p.get_filename() for p in parts] == [NAME, "выписка.txt"]
    assert parts[0].get_content_type() == "application/pdf"
    assert parts[0].get_content() == files.PDF
    assert parts[1].get_payload(decode=True) == files.TXT_1251
    assert wait_idle(clean_app)
    row = _row(mail_id)
    assert row.status is MailStatus.SENT and files.PDF not in row.body_text.encode()
    stored = db.session.scalars(select(OutgoingMailAttachment)).all()
    assert [(a.filename, a.size) for a in stored] == [(NAME, len(files.PDF)), ("выписка.txt", 0)]


def test_the_file_backend_writes_them_into_the_eml(clean_app, mailbox, tmp_path):
    clean_app.config.update(LK_MAIL_BACKEND="file", LK_MAIL_DIR=str(tmp_path))
    try:
        mail_id = _queue(clean_app)
        assert wait_idle(clean_app)
    finally:
        clean_app.config.update(LK_MAIL_BACKEND="smtp")
    row = _row(mail_id)
    assert row.status is MailStatus.SENT and mailbox.messages == []
    written = email.message_from_bytes((tmp_path / row.file_name).read_bytes(),
                                       policy=email.policy.default)
    [pdf, _txt] = written.iter_attachments()  # type: ignore[attr-defined]
    assert pdf.get_filename() == NAME and pdf.get_content() == files.PDF


def test_a_file_missing_from_the_store_gives_the_message_up(clean_app, mailbox):
    with unit_of_work() as s:
        mail_id = queue_mail(s, to="buh@firm.example", subject="x", body="y",
                             attachments=[MailAttachment("gone.pdf", "application/pdf",
                                                         "ab" * 32)]).id
    assert wait_idle(clean_app)
    row = _row(mail_id)
    assert row.status is MailStatus.FAILED and "missing from the file store" in row.last_error
    assert mailbox.messages == []
