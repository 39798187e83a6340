"""Mail leaves only after the commit, over real SMTP; a server that is down loses nothing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from lk_corporate.core.mail import OutgoingMail, queue_mail, retry_pending
from lk_corporate.core.uow import unit_of_work
from lk_corporate.extensions import db

LK = str(Path(sys.executable).parent / "lk")


def test_sent_after_commit(clean_app, mailbox):
    with unit_of_work() as s:
        queue_mail(s, to="a@firm.example", subject="Тема", body="Текст письма")
        assert mailbox.messages == []  # nothing leaves before the commit
    msg = mailbox.last_to("a@firm.example")
    assert msg["Subject"] == "Тема" and "Текст письма" in msg.get_content()
    row = db.session.scalars(select(OutgoingMail)).one()
    assert row.sent_at is not None and row.attempts == 1


def test_rolled_back_transaction_sends_nothing(clean_app, mailbox):
    with pytest.raises(RuntimeError):
        with unit_of_work() as s:
            queue_mail(s, to="b@firm.example", subject="x", body="y")
            raise RuntimeError("the operation failed after queueing")
    assert mailbox.messages == []
    assert db.session.scalars(select(OutgoingMail)).all() == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_server_down_keeps_the_message_for_a_retry(clean_app, mailbox, smtp_server, monkeypatch):
    port = _closed_port()
    # The guard allows only the test server; let this one dead port through as well.
    import smtplib

    guarded = smtplib.SMTP.connect

    def to_dead_port(self, host="localhost", port_=0, source_address=None):  # type: ignore[no-untyped-def]
        if (host, port_) == ("127.0.0.1", port):
            raise ConnectionRefusedError(111, "Connection refused")
        return guarded(self, host, port_, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", to_dead_port)
    clean_app.config["LK_SMTP_PORT"] = port
    try:
        with unit_of_work() as s:
            queue_mail(s, to="c@firm.example", subject="Счёт", body="Ваш счёт")
    finally:
        clean_app.config["LK_SMTP_PORT"] = smtp_server.port
    row = db.session.scalars(select(OutgoingMail)).one()
    assert row.sent_at is None and "Connection" in row.last_error
    assert mailbox.messages == []
    assert retry_pending(db.session) == (1, 0)
    assert mailbox.last_to("c@firm.example")["Subject"] == "Счёт"


def test_file_backend_and_lk_mail_retry(tmp_path, database_url, clean_app):
    """The embedded default writes .eml files; `lk mail retry` is a real command."""
    env = {**os.environ, "LK_DATABASE_URL": database_url, "LK_MAIL_BACKEND": "file",
           "LK_MAIL_DIR": str(tmp_path)}
    with unit_of_work() as s:
        db.session.add(OutgoingMail(to="d@firm.example", subject="Повтор", body_text="тело"))
    result = subprocess.run([LK, "mail", "retry"], env=env, capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "Delivered 1" in result.stdout
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    assert "Subject: =?utf-8?" in files[0].read_text() or "Повтор" in files[0].read_text()
