"""Submitting readings: one operation for the client's page, the operator's paper form and
the API — ``submit_readings``.

It checks everything before writing anything (the reading window, every row against the
rules, the warnings the submitter must confirm), then records the rows and issues the period's
reading act in the same unit of work. Three refusals, each with what a caller needs to show:

* ``ReadingWindowClosed`` — the period does not take readings (not open, not yet, or its
  invoice is issued);
* ``ReadingRefused`` — per-row errors ``[{meter_id, zone, code, message}]`` (the page puts
  each beside its row; the API answers 422 ``{errors: [...]}``);
* ``NeedsConfirmation`` — warnings ``[{code, message, meter_id}]`` not yet confirmed (the
  page shows them and asks; the API answers 409); calling again with their codes in
  ``confirm`` takes the readings, and the act prints the warnings.

An identical submission while the earlier act still awaits its signature (a double click
that got past the form's once-only id, two API calls) is ``AlreadySubmitted``: nothing new is
issued. Submissions of one client are serialised (a row lock on the client on PostgreSQL,
the write lock on SQLite), so two at once make two acts in a row, the second superseding the
first — never two acts in force.

The readings follow their act's status through ``reading_acts.signals.act_moved`` (this
package listens; the acts package knows nothing of reading rows).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from documents import MeterReading
from lk_corporate.clients.models import Client, Meter, MeteringPoint, MeterStatus
from lk_corporate.clients.operations import client_meters, get_client
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError
from lk_corporate.core.i18n import message_text
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.periods.operations import current_period, get_period
from lk_corporate.reading_acts.models import ReadingAct, ReadingSource
from lk_corporate.reading_acts.operations import (
    ConfirmedWarning,
    check_can_issue,
    current_act,
    issue_reading_act,
)
from lk_corporate.reading_acts.settings import ActLinks, ActSettings
from lk_corporate.reading_acts.signals import act_moved
from lk_corporate.readings.models import Reading, ReadingStatus
from lk_corporate.readings.rules import (
    Computed,
    Entry,
    MeterFacts,
    Previous,
    RowError,
    RuleError,
    Warning,
    evaluate,
    meter_refusal,
    meter_warnings,
    partial_warning,
    plain,
    register,
    warnings_for,
)
from lk_corporate.supplier.operations import get_settings

# --- settings and refusals ------------------------------------------------------------------


@dataclass(frozen=True)
class ReadingSettings:
    timezone: str = "Europe/Moscow"
    """The supplier's time zone: "today" for the reading window and the reading dates."""
    act: ActSettings = field(default_factory=ActSettings)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReadingSettings:
        act = ActSettings.from_config(config)
        return cls(timezone=act.timezone, act=act)

    def today(self, now: dt.datetime) -> dt.date:
        return now.astimezone(ZoneInfo(self.timezone)).date()


class ReadingsError(DomainError):
    code = "readings_refused"


class ReadingWindowClosed(ReadingsError):
    """The period takes no readings now; ``message`` says why."""

    code = "window_closed"


class ReadingRefused(ReadingsError):
    """Rows that break a rule; nothing was saved."""

    code = "readings_refused"

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(N_("Some readings cannot be accepted: see the message beside each "
                            "row. Nothing was saved."))
        self.errors = tuple(errors)

    def as_list(self, locale: str | None = None) -> list[dict[str, Any]]:
        """``[{meter_id, zone, code, message}]`` in words (the API's 422 body)."""
        return [{"meter_id": e.meter_id, "zone": e.zone, "code": e.code,
                 "message": message_text(e.message, e.params, locale=locale)}
                for e in self.errors]


