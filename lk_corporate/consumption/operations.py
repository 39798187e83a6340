"""A client's reading history: per meter, twelve months of readings, consumption and cost.

Where a month's figures come from, in this order:

1. the month's calculation — the charge lines stored with the client's live invoice of that
   period (``charges.operations.month_invoice``): previous and current reading per zone,
   consumption (with the transformer ratios) and the amount with VAT;
2. otherwise the month's accepted readings (``readings.models.Reading``, status accepted):
   readings and consumption, no cost yet (not calculated);
3. otherwise nothing (a gap in the table and the chart).

Approved consumption limits (kWh per metering point and month, from the limit requests the
supplier approved) are passed in by the caller as ``limits`` — point id → twelve monthly
volumes (January first; None: no limit that month) of the year of the window's last month.
A month's electricity consumption at a point above its limit is *over the limit*.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lk_corporate.calculation.engine import SERVICE_NAMES, ZONE_NAMES
from lk_corporate.charges.operations import month_invoice
from lk_corporate.clients.models import Meter, Service
from lk_corporate.core.db import DbSession
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.readings.models import Reading, ReadingStatus

__all__ = [
    "History",
    "LimitsByPoint",
    "MeterHistory",
    "MeterMonth",
    "Month",
    "PointLimits",
    "ZoneReading",
    "last_months",
    "latest_month",
    "reading_history",
]

Month = tuple[int, int]
"""(year, month)."""
LimitsByPoint = Mapping[int, Sequence[Decimal | None]]
"""point id → twelve monthly limits in kWh (January first; None: no limit that month)."""

LIMITED_SERVICE = Service.ELECTRICITY
"""Limits are requested in kWh: they apply to the electricity meters of a point."""


def last_months(end: Month, count: int = 12) -> tuple[Month, ...]:
    """The ``count`` months ending with ``end``, oldest first."""
    year, month = end
    index = year * 12 + month - 1
    return tuple(((i // 12), (i % 12) + 1) for i in range(index - count + 1, index + 1))


@dataclass(frozen=True)
class ZoneReading:
    zone: str
    zone_name: str
    previous: Decimal
    current: Decimal
    volume: Decimal


@dataclass(frozen=True)
class MeterMonth:
    """One month of one meter: its zones' readings, the consumption (all zones, with the
    ratios), the cost with VAT (None: not calculated), and where the figures come from."""

    year: int
    month: int
    readings: tuple[ZoneReading, ...]
    volume: Decimal | None
    cost: Decimal | None
    source: str  # "calculation", "readings" or "" (no data)

    @property
    def has_data(self) -> bool:
        return self.volume is not None


@dataclass(frozen=True)
class MeterHistory:
    meter_id: int
    point_id: int
    point: str
    factory_number: str
    service: str
    unit: str
    months: tuple[MeterMonth, ...]

    @property
    def service_name(self) -> str:
        return SERVICE_NAMES.get(self.service, self.service)

    @property
    def total_volume(self) -> Decimal:
        return sum((m.volume for m in self.months if m.volume is not None), Decimal(0))

    @property
    def total_cost(self) -> Decimal:
        return sum((m.cost for m in self.months if m.cost is not None), Decimal("0.00"))


@dataclass(frozen=True)
class LimitMonth:
    year: int
    month: int
    actual: Decimal | None
    limit: Decimal | None

    @property
    def over(self) -> bool:
        return self.actual is not None and self.limit is not None and self.actual > self.limit

    @property
    def excess(self) -> Decimal | None:
        if not self.over:
            return None
        assert self.actual is not None and self.limit is not None
        return self.actual - self.limit


@dataclass(frozen=True)
class PointLimits:
    """A point's approved limits beside its electricity consumption, month by month."""

    point_id: int
    point: str
    months: tuple[LimitMonth, ...]

    @property
    def exceeded(self) -> tuple[LimitMonth, ...]:
        return tuple(m for m in self.months if m.over)


@dataclass(frozen=True)
class History:
    client_id: int
    months: tuple[Month, ...]
    meters: tuple[MeterHistory, ...]
    limits: tuple[PointLimits, ...]

    @property
    def has_data(self) -> bool:
        return any(m.has_data for meter in self.meters for m in meter.months)

    @property
    def warnings(self) -> tuple[tuple[PointLimits, LimitMonth], ...]:
        return tuple((p, m) for p in self.limits for m in p.exceeded)


def latest_month(session: DbSession, client_id: int) -> Month | None:
    """The newest month with a calculation or accepted readings of the client."""
    periods = session.scalars(select(BillingPeriod).order_by(BillingPeriod.year.desc(),
                                                             BillingPeriod.month.desc()))
    for period in periods:
        if month_invoice(session, client_id, period.id) is not None or session.scalars(
                select(Reading.id).where(Reading.client_id == client_id,
                                         Reading.period_id == period.id,
                                         Reading.status == ReadingStatus.ACCEPTED)
                .limit(1)).first() is not None:
            return period.year, period.month
    return None


