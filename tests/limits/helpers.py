"""A client with two electricity points and a water meter, last year's accepted readings
and a year of this one: what the limit request tests start from."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal as D
from pathlib import Path

from lk_corporate.clients.models import Client, Meter, Service
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.limits import operations as ops
from lk_corporate.limits.models import LimitRequest
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.readings.models import Reading, ReadingStatus
from lk_corporate.readings.rules import EntryMode
from lk_corporate.supplier.operations import get_settings
from tests.support.factories import create_client, create_meter, create_supplier

ACTOR = Actor(None, "tests", "10.0.0.1")
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC)


@dataclass
class Firm:
    client: Client
    main: Meter
    second: Meter
    water: Meter
    store: FileStore


def period(year: int, month: int) -> BillingPeriod:
    found = db.session.query(BillingPeriod).filter_by(year=year, month=month).first()
    if found is not None:
        return found
    p = BillingPeriod(year=year, month=month, calculation_date=dt.date(year, month, 25),
                      status=PeriodStatus.CLOSED)
    db.session.add(p)
    db.session.flush()
    return p


def reading(meter: Meter, year: int, month: int, consumption: D, *, zone: str = "single",
            status: ReadingStatus = ReadingStatus.ACCEPTED) -> None:
    db.session.add(Reading(
        client_id=meter.client_id, meter_id=meter.id, period_id=period(year, month).id,
        zone=zone, mode=EntryMode.CONSUMPTION, entered=str(consumption), value=consumption,
        consumption=consumption, rollover=False, previous_value=D(0), previous_date=None,
        previous_source="installation", reading_date=dt.date(year, month, 25),
        source=ReadingSource.CLIENT, status=status, confirmed=json.dumps([])))


def make_firm(tmp_path: Path, **client: object) -> Firm:
    if get_settings(db.session) is None:
        create_supplier(director="Смирнов Алексей Викторович")
    c = create_client(**client)
    main = create_meter(c, zones="day,night")
    second = create_meter(c)
    water = create_meter(c, service=Service.COLD_WATER)
    db.session.commit()
    return Firm(c, main, second, water, FileStore(tmp_path / "files"))


def twelve(*values: str | int) -> list[D]:
    if len(values) == 1:
        return [D(values[0])] * 12
    return [D(v) for v in values]


def create(firm: Firm, year: int = 2027, main: list[D] | None = None,
           second: list[D] | None = None) -> LimitRequest:
    points = [ops.PointVolumes(firm.main.point_id, main or twelve(1000))]
    if second is not None:
        points.append(ops.PointVolumes(firm.second.point_id, second))
    request = ops.create_limit_request(
        db.session, firm.store, client=firm.client, year=year, points=points,
        supplier=get_settings(db.session), actor=ACTOR, base_url="https://lk.example", now=NOW)
    db.session.commit()
    return request
