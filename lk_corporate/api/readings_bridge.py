"""A meter's previous readings for the API (``GET /api/v1/meters``): the readings package's
own lookup — the last accepted reading of an earlier period per zone, else the meter's
installation reading — for the open period (or any, between periods)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lk_corporate.clients.models import Meter
from lk_corporate.core.db import DbSession
from lk_corporate.periods.operations import current_period
from lk_corporate.readings import operations as readings_ops


@dataclass(frozen=True)
class PreviousReading:
    value: Decimal
    date: dt.date
    source: str
    """How it was taken (the readings package's source value: the client, paper, the API…)."""


def previous_readings(session: DbSession, meters: Sequence[Meter]
                      ) -> dict[int, dict[str, PreviousReading]]:
    """meter id → zone → the last accepted reading (meters or zones without one: absent)."""
    period = current_period(session)
    found = readings_ops.previous_readings(session, meters, period.id if period else 0)
    out: dict[int, dict[str, PreviousReading]] = {}
    for (meter_id, zone), previous in found.items():
        if previous.date is None:
            continue
        out.setdefault(meter_id, {})[zone] = PreviousReading(previous.value, previous.date,
                                                             previous.source)
    return out
