"""The client's «Тарифы»: only the tariffs of its meters' services and zones, in force, the
announced ones and the history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from lk_corporate.clients.models import Service
from lk_corporate.core.extensions import db
from lk_corporate.tariffs.models import Tariff
from lk_corporate.tariffs.operations import client_tariffs
from tests.clients.helpers import as_client_user
from tests.support.factories import create_client, create_meter, create_supplier


def _tariff(service: Service, zone: str, price: str, start: dt.date,
            end: dt.date | None = None) -> Tariff:
    t = Tariff(service=service, zone=zone, unit="кВт·ч", price=Decimal(price), valid_from=start,
               valid_to=end, tariff_group="")
    db.session.add(t)
    db.session.commit()
    return t


def test_the_clients_tariffs_current_and_history(client, session):
    create_supplier()
    firm = create_client()
    create_meter(firm, zones="day,night")
    today = dt.date(2026, 12, 2)
    old_day = _tariff(Service.ELECTRICITY, "day", "5.10", dt.date(2025, 1, 1), dt.date(2025, 12, 31))
    day = _tariff(Service.ELECTRICITY, "day", "5.4321", dt.date(2026, 1, 1))
    night = _tariff(Service.ELECTRICITY, "night", "2.7654", dt.date(2026, 1, 1))
    _tariff(Service.ELECTRICITY, "single", "4.85", dt.date(2026, 1, 1))  # not its meter's zone
    _tariff(Service.COLD_WATER, "single", "45.00", dt.date(2026, 1, 1))  # not its service
    later = _tariff(Service.ELECTRICITY, "day", "5.90", dt.date(2027, 7, 1))
    mine = client_tariffs(db.session, firm.id, today)
    assert [t.id for t in mine.in_force] == [day.id, night.id]
    assert [t.id for t in mine.upcoming] == [later.id]
    assert [t.id for t in mine.history] == [old_day.id]
    as_client_user(client, firm)
    page = client.get("/tariffs").get_data(as_text=True)
    assert "45,00" not in page and "5,10" in page and "2,7654" in page
