"""Reminders of the reading window: when it opens, and two days before it closes.

The window is ``periods.operations.reading_window``: readings are accepted from the period's
calculation date until the calculation deadline. The job (``tasks``, hourly on Celery beat)
asks ``due_reminders`` what is due today and sends each reminder once per period and client
(``claim_once``), however often it runs and on however many workers. A reminder missed on
its day (the job did not run) is sent on the next run while it still makes sense: the
opening one while the window is open, the closing one until the deadline.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from lk_corporate.accounts.preferences import NotificationKind
from lk_corporate.clients.models import Client
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_
from lk_corporate.core.i18n import format_date, format_period
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.notifications.operations import Shown, claim_once, notify, portal_link
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.periods.operations import ReadingWindow, current_period, reading_window

CLOSING_NOTICE_DAYS = 2
"""How many days before the window closes the closing reminder goes out."""

READINGS_OPEN = N_("Reading entry is open: %(period)s")
READINGS_CLOSING = N_("Reading entry closes on %(closes)s: %(period)s")

_SUBJECTS = {NotificationKind.READINGS_OPEN: (READINGS_OPEN, "readings_window_open"),
             NotificationKind.READINGS_CLOSING: (READINGS_CLOSING, "readings_window_closing")}


@dataclass(frozen=True)
class ReminderPlan:
    """What the job has to do today: the reminders due for the open period, for each
    active client (IDs only: each client is handled in a transaction of its own)."""

    period_id: int
    kinds: tuple[NotificationKind, ...]
    client_ids: tuple[int, ...]


def due_reminders(window: ReadingWindow, today: dt.date) -> tuple[NotificationKind, ...]:
    """The reminders ``window`` calls for on ``today`` (the supplier's local date)."""
    if not window.is_open(today) or today > window.calculate_by:
        return ()
    kinds = [NotificationKind.READINGS_OPEN]
    if today >= window.calculate_by - dt.timedelta(days=CLOSING_NOTICE_DAYS):
        kinds.append(NotificationKind.READINGS_CLOSING)
    return tuple(kinds)


def reminder_plan(session: DbSession, today: dt.date) -> ReminderPlan | None:
    period = current_period(session)
    if period is None:
        return None
    kinds = due_reminders(reading_window(period), today)
    if not kinds:
        return None
    client_ids = tuple(session.scalars(select(Client.id).where(Client.is_active.is_(True))
                                       .order_by(Client.id)))
    return ReminderPlan(period.id, kinds, client_ids)


def remind_client(session: DbSession, *, period_id: int, kind: NotificationKind,
                  client_id: int) -> list[OutgoingMail] | None:
    """Send one reminder to one client's users, unless it went already (None then)."""
    if not claim_once(session, kind=kind, client_id=client_id, key=f"period:{period_id}"):
        return None
    period = session.get(BillingPeriod, period_id)
    assert period is not None
    window = reading_window(period)
    subject, template = _SUBJECTS[kind]
    month = dt.date(period.year, period.month, 1)
    return notify(session, client_id=client_id, kind=kind, subject_msgid=subject,
                  template=template,
                  context={"period": Shown(month, format_period), "opens_on": window.opens_on,
                           "closes_on": window.calculate_by,
                           "closes": Shown(window.calculate_by, format_date),
                           "link": portal_link("web.index")})
