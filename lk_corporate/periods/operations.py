"""Billing periods: create a month, open it for readings, close it.

State machine: planned → open → closed (``PERIOD_STATES``). Only one period is open at a time:
readings, acts and invoices all hang off "the current period", and two open months would
make "which month is this reading for" ambiguous. Every transition is audited.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.states import StateMachine
from lk_corporate.periods.models import BillingPeriod, PeriodStatus


class PeriodError(DomainError):
    pass


# The calculation date lies in the month or within this many days after it: readings are
# taken at the end of the month or in the first days of the next one.
GRACE_DAYS_AFTER_MONTH = 10
MIN_YEAR, MAX_YEAR = 2000, 2100

PERIOD_STATES = StateMachine[PeriodStatus](
    name="period",
    object_type="billing_period",
    moves={
        PeriodStatus.PLANNED: frozenset({PeriodStatus.OPEN}),
        PeriodStatus.OPEN: frozenset({PeriodStatus.CLOSED}),
    },
    refusal=N_("The period %(label)s is %(state)s and cannot be changed that way."),
)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])


def allowed_calculation_dates(year: int, month: int) -> tuple[dt.date, dt.date]:
    first, last = month_bounds(year, month)
    return first, last + dt.timedelta(days=GRACE_DAYS_AFTER_MONTH)


def create_period(session: DbSession, *, year: int | None, month: int | None,
                  calculation_date: dt.date | None, actor: Actor) -> BillingPeriod:
    if year is None or not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(N_("Enter a year from %(min)s to %(max)s."), "year",
                          min=MIN_YEAR, max=MAX_YEAR)
    if month is None or not 1 <= month <= 12:
        raise PeriodError(N_("Choose a month."), "month")
    if calculation_date is None:
        raise PeriodError(N_("Enter the calculation date."), "calculation_date")
    earliest, latest = allowed_calculation_dates(year, month)
    if not earliest <= calculation_date <= latest:
        raise PeriodError(N_("The calculation date must fall within the month or within "
                             "%(days)s days after it (%(first)s – %(last)s)."),
                          "calculation_date", days=GRACE_DAYS_AFTER_MONTH,
                          first=earliest.strftime("%d.%m.%Y"), last=latest.strftime("%d.%m.%Y"))
    if session.scalar(select(BillingPeriod.id).where(BillingPeriod.year == year,
                                                     BillingPeriod.month == month)) is not None:
        raise PeriodError(N_("The period %(label)s already exists."), "month",
                          label=f"{month:02d}.{year}")
    period = BillingPeriod(year=year, month=month, calculation_date=calculation_date,
                           status=PeriodStatus.PLANNED, created_at=utcnow())
    session.add(period)
    session.flush()
    record(session, "period.created", actor=actor, object_type="billing_period",
           object_id=period.id, details={"period": period.label,
                                         "calculation_date": calculation_date.isoformat()})
    return period


def _transition(session: DbSession, period: BillingPeriod, target: PeriodStatus, *,
                actor: Actor) -> BillingPeriod:
    PERIOD_STATES.check(period.status, target, label=period.label)
    now = utcnow()
    if target == PeriodStatus.OPEN:
        period.opened_at = now
    elif target == PeriodStatus.CLOSED:
        period.closed_at = now
    PERIOD_STATES.transition(session, period, target, actor=actor, label=period.label,
                             details={"period": period.label})
    return period


def open_period(session: DbSession, period: BillingPeriod, *, actor: Actor) -> BillingPeriod:
    """Open a planned period for readings; refused while another period is open."""
    other = current_period(session)
    if other is not None and other.id != period.id:
        raise PeriodError(N_("Close the open period %(label)s first: only one period can be "
                             "open at a time."), label=other.label)
    return _transition(session, period, PeriodStatus.OPEN, actor=actor)


def close_period(session: DbSession, period: BillingPeriod, *, actor: Actor) -> BillingPeriod:
    return _transition(session, period, PeriodStatus.CLOSED, actor=actor)


def get_period(session: DbSession, period_id: int) -> BillingPeriod:
    period = session.get(BillingPeriod, period_id)
    if period is None:
        raise NotFound(N_("No such period."))
    return period


def list_periods(session: DbSession) -> list[BillingPeriod]:
    return list(session.scalars(select(BillingPeriod).order_by(BillingPeriod.year.desc(),
                                                               BillingPeriod.month.desc())))


def current_period(session: DbSession) -> BillingPeriod | None:
    """The open period (at most one), or None between periods."""
    return session.scalars(select(BillingPeriod).where(BillingPeriod.status == PeriodStatus.OPEN)
                           .order_by(BillingPeriod.year.desc(), BillingPeriod.month.desc())
                           .limit(1)).first()


@dataclass(frozen=True)
class ReadingWindow:
    """When readings for a period are accepted: from the calculation date, and the date by
    which the calculation must have happened (SPEC, step 1: within 5 days)."""

    period: BillingPeriod
    opens_on: dt.date
    calculate_by: dt.date

    def is_open(self, today: dt.date) -> bool:
        return self.period.status == PeriodStatus.OPEN and today >= self.opens_on


def reading_window(period: BillingPeriod) -> ReadingWindow:
    return ReadingWindow(period, period.calculation_date, period.calculation_deadline)


# How many days before the calculation deadline the board starts warning.
DEADLINE_WARNING_DAYS = 2


def deadline_state(period: BillingPeriod, today: dt.date) -> str:
    """``overdue`` after the calculation deadline (5 days from the calculation date),
    ``near`` on its last ``DEADLINE_WARNING_DAYS`` days, ``ok`` before, ``closed`` for a
    closed period (whatever happened is done)."""
    if period.status is PeriodStatus.CLOSED:
        return "closed"
    left = (period.calculation_deadline - today).days
    if left < 0:
        return "overdue"
    return "near" if left <= DEADLINE_WARNING_DAYS else "ok"