class NeedsConfirmation(ReadingsError):
    """Warnings to confirm first; nothing was saved."""

    code = "needs_confirmation"

    def __init__(self, warnings: Sequence[Warning]) -> None:
        super().__init__(N_("Check the warnings below and confirm them to submit the "
                            "readings."))
        self.warnings = tuple(warnings)

    def as_list(self, locale: str | None = None) -> list[dict[str, Any]]:
        """``[{code, message, meter_id}]`` in words (the API's 409 body)."""
        return [{"code": w.code, "meter_id": w.meter_id,
                 "message": message_text(w.message, w.params, locale=locale)}
                for w in self.warnings]


class AlreadySubmitted(ReadingsError):
    """The same readings are already in an act awaiting signature."""

    code = "already_submitted"

    def __init__(self, act: ReadingAct) -> None:
        super().__init__(N_("These readings have already been submitted: act № %(number)s "
                            "awaits the signature. Nothing was submitted twice."),
                         number=act.document.number)
        self.act = act


# --- the reading window ---------------------------------------------------------------------

@dataclass(frozen=True)
class Window:
    """Whether a client's period takes readings today; if not, why (a msgid with params)."""

    period: BillingPeriod | None
    is_open: bool
    message: str = ""
    params: Mapping[str, Any] = field(default_factory=dict)


def invoice_issued(session: DbSession, client_id: int, period_id: int) -> bool:
    """The client has an invoice in force for the period (one that was not voided)."""
    return session.scalar(select(Document.id).where(
        Document.kind == DocumentKind.INVOICE, Document.client_id == client_id,
        Document.period_id == period_id,
        Document.status.not_in((DocumentStatus.VOIDED, DocumentStatus.SUPERSEDED))
    ).limit(1)) is not None


def reading_window(session: DbSession, client_id: int, period: BillingPeriod | None,
                   today: dt.date) -> Window:
    """SPEC, step 1: readings are taken from the period's calculation date until its
    invoice is issued, while the period is open."""
    if period is None:
        return Window(None, False, N_("No billing period is open: readings are not accepted "
                                      "now."))
    label = period.label
    if period.status is not PeriodStatus.OPEN:
        return Window(period, False, N_("The period %(period)s is not open for readings."),
                      {"period": label})
    if today < period.calculation_date:
        return Window(period, False, N_("Readings for %(period)s are accepted from %(date)s."),
                      {"period": label, "date": period.calculation_date})
    if invoice_issued(session, client_id, period.id):
        return Window(period, False, N_("The invoice for %(period)s has been issued: readings "
                                        "for this period are closed."), {"period": label})
    return Window(period, True)


# --- previous readings ----------------------------------------------------------------------

def facts(meter: Meter) -> MeterFacts:
    return MeterFacts(meter_id=meter.id, factory_number=meter.factory_number,
                      in_service=meter.status is MeterStatus.INSTALLED, digits=meter.digits,
                      decimals=meter.decimals, ct_ratio=plain(meter.ct_ratio),
                      vt_ratio=plain(meter.vt_ratio), zones=tuple(meter.zone_list),
                      max_consumption=None if meter.max_consumption is None
                      else plain(meter.max_consumption),
                      verification_date=meter.verification_date)


def previous_readings(session: DbSession, meters: Iterable[Meter],
                      period_id: int) -> dict[tuple[int, str], Previous]:
    """For each (meter, zone): the last accepted reading of an earlier period, else the
    meter's installation reading (corrections within a period are counted from the same
    point as the reading they correct)."""
    meters = list(meters)
    found: dict[tuple[int, str], Previous] = {}
    for meter in meters:
        for zone in meter.zone_list:
            value = meter.installation_reading(zone)
            if value is not None:
                found[(meter.id, zone)] = Previous(register(value, meter.decimals),
                                                   meter.installed_on, "installation")
    if not meters:
        return found
    rows = session.scalars(
        select(Reading).where(Reading.meter_id.in_([m.id for m in meters]),
                              Reading.status == ReadingStatus.ACCEPTED,
                              Reading.period_id != period_id)
        .order_by(Reading.reading_date, Reading.id))
    decimals = {m.id: m.decimals for m in meters}
    for row in rows:  # oldest first: the last one per key wins
        found[(row.meter_id, row.zone)] = Previous(register(row.value, decimals[row.meter_id]),
                                                   row.reading_date, row.source.value, row.id)
    return found


