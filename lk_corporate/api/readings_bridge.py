"""Where the API gets a meter's previous readings: ONE function, wired to the readings
package on merge.

``previous_readings`` answers, for each meter, its last accepted reading per tariff zone.
Until the ``readings`` package (its ``Reading`` model) is part of this build there are no
readings, so every meter's ``previous`` is ``{}``; on merge this function's body becomes a
call to the readings package's own lookup of previous readings, and nothing else in the API
changes (``endpoints.list_meters`` is its only caller).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lk_corporate.clients.models import Meter
from lk_corporate.core.db import DbSession


@dataclass(frozen=True)
class PreviousReading:
    value: Decimal
    date: dt.date
    source: str
    """How it was taken (the readings package's source value: the client, paper, the API…)."""


def previous_readings(session: DbSession, meters: Sequence[Meter]
                      ) -> dict[int, dict[str, PreviousReading]]:
    """meter id → zone → the last accepted reading (meters or zones without one: absent)."""
    return {}
