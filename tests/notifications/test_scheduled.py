"""The scheduled notices: the reading-window reminders (opening, two days before closing) and
the certificate expiry notice go once per client, however often the job runs and even when
two runs race each other; those who switched them off, or may not enter readings or sign,
get nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flask import Flask
from sqlalchemy import func, select

from lk_corporate.accounts.preferences import NotificationKind, set_preference
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, CLIENT_SIGNER
from lk_corporate.core.uow import unit_of_work
from lk_corporate.notifications import certificates
from lk_corporate.notifications.models import NotificationSent
from lk_corporate.notifications.reminders import due_reminders
from lk_corporate.notifications.tasks import (
    JobReport,
    reading_window_reminders_job,
    send_certificate_expiry_notices,
    send_reading_window_reminders,
)
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.periods.operations import reading_window
from tests.support.factories import create_client, create_client_user, create_supplier
from tests.support.live import run_together

MSK = ZoneInfo("Europe/Moscow")
CALCULATION_DATE = dt.date(2026, 11, 25)  # the window: 25.11 – 30.11 (5 days to calculate)


@pytest.fixture()
def clients(session: Any) -> dict[str, Any]:
    create_supplier()
    romashka, lutik = create_client(short_name="ООО «Ромашка»"), create_client(short_name="ООО «Лютик»")
    users = {
        "buh": create_client_user(romashka, login="buh", email="buh@romashka.example"),
        "quiet": create_client_user(romashka, login="quiet", email="quiet@romashka.example",
                                    roles=(CLIENT_ACCOUNTANT,)),
        "signer": create_client_user(romashka, login="sig", email="sig@romashka.example",
                                     roles=(CLIENT_SIGNER,)),
        "lutik": create_client_user(lutik, login="lutik", email="buh@lutik.example", locale="en"),
    }
    create_client(short_name="ООО «Без пользователей»")
    inactive = create_client(short_name="Расторгнут", is_active=False)
    create_client_user(inactive, login="gone", email="gone@example.com")
    with unit_of_work() as s:
        set_preference(s, users["quiet"].id, NotificationKind.READINGS_OPEN, False)
        s.add(BillingPeriod(year=2026, month=11, calculation_date=CALCULATION_DATE,
                            status=PeriodStatus.OPEN))
    return {"romashka": romashka, "lutik": lutik, **users}


def _at(day: int, hour: int = 9) -> Any:
    return time_machine.travel(dt.datetime(2026, 11, day, hour, 0, tzinfo=MSK), tick=False)


def _received(mailbox: Any) -> Counter[tuple[str, str]]:
    return Counter((str(m["To"]), str(m["Subject"])) for m in mailbox.messages)


def test_which_reminders_are_due_on_which_day():
    period = BillingPeriod(year=2026, month=11, calculation_date=CALCULATION_DATE,
                           status=PeriodStatus.OPEN)
    window = reading_window(period)
    due = {day: due_reminders(window, dt.date(2026, 11, day)) for day in (24, 25, 27, 28, 30)}
    assert due[24] == () and due[25] == due[27] == (NotificationKind.READINGS_OPEN,)
    assert due[28] == due[30] == (NotificationKind.READINGS_OPEN, NotificationKind.READINGS_CLOSING)
    assert due_reminders(window, dt.date(2026, 12, 1)) == ()  # past the deadline
    period.status = PeriodStatus.CLOSED
    assert due_reminders(window, dt.date(2026, 11, 28)) == ()


def test_the_window_reminders_go_once_to_those_who_want_them(clean_app, clients, mailbox):
    with _at(24):
        reading_window_reminders_job()
    assert wait_idle(clean_app) and mailbox.messages == []

    with _at(25, hour=0):  # 00:00 in Moscow is still the 24th in UTC: the local date counts
        reading_window_reminders_job()
        assert wait_idle(clean_app)
        reading_window_reminders_job()  # the next hourly run finds them sent
        assert wait_idle(clean_app)
    assert _received(mailbox) == Counter({
        ("buh@romashka.example", "Открыт приём показаний: Ноябрь 2026"): 1,
        ("buh@lutik.example", "Reading entry is open: November 2026"): 1,
    })
    body = mailbox.last_to("buh@romashka.example").get_content()
    assert "с 25.11.2026 по 30.11.2026" in body
    mailbox.clear()

    with _at(28):
        assert send_reading_window_reminders() == JobReport(sent=3, already_sent=3)
    assert wait_idle(clean_app)
    assert _received(mailbox) == Counter({
        ("buh@romashka.example", "Приём показаний закрывается 30.11.2026: Ноябрь 2026"): 1,
        ("quiet@romashka.example", "Приём показаний закрывается 30.11.2026: Ноябрь 2026"): 1,
        ("buh@lutik.example", "Reading entry closes on 30 Nov 2026: November 2026"): 1,
    })


def test_two_runs_at_once_send_each_reminder_once(clean_app, clients, mailbox):
    def run() -> JobReport:
        with clean_app.app_context():
            return send_reading_window_reminders()

    with _at(28):
        reports = run_together([run, run])
    assert all(isinstance(r, JobReport) for r in reports), reports
    # Three active clients, two reminders each: six claims in all, each won by one run.
    assert sum(r.sent for r in reports) == 6 and sum(r.already_sent for r in reports) == 6
    assert wait_idle(clean_app)
    counts = _received(mailbox)
    assert set(counts.values()) == {1}
    assert sorted(to for to, _subject in counts) == sorted([
        "buh@romashka.example", "buh@romashka.example", "quiet@romashka.example",
        "buh@lutik.example", "buh@lutik.example"])
    assert db.session.scalar(select(func.count()).select_from(NotificationSent)) == 6


# --- certificates ---------------------------------------------------------------------------


def _certificate(common_name: str, not_after: dt.datetime) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ООО «Ромашка»")])
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(not_after - dt.timedelta(days=365)).not_valid_after(not_after)
            .sign(key, hashes.SHA256()))


@pytest.fixture()
def registered(clients: dict[str, Any]) -> Any:
    """A stand-in for the registered certificates: real X.509 certificates, given to the job
    through the source protocol the certificates package will implement."""
    now = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    certs = [(clients["romashka"].id, _certificate("Иванова М. С.", now + dt.timedelta(days=20))),
             (clients["romashka"].id, _certificate("Петров С. Н.", now + dt.timedelta(days=45))),
             (clients["lutik"].id, _certificate("Expired", now - dt.timedelta(days=1)))]
    records = [certificates.ExpiringCertificate(
        client_id=client_id,
        fingerprint=hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest(),
        holder=cert.subject.rfc4514_string(), serial=f"{cert.serial_number:x}",
        not_after=cert.not_valid_after_utc) for client_id, cert in certs]

    def source(session: Any, *, now: dt.datetime, until: dt.datetime) -> list[Any]:
        return records  # the job itself keeps only those expiring within 30 days

    certificates.use_certificate_source(source)
    yield now, records
    certificates.use_certificate_source(None)


def test_an_expiring_certificate_is_announced_once_to_the_signers(clean_app: Flask, registered,
                                                                 mailbox):
    now, records = registered
    assert send_certificate_expiry_notices(now) == JobReport(sent=1, already_sent=0)
    assert send_certificate_expiry_notices(now + dt.timedelta(hours=1)) == JobReport(0, 1)
    assert wait_idle(clean_app)
    # buh holds both roles; sig signs; quiet (accountant only) may not sign.
    assert sorted(str(m["To"]) for m in mailbox.messages) == [
        "buh@romashka.example", "sig@romashka.example"]
    notice = mailbox.last_to("sig@romashka.example")
    assert notice["Subject"] == "Сертификат электронной подписи истекает 10.12.2026"
    assert records[0].serial in notice.get_content() and "Иванова" in notice.get_content()


def test_no_certificates_registered_means_no_notices(clean_app, clients, mailbox):
    assert send_certificate_expiry_notices() == JobReport()
    assert wait_idle(clean_app) and mailbox.messages == []
