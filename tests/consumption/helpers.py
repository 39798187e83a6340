"""A client with three months of history, worked out by hand (see ``three_months``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal as D
from typing import Any

from lk_corporate.clients.models import Client, Meter, Service
from lk_corporate.core.extensions import db
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.readings.models import Reading, ReadingStatus
from tests.charges.conftest import issue
from tests.invoicing.conftest import make_period
from tests.support.acts import Row, accepted_act


@dataclass
class ThreeMonths:
    firm: Client
    meter: Meter
    water: Meter


def three_months(billing: Any, store: Any, supplier_key: Any, settings: Any) -> ThreeMonths:
    """August and September calculated, October with accepted readings only, November empty:

    * electricity (single rate, 4,85 + 20 % VAT): Aug 100 → 200 = 100 kWh, 485,00 + 97,00 =
      582,00; Sep 200 → 260 = 60 kWh, 291,00 + 58,20 = 349,20; Oct 260 → 300 = 40 kWh, not
      calculated; twelve months: 200 kWh, 931,20;
    * cold water (48,77 per m³): Aug 10 → 15,5 = 5,5 m³, 268,24 + 53,65 = 321,89; Sep no
      reading in the act (a gap).
    """
    from tests.invoicing.conftest import add_tariff

    add_tariff("single", "48.77", service=Service.COLD_WATER, unit="м³")
    firm = billing.client(name="ООО «Дельта»", short_name="ООО «Дельта»", contract_number="D-5")
    meter = billing.meter(firm)
    water = billing.meter(firm, service=Service.COLD_WATER, digits=5, decimals=3)
    august, september = make_period(2026, 8), make_period(2026, 9)
    october = billing.period
    act = accepted_act(store, billing.supplier, firm, august,
                       [Row(meter, D(100), D(200)), Row(water, D(10), D("15.5"))])
    issue(store, act, supplier_key, settings, today=dt.date(2026, 9, 2))
    act = accepted_act(store, billing.supplier, firm, september, [Row(meter, D(200), D(260))])
    issue(store, act, supplier_key, settings, today=dt.date(2026, 10, 2))
    db.session.add(Reading(
        client_id=firm.id, meter_id=meter.id, period_id=october.id, zone="single",
        entered="300", value=D(300), consumption=D(40), previous_value=D(260),
        previous_date=dt.date(2026, 9, 28), reading_date=dt.date(2026, 10, 28),
        source=ReadingSource.CLIENT, status=ReadingStatus.ACCEPTED))
    make_period(2026, 11)
    db.session.commit()
    return ThreeMonths(firm, meter, water)