def _from_calculation(session: DbSession, client_id: int, period_id: int
                      ) -> dict[str, MeterMonth] | None:
    invoice = month_invoice(session, client_id, period_id)
    if invoice is None:
        return None
    zones: dict[str, list[ZoneReading]] = defaultdict(list)
    cost: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in invoice.charge_lines:
        zones[line.factory_number].append(ZoneReading(
            line.zone, line.zone_name, line.previous, line.current, line.volume))
        cost[line.factory_number] += line.gross
    return {number: MeterMonth(0, 0, tuple(rows), sum((r.volume for r in rows), Decimal(0)),
                               cost[number], "calculation")
            for number, rows in zones.items()}


def _from_readings(session: DbSession, client_id: int, period_id: int) -> dict[int, MeterMonth]:
    rows = session.scalars(select(Reading).where(
        Reading.client_id == client_id, Reading.period_id == period_id,
        Reading.status == ReadingStatus.ACCEPTED).order_by(Reading.id))
    zones: dict[int, dict[str, ZoneReading]] = defaultdict(dict)
    for r in rows:  # a later accepted row of the same zone replaces an earlier one
        zones[r.meter_id][r.zone] = ZoneReading(r.zone, ZONE_NAMES.get(r.zone, r.zone),
                                                r.previous_value, r.value, r.consumption)
    return {meter_id: MeterMonth(0, 0, tuple(z.values()),
                                 sum((x.volume for x in z.values()), Decimal(0)), None, "readings")
            for meter_id, z in zones.items()}


def reading_history(session: DbSession, client_id: int, *, end: Month,
                    limits: Mapping[int, Sequence[Decimal | None]], count: int = 12) -> History:
    """The ``count`` months up to ``end`` of every meter of ``client_id`` that has a factory
    number (removed meters too, while they have figures in the window). ``limits``: point
    id → the twelve monthly limits (kWh, January first) of the year of ``end``."""
    months = last_months(end, count)
    periods = {(p.year, p.month): p for p in session.scalars(
        select(BillingPeriod).where(BillingPeriod.year.in_({y for y, _ in months})))}
    by_number: dict[Month, dict[str, MeterMonth]] = {}
    by_meter: dict[Month, dict[int, MeterMonth]] = {}
    for ym in months:
        period = periods.get(ym)
        if period is None:
            continue
        calculated = _from_calculation(session, client_id, period.id)
        if calculated is not None:
            by_number[ym] = calculated
        else:
            by_meter[ym] = _from_readings(session, client_id, period.id)
    meters = list(session.scalars(select(Meter).where(Meter.client_id == client_id,
                                                      Meter.factory_number.is_not(None))
                                  .options(joinedload(Meter.point))
                                  .order_by(Meter.point_id, Meter.id)))
    histories = []
    for meter in meters:
        number = meter.factory_number or ""
        rows = []
        for year, month in months:
            found = (by_number.get((year, month), {}).get(number)
                     or by_meter.get((year, month), {}).get(meter.id))
            if found is None:
                rows.append(MeterMonth(year, month, (), None, None, ""))
            else:
                rows.append(MeterMonth(year, month, found.readings, found.volume, found.cost,
                                       found.source))
        if meter.status.value != "installed" and not any(r.has_data for r in rows):
            continue
        histories.append(MeterHistory(meter.id, meter.point_id, meter.point.name, number,
                                      meter.service.value, _unit(meter.service), tuple(rows)))
    return History(client_id, months, tuple(histories),
                   _point_limits(histories, months, limits, end[0]))


def _unit(service: Service) -> str:
    return {"electricity": "кВт·ч", "cold_water": "м³", "hot_water": "м³",
            "heat": "Гкал"}.get(service.value, "")


def _point_limits(histories: Sequence[MeterHistory], months: Sequence[Month],
                  limits: Mapping[int, Sequence[Decimal | None]], year: int
                  ) -> tuple[PointLimits, ...]:
    out = []
    for point_id, monthly in sorted(limits.items()):
        mine = [h for h in histories if h.point_id == point_id
                and h.service == LIMITED_SERVICE.value]
        if not mine:
            continue
        rows = []
        for i, (y, m) in enumerate(months):
            volumes = [v for h in mine if (v := h.months[i].volume) is not None]
            actual = sum(volumes, Decimal(0)) if volumes else None
            limit = monthly[m - 1] if y == year and len(monthly) >= m else None
            rows.append(LimitMonth(y, m, actual, limit))
        out.append(PointLimits(point_id, mine[0].point, tuple(rows)))
    return tuple(out)