def period_readings(session: DbSession, client_id: int, period_id: int) -> list[Reading]:
    """The readings of the period that are not superseded (pending, accepted, rejected),
    newest first."""
    return list(session.scalars(
        select(Reading).where(Reading.client_id == client_id, Reading.period_id == period_id,
                              Reading.status != ReadingStatus.SUPERSEDED)
        .order_by(Reading.id.desc())))


# --- the page -------------------------------------------------------------------------------

@dataclass(frozen=True)
class ZoneRow:
    zone: str
    previous: Previous | None
    sent: Reading | None
    """This period's reading of the zone (pending, accepted or rejected), if any."""


@dataclass(frozen=True)
class MeterRow:
    meter: Meter
    zones: tuple[ZoneRow, ...]
    refusal: RuleError | None
    """Why the meter takes no readings (no factory number, not in service), or None."""


@dataclass(frozen=True)
class ReadingsView:
    window: Window
    rows: tuple[MeterRow, ...]
    act: ReadingAct | None
    """The period's current act (not superseded), if any."""


def readings_view(session: DbSession, client_id: int, *, today: dt.date,
                  period: BillingPeriod | None = None) -> ReadingsView:
    """What the readings page shows for the client: the open period (or ``period``), its
    window, every meter and zone with the previous reading and what was sent this period."""
    period = period or current_period(session)
    window = reading_window(session, client_id, period, today)
    meters = client_meters(session, client_id)
    previous = previous_readings(session, meters, period.id) if period else {}
    sent: dict[tuple[int, str], Reading] = {}
    if period is not None:
        for reading in period_readings(session, client_id, period.id):
            sent.setdefault((reading.meter_id, reading.zone), reading)
    rows = tuple(
        MeterRow(m, tuple(ZoneRow(z, previous.get((m.id, z)), sent.get((m.id, z)))
                          for z in m.zone_list), meter_refusal(facts(m)))
        for m in meters)
    act = current_act(session, client_id, period.id) if period else None
    return ReadingsView(window, rows, act)


# --- submitting -----------------------------------------------------------------------------

@dataclass(frozen=True)
class SubmittedAct:
    document: Document
    act: ReadingAct
    readings: tuple[Reading, ...]
    superseded: tuple[Document, ...]


SERVICE_NAMES: Mapping[str, tuple[str, str]] = {
    # service → (its name in the act, the unit of its consumption)
    "electricity": ("Электроэнергия", "кВт·ч"),
    "cold_water": ("Холодное водоснабжение", "м³"),
    "hot_water": ("Горячее водоснабжение", "м³"),
    "heat": ("Тепловая энергия", "Гкал"),
}
ZONE_NAMES: Mapping[str, str] = {"single": "Круглосуточно", "day": "День", "night": "Ночь",
                                 "peak": "Пик", "half_peak": "Полупик"}


def _lock_client(session: DbSession, client_id: int) -> None:
    # PostgreSQL: one submission per client at a time (SQLite's writers queue anyway).
    session.execute(select(Client.id).where(Client.id == client_id).with_for_update())


