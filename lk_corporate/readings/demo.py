"""The demo's reading history: last month's accepted readings of every meter that takes
readings, so the «Показания» page has a previous reading (date, value, source) to count this
month's consumption from. Registered with ``demo.seed.register_demo_extra`` (the demo does
not import this package)."""

from __future__ import annotations

import json
from decimal import Decimal

from sqlalchemy import select

from lk_corporate.clients.models import Meter, MeterStatus
from lk_corporate.core.db import DbSession
from lk_corporate.demo import data
from lk_corporate.demo.seed import DemoWorld, register_demo_extra
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.readings.models import Reading, ReadingStatus
from lk_corporate.readings.rules import EntryMode


def seed_reading_history(session: DbSession, world: DemoWorld) -> None:
    period = world.previous_period
    for demo_client in data.CLIENTS:
        client = world.clients[demo_client.contract_number]
        meters = {m.factory_number: m for m in session.scalars(
            select(Meter).where(Meter.client_id == client.id))}
        for demo_meter in demo_client.meters:
            meter = meters.get(demo_meter.factory_number) if demo_meter.factory_number else None
            if meter is None or meter.status is not MeterStatus.INSTALLED:
                continue  # (a meter without a factory number or removed takes no readings)
            for zone, value in zip(demo_meter.zones, demo_meter.previous, strict=True):
                installed = meter.installation_reading(zone)
                start = installed if installed is not None else Decimal(0)
                session.add(Reading(
                    client_id=client.id, meter_id=meter.id, period_id=period.id, zone=zone,
                    mode=EntryMode.READING, entered=format(value, "f"), value=value,
                    consumption=(value - start) * meter.ct_ratio * meter.vt_ratio,
                    rollover=False, previous_value=start, previous_date=meter.installed_on,
                    previous_source="installation", reading_date=period.calculation_date,
                    source=ReadingSource.PAPER, entered_by=world.actor.name,
                    status=ReadingStatus.ACCEPTED, confirmed=json.dumps([])))


register_demo_extra(seed_reading_history)
