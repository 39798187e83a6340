"""A client ready to submit readings: the supplier, the client with its contract, meters
with installation readings or last month's accepted readings, an open period whose reading
window is open, and what the operations need (store, settings, links)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lk_corporate.clients.models import (
    Client,
    Meter,
    MeterInstallationReading,
    MeterStatus,
    Service,
)
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.reading_acts.settings import ActLinks
from lk_corporate.readings.models import Reading, ReadingStatus
from lk_corporate.readings.operations import ReadingSettings, SubmittedAct, submit_readings
from lk_corporate.readings.rules import Entry, EntryMode
from tests.support.factories import create_client, create_meter, create_supplier

D = Decimal
ACTOR = Actor(None, "tests", "10.0.0.1")
TODAY = dt.date(2026, 11, 26)
NOW = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)  # 12:30 in Moscow
SETTINGS = ReadingSettings()
LINKS = ActLinks.for_base_url("https://lk.example")


@dataclass
class World:
    client: Client
    period: BillingPeriod
    previous_period: BillingPeriod
    store: FileStore
    meters: dict[str, Meter] = field(default_factory=dict)


def add_history(meter: Meter, period: BillingPeriod, values: dict[str, Decimal],
                date: dt.date) -> None:
    """Accepted readings of an earlier period (what "previous" is counted from)."""
    for zone, value in values.items():
        db.session.add(Reading(
            client_id=meter.client_id, meter_id=meter.id, period_id=period.id, zone=zone,
            mode=EntryMode.READING, entered=str(value), value=value, consumption=value,
            rollover=False, previous_value=D(0), previous_date=None, previous_source="installation",
            reading_date=date, source=ReadingSource.CLIENT, status=ReadingStatus.ACCEPTED,
            confirmed=json.dumps([])))


def make_world(tmp_path: Path, *, supplier: bool = True, **client_overrides: Any) -> World:
    """ООО «Ромашка»-like client: a two-zone electricity meter with CT 200/5 and VT 10000/100
    and last month's readings, a water meter with only an installation reading, a meter
    without a factory number, a removed one."""
    if supplier:
        create_supplier(address="125009, г. Москва, ул. Тверская, д. 7", director="Смирнов Алексей Викторович")
    values: dict[str, Any] = {"name": "Общество с ограниченной ответственностью «Ромашка»",
                              "short_name": "ООО «Ромашка»", "tax_id": "7712345671",
                              "contract_number": "123", "contract_date": dt.date(2024, 1, 15),
                              "address": "г. Москва, ул. Новослободская, д. 23"}
    values.update(client_overrides)
    client = create_client(**values)
    previous = BillingPeriod(year=2026, month=10, calculation_date=dt.date(2026, 10, 25),
                             status=PeriodStatus.CLOSED)
    period = BillingPeriod(year=2026, month=11, calculation_date=dt.date(2026, 11, 25),
                           status=PeriodStatus.OPEN)
    db.session.add_all([previous, period])
    db.session.commit()
    world = World(client, period, previous, FileStore(tmp_path / "files"))
    power = create_meter(client, factory_number="0804201234", zones="day,night", digits=6,
                         decimals=2, ct_ratio=D(200) / D(5), vt_ratio=D(10000) / D(100),
                         max_consumption=D(2000000), verification_date=dt.date(2029, 12, 31))
    add_history(power, previous, {"day": D("4521.37"), "night": D("1987.04")},
                dt.date(2026, 10, 25))
    water = _water(client)
    nameless = create_meter(client, factory_number=None, decimals=3)
    removed = create_meter(client, factory_number="0804199999", status=MeterStatus.REMOVED,
                           removed_on=dt.date(2026, 6, 25))
    db.session.commit()
    world.meters.update(power=power, water=water, nameless=nameless, removed=removed)
    return world


def _water(client: Client) -> Meter:
    """A new water meter: no accepted reading yet, counted from its installation reading."""
    meter = create_meter(client, factory_number="12223773", service=Service.COLD_WATER,
                         digits=8, decimals=3, max_consumption=D(500),
                         installed_on=dt.date(2026, 9, 1), verification_date=dt.date(2027, 9, 10))
    meter.installation_readings = [MeterInstallationReading(zone="single", value=D("145.554"))]
    db.session.commit()
    return meter


def full_entries(world: World, **overrides: str) -> list[Entry]:
    """Readings for every meter that takes them."""
    power, water = world.meters["power"], world.meters["water"]
    values = {"day": "4600,12", "night": "2020.55", "water": "171.902", **overrides}
    return [Entry(power.id, "day", values["day"]), Entry(power.id, "night", values["night"]),
            Entry(water.id, "single", values["water"])]


def submit(world: World, entries: list[Entry], *, confirm: frozenset[str] = frozenset(),
           source: ReadingSource = ReadingSource.CLIENT,
           now: dt.datetime = NOW) -> SubmittedAct:
    from lk_corporate.core.uow import unit_of_work

    with unit_of_work() as session:
        return submit_readings(session, world.store, client_id=world.client.id,
                               period_id=world.period.id, entries=entries, source=source,
                               confirm=confirm, actor=ACTOR, settings=SETTINGS, links=LINKS,
                               now=now)