def _check_rows(meters: Mapping[int, Meter], entries: Sequence[Entry],
                previous: Mapping[tuple[int, str], Previous]) -> list[Computed]:
    errors: list[RowError] = []
    computed: list[Computed] = []
    seen: set[tuple[int, str]] = set()
    for entry in entries:
        if entry.empty:
            continue
        key = (entry.meter_id, entry.zone)
        meter = meters.get(entry.meter_id)
        if meter is None:
            errors.append(RowError(entry.meter_id, entry.zone, "unknown_meter",
                                   N_("No such meter.")))
            continue
        if key in seen:
            errors.append(RowError(entry.meter_id, entry.zone, "duplicate",
                                   N_("This meter's zone is given twice.")))
            continue
        seen.add(key)
        try:
            computed.append(evaluate(facts(meter), entry, previous.get(key)))
        except RuleError as exc:
            errors.append(RowError(entry.meter_id, entry.zone, exc.code, exc.message, exc.params))
    if errors:
        raise ReadingRefused(errors)
    if not computed:
        raise ReadingRefused([RowError(None, None, "nothing_entered",
                                       N_("Enter at least one reading."))])
    return computed


def _warnings(meters: Mapping[int, Meter], computed: Sequence[Computed],
              today: dt.date) -> list[Warning]:
    taking = [m for m in meters.values() if meter_refusal(facts(m)) is None]
    entered = {(c.meter_id, c.zone) for c in computed}
    complete = [m for m in taking if all((m.id, z) in entered for z in m.zone_list)]
    out: list[Warning] = []
    if len(complete) < len(taking):
        out.append(partial_warning(len(complete), len(taking)))
    for meter_id in dict.fromkeys(c.meter_id for c in computed):
        out.extend(meter_warnings(facts(meters[meter_id]), today))
    for row in computed:
        out.extend(warnings_for(facts(meters[row.meter_id]), row, today))
    return out


def _same_as_pending(session: DbSession, act: ReadingAct, computed: Sequence[Computed],
                     confirmed: Sequence[Warning]) -> bool:
    pending = session.scalars(select(Reading).where(Reading.document_id == act.document_id))
    before = {(r.meter_id, r.zone, r.value, r.consumption, r.rollover) for r in pending}
    now = {(c.meter_id, c.zone, c.value, c.consumption, c.rollover) for c in computed}
    codes = {w["code"] for w in act.confirmed_warnings}
    return before == now and codes == {w.code for w in confirmed}


def _act_row(meter: Meter, row: Computed, today: dt.date) -> MeterReading:
    service_name, unit = SERVICE_NAMES[meter.service.value]
    assert meter.factory_number is not None
    return MeterReading(
        service=meter.service.value, service_name=service_name, point_name=meter.point.name,
        factory_number=meter.factory_number, verification_date=meter.verification_date,
        zone=row.zone, zone_name=ZONE_NAMES.get(row.zone, row.zone), unit=unit,
        previous_value=row.previous.value,
        # An installation reading without a date is refused on the meter form; the act
        # prints the period's reading date otherwise rather than inventing one.
        previous_date=row.previous.date or today,
        current_value=row.value, current_date=today, ct_ratio=plain(meter.ct_ratio),
        vt_ratio=plain(meter.vt_ratio), consumption=row.consumption, rollover=row.rollover)


def _point_order(meter: Meter) -> tuple[str, str, int]:
    point: MeteringPoint = meter.point
    return (point.name, meter.service.value, meter.id)


