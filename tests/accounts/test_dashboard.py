"""The client's cabinet: the open period, its own meters and their warnings only."""

from __future__ import annotations

import datetime as dt

from lk_corporate.clients.models import MeterStatus
from lk_corporate.core.extensions import db
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from tests.support.factories import create_client, create_client_user, create_meter, login


def test_cabinet_shows_period_and_own_meter_warnings(client, session):
    mine, other = create_client(), create_client()
    create_meter(mine, factory_number="OLD-001", verification_date=dt.date(2020, 1, 31))
    create_meter(mine, factory_number=None)
    create_meter(mine, factory_number="GONE-1", status=MeterStatus.REMOVED,
                 verification_date=dt.date(2019, 1, 1))
    create_meter(other, factory_number="OTHER-1", verification_date=dt.date(2020, 1, 31))
    db.session.add(BillingPeriod(year=2026, month=11, calculation_date=dt.date(2026, 11, 23),
                                 status=PeriodStatus.OPEN))
    db.session.commit()
    create_client_user(mine, login="cabinet1")
    login(client, "cabinet1")
    page = client.get("/cabinet").get_data(as_text=True)
    assert "11.2026" in page and "23.11.2026" in page
    assert "Установлено приборов учёта: 2 из 3." in page
    assert "OLD-001" in page and "31.01.2020" in page   # overdue verification
    assert "нет заводского номера" in page
    assert "GONE-1" not in page and "OTHER-1" not in page  # removed / another client's
