"""Mail leaves only after the commit, off the request, over real SMTP; a server that is down
loses nothing; a message is sent once; an undeliverable one is given up, not retried forever."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.mail import (
    MailSettings,
    MailStatus,
    OutgoingMail,
    deliver,
    queue_mail,
    retry_pending,
)
from lk_corporate.core.uow import unit_of_work
from tests.support.factories import create_client, create_client_user, post_form

LK = str(Path(sys.executable).parent / "lk")


def _rows() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id)))


def test_sent_after_commit(clean_app, mailbox):
    with unit_of_work() as s:
        queue_mail(s, to="a@firm.example", subject="Тема", body="Текст письма")
        assert mailbox.messages == []  # nothing leaves before the commit
    msg = mailbox.last_to("a@firm.example")
    assert msg["Subject"] == "Тема" and "Текст письма" in msg.get_content()
    assert wait_idle(clean_app)
    row = _rows()[0]
    assert row.sent_at is not None and row.attempts == 1 and row.status == MailStatus.SENT


def test_rolled_back_transaction_sends_nothing(clean_app, mailbox):
    with pytest.raises(RuntimeError), unit_of_work() as s:
        queue_mail(s, to="b@firm.example", subject="x", body="y")
        raise RuntimeError("the operation failed after queueing")
    assert wait_idle(clean_app)
    assert mailbox.messages == []
    assert _rows() == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def dead_smtp(clean_app, smtp_server, monkeypatch):
    """Point the app at a port where nothing listens (the loopback guard lets it through)."""
    import smtplib

    port = _closed_port()
    guarded = smtplib.SMTP.connect

    def to_dead_port(self, host="localhost", port_=0, source_address=None):  # type: ignore[no-untyped-def]
        if (host, port_) == ("127.0.0.1", port):
            raise ConnectionRefusedError(111, "Connection refused")
        return guarded(self, host, port_, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", to_dead_port)
    clean_app.config["LK_SMTP_PORT"] = port
    yield port
    clean_app.config["LK_SMTP_PORT"] = smtp_server.port


def test_server_down_keeps_the_message_for_a_retry(clean_app, mailbox, smtp_server, dead_smtp):
    with unit_of_work() as s:
        queue_mail(s, to="c@firm.example", subject="Счёт", body="Ваш счёт")
    assert wait_idle(clean_app)
    row = _rows()[0]
    assert row.status == MailStatus.QUEUED and "Connection" in row.last_error
    assert row.claimed_until is None
    assert mailbox.messages == []
    clean_app.config["LK_SMTP_PORT"] = smtp_server.port
    report = retry_pending(db.session)
    assert (report.sent, report.still_queued, report.given_up) == (1, 0, 0)
    assert mailbox.last_to("c@firm.example")["Subject"] == "Счёт"


def test_attempts_are_capped_and_the_message_marked_failed(clean_app, mailbox, dead_smtp):
    clean_app.config["LK_MAIL_MAX_ATTEMPTS"] = 3
    try:
        with unit_of_work() as s:
            queue_mail(s, to="capped@firm.example", subject="s", body="b")
        assert wait_idle(clean_app)
        first = retry_pending(db.session)  # attempt 2
        second = retry_pending(db.session)  # attempt 3: the last one
        third = retry_pending(db.session)  # nothing left to try
    finally:
        clean_app.config["LK_MAIL_MAX_ATTEMPTS"] = 8
    assert (first.still_queued, second.given_up, third) == (1, 1, type(third)(0, 0, 0))
    row = _rows()[0]
    assert row.status == MailStatus.FAILED and row.attempts == 3


def test_one_message_is_sent_once_by_concurrent_senders(clean_app, mailbox):
    """The worker and the retry job reaching one message together: a claim, not two sends."""
    with unit_of_work() as s:
        mail = OutgoingMail(to="once@firm.example", subject="один раз", body_text="b")
        s.add(mail)
    mail_id = _rows()[0].id
    settings = MailSettings.from_config(clean_app.config)
    results: list[bool] = []
    barrier = threading.Barrier(6)

    def send() -> None:
        with clean_app.app_context():
            barrier.wait()
            results.append(deliver(mail_id, settings))
            db.session.remove()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(results) == [False] * 5 + [True]
    assert [m["To"] for m in mailbox.messages] == ["once@firm.example"]
    assert _rows()[0].attempts == 1


def test_non_ascii_address_is_refused_by_the_form(client, supplier):
    """An address in Cyrillic letters could not be sent by SMTP without SMTPUTF8: the
    profile refuses it with a message instead of queueing mail that would never leave."""
    from tests.support.factories import login

    user = create_client_user(create_client())
    login(client, user.login)
    page = post_form(client, "/profile/email", {"email": "тест@пример.рф",
                                                "password": "Secret-pass-2026"})
    assert page.status_code == 422
    assert "латинскими" in page.get_data(as_text=True)
    assert _rows() == []


def test_cyrillic_domain_is_sent_in_its_ascii_form(client, supplier, mailbox):
    from tests.support.factories import login

    user = create_client_user(create_client())
    login(client, user.login)
    page = post_form(client, "/profile/email", {"email": "buh@пример.рф",
                                                "password": "Secret-pass-2026"})
    assert page.status_code == 302
    msg = mailbox.last_to("buh@xn--e1afmkfd.xn--p1ai")
    assert msg is not None


def test_a_mail_server_that_never_answers_holds_no_request(client, supplier, clean_app,
                                                           smtp_server, monkeypatch):
    """The message is sent after the response: the page returns while the SMTP server is
    still silent, and the row stays queued for the retry job."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    port = silent.getsockname()[1]
    import smtplib

    accepted = threading.Event()

    # The loopback guard only admits the test server: let the silent port through too.
    guard = smtplib.SMTP.connect

    def admit(self, host="localhost", port_=0, source_address=None):  # type: ignore[no-untyped-def]
        if (host, port_) == ("127.0.0.1", port):
            accepted.set()
            self.sock = socket.create_connection((host, port_), self.timeout)
            self.file = None
            return self.getreply()
        return guard(self, host, port_, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", admit)
    clean_app.config.update(LK_SMTP_PORT=port, LK_SMTP_TIMEOUT=3)
    user = create_client_user(create_client())
    try:
        page = post_form(client, "/password/forgot", {"login": user.login})
        assert page.status_code == 302
        # The response is here; the mail job is (or is about to be) waiting on the server.
        assert accepted.wait(10)
        row = _rows()
        assert row and row[0].sent_at is None
        assert wait_idle(clean_app, 30)
    finally:
        clean_app.config.update(LK_SMTP_PORT=smtp_server.port, LK_SMTP_TIMEOUT=10)
        silent.close()
    row = _rows()[0]
    assert row.status == MailStatus.QUEUED and "timed out" in row.last_error.lower()


def test_file_backend_and_lk_mail_retry(tmp_path, database_url, clean_app):
    """The embedded default writes .eml files; `lk mail retry` is a real command."""
    env = {**os.environ, "LK_DATABASE_URL": database_url, "LK_MAIL_BACKEND": "file",
           "LK_MAIL_DIR": str(tmp_path), "LK_SECRET_KEY": "x"}
    with unit_of_work() as s:
        s.add(OutgoingMail(to="d@firm.example", subject="Повтор", body_text="тело"))
        s.add(OutgoingMail(to="e@firm.example", subject="Сдался", body_text="тело",
                           failed_at=utcnow(),
                           attempts=8))
    result = subprocess.run([LK, "mail", "retry"], env=env, capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "Delivered 1" in result.stdout
    files = list(tmp_path.glob("*.eml"))
    assert len(files) == 1
    assert "Subject: =?utf-8?" in files[0].read_text() or "Повтор" in files[0].read_text()