def submit_readings(session: DbSession, store: FileStore, *, client_id: int, period_id: int,
                    entries: Sequence[Entry], source: ReadingSource, confirm: frozenset[str],
                    actor: Actor, settings: ReadingSettings, links: ActLinks,
                    now: dt.datetime | None = None) -> SubmittedAct:
    """Take the readings ``entries`` of the client's period and issue its reading act.

    ``confirm``: the warning codes the submitter confirmed. Raises (before writing
    anything) ``ReadingWindowClosed``, ``ReadingRefused``, ``NeedsConfirmation``,
    ``AlreadySubmitted``, ``reading_acts.operations.ActError`` (the act cannot be printed),
    or ``NotFound`` (no such client or period).
    """
    now = now or utcnow()
    today = settings.today(now)
    client = get_client(session, client_id)
    _lock_client(session, client.id)
    period = get_period(session, period_id)
    window = reading_window(session, client.id, period, today)
    if not window.is_open:
        raise ReadingWindowClosed(window.message, **window.params)
    supplier = get_settings(session)
    check_can_issue(client, supplier)
    meters = {m.id: m for m in client_meters(session, client.id)}
    previous = previous_readings(session, meters.values(), period.id)
    computed = _check_rows(meters, entries, previous)
    warnings = _warnings(meters, computed, today)
    if any(w.code not in confirm for w in warnings):
        raise NeedsConfirmation(warnings)
    existing = current_act(session, client.id, period.id)
    if existing is not None and existing.document.status in (
            DocumentStatus.AWAITING_SIGNATURE, DocumentStatus.SIGNED) \
            and _same_as_pending(session, existing, computed, warnings):
        raise AlreadySubmitted(existing)

    ordered = sorted(computed, key=lambda c: (_point_order(meters[c.meter_id]),
                                              meters[c.meter_id].zone_list.index(c.zone)))
    confirmed = [ConfirmedWarning(w.code, message_text(w.message, w.params, locale="ru"))
                 for w in warnings]
    issued = issue_reading_act(
        session, store, client=client, period=period, supplier=supplier,
        readings=[_act_row(meters[c.meter_id], c, today) for c in ordered], warnings=confirmed,
        source=source, actor=actor, settings=settings.act, links=links, now=now)
    rows = []
    for c in ordered:
        codes = [w.code for w in warnings if w.meter_id in (None, c.meter_id)
                 and (w.code.count(":") < 2 or w.code.endswith(f":{c.zone}"))]
        reading = Reading(
            client_id=client.id, meter_id=c.meter_id, period_id=period.id, zone=c.zone,
            mode=c.mode, entered=c.entered[:40], value=c.value, consumption=c.consumption,
            rollover=c.rollover, previous_value=c.previous.value,
            previous_date=c.previous.date, previous_source=c.previous.source,
            previous_reading_id=c.previous.reading_id, reading_date=today, source=source,
            entered_by_id=actor.user_id, entered_by=actor.name[:200], entered_at=now,
            document_id=issued.document.id, status=ReadingStatus.PENDING,
            confirmed=json.dumps(codes))
        session.add(reading)
        rows.append(reading)
    session.flush()
    record(session, "readings.submitted", actor=actor, object_type="document",
           object_id=issued.document.id,
           details={"client_id": client.id, "period": period.label, "source": source.value,
                    "number": issued.document.number, "count": len(rows),
                    "confirmed": [w.code for w in warnings],
                    "superseded": [d.number for d in issued.superseded]})
    return SubmittedAct(issued.document, issued.act, tuple(rows), issued.superseded)


def entries_from_pending(readings: Iterable[Reading]) -> list[Entry]:
    """What the readings page pre-fills from the period's readings: the value as typed
    (a new submission replaces the whole act, so unchanged rows are sent again)."""
    return [Entry(r.meter_id, r.zone, r.entered or format(r.value, "f"), r.mode, r.rollover)
            for r in readings]


# --- keeping the rows in step with their act ------------------------------------------------

_FOLLOW: Mapping[DocumentStatus, ReadingStatus] = {
    DocumentStatus.ACCEPTED: ReadingStatus.ACCEPTED,
    DocumentStatus.SUPERSEDED: ReadingStatus.SUPERSEDED,
    DocumentStatus.REJECTED: ReadingStatus.REJECTED,
}


@act_moved.connect
def _follow_act(document: Document, *, session: DbSession, status: DocumentStatus,
                signature_refused: bool = False, **_: Any) -> None:
    """An act moved: its readings follow (a rejected signature leaves them pending — the
    readings were not judged, the signature was)."""
    target = _FOLLOW.get(status)
    if target is None or (status is DocumentStatus.REJECTED and signature_refused):
        return
    session.execute(update(Reading).where(Reading.document_id == document.id)
                    .values(status=target).execution_options(synchronize_session="fetch"))
