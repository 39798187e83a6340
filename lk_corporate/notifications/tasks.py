"""The scheduled notices (Celery beat, ``lk_corporate.tasks``): the reading-window reminders
and the certificate expiry notices.

Each client's notice is claimed and queued in a transaction of its own: a failure with one
client loses nothing for the others, and two runs at once (two workers, a beat that fired
twice) send every notice once — the second finds the claim of the first
(``operations.claim_once``).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask import current_app

from lk_corporate.core.db import utcnow
from lk_corporate.core.jobs import job
from lk_corporate.core.uow import unit_of_work
from lk_corporate.notifications.certificates import announce_expiry, expiring_certificates
from lk_corporate.notifications.reminders import remind_client, reminder_plan

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobReport:
    """How many notices this run sent (each to all of a client's recipients) and how many
    it found already sent."""

    sent: int = 0
    already_sent: int = 0


def supplier_today() -> dt.date:
    """Today in the supplier's time zone (reading windows are its local dates)."""
    zone = ZoneInfo(str(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow"))
    return utcnow().astimezone(zone).date()


def send_reading_window_reminders(today: dt.date | None = None) -> JobReport:
    today = today or supplier_today()
    with unit_of_work(write=False) as session:
        plan = reminder_plan(session, today)
    if plan is None:
        return JobReport()
    sent = already = 0
    for kind in plan.kinds:
        for client_id in plan.client_ids:
            with unit_of_work() as session:
                result = remind_client(session, period_id=plan.period_id, kind=kind,
                                       client_id=client_id)
            sent, already = (sent + 1, already) if result is not None else (sent, already + 1)
    log.info("reading-window reminders for %s: %d sent, %d already sent", today, sent, already)
    return JobReport(sent, already)


def send_certificate_expiry_notices(now: dt.datetime | None = None) -> JobReport:
    now = now or utcnow()
    with unit_of_work(write=False) as session:
        certificates = expiring_certificates(session, now=now)
    sent = already = 0
    for cert in certificates:
        with unit_of_work() as session:
            result = announce_expiry(session, cert)
        sent, already = (sent + 1, already) if result is not None else (sent, already + 1)
    return JobReport(sent, already)


@job("lk.reading_window_reminders")
def reading_window_reminders_job() -> None:
    """Periodic: the reading window opened / closes in two days (each once per client)."""
    send_reading_window_reminders()


@job("lk.certificate_expiry_notices")
def certificate_expiry_notices_job() -> None:
    """Periodic: certificates registered for clients that expire within 30 days."""
    send_certificate_expiry_notices()
