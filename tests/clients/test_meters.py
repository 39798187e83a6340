"""Metering points and meters: staff create and edit them; a client user sees only their own."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from lk_corporate.clients.models import Meter, MeteringPoint, MeterStatus, Service
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from tests.clients.helpers import LONG, as_client_user, as_staff, audit_actions, field_error
from tests.support.factories import create_client, create_meter, post_form
from tests.support.snapshots import row_counts

METER = {
    "service": "electricity", "factory_number": "011070123456789",
    "verification_date": "2031-06-30", "status": "installed", "installed_on": "2024-01-15",
    "removed_on": "", "digits": "6", "decimals": "2", "ct_ratio": "200", "vt_ratio": "100",
    "zones": "day,night", "max_consumption": "2 000 000,5", "notes": "",
}


@pytest.fixture()
def firm(session):
    return create_client()


@pytest.fixture()
def point(firm):
    p = MeteringPoint(client_id=firm.id, name="ТП-12, ввод 1")
    db.session.add(p)
    db.session.commit()
    return p


def test_create_point_and_meter(client, firm):
    as_staff(client, SUPPLIER_OPERATOR)
    r = post_form(client, f"/staff/clients/{firm.id}/points/new", {"name": "ТП-12", "address": "ул. Ленина, 1"})
    assert r.status_code == 302
    point = db.session.scalars(db.select(MeteringPoint)).one()
    assert audit_actions()[-1] == "metering_point.created"
    r = post_form(client, f"/staff/clients/{firm.id}/points/{point.id}/meters/new", METER)
    assert r.status_code == 302, r.get_data(as_text=True)
    m = db.session.scalars(db.select(Meter)).one()
    assert (m.client_id, m.point_id, m.service, m.zones) == (firm.id, point.id, Service.ELECTRICITY, "day,night")
    assert m.ct_ratio == Decimal(200) and m.vt_ratio == Decimal(100)
    assert m.max_consumption == Decimal("2000000.5") and isinstance(m.max_consumption, Decimal)
    assert m.verification_date == dt.date(2031, 6, 30)
    assert audit_actions()[-1] == "meter.created"
    page = client.get(f"/staff/clients/{firm.id}").get_data(as_text=True)
    assert "011070123456789" in page


def test_meter_without_factory_number_is_allowed_and_flagged(client, firm, point):
    as_staff(client, SUPPLIER_OPERATOR)
    r = post_form(client, f"/staff/clients/{firm.id}/points/{point.id}/meters/new",
                  dict(METER, factory_number="", zones="single", service="hot_water"))
    assert r.status_code == 302
    assert db.session.scalars(db.select(Meter)).one().factory_number is None


@pytest.mark.parametrize("field,value", [
    ("ct_ratio", "-1"),
    ("ct_ratio", "0"),
    ("vt_ratio", "abc"),
    ("vt_ratio", ""),
    ("ct_ratio", "1,2,3"),
    ("ct_ratio", "0.0000001"),
    ("ct_ratio", LONG),
    ("max_consumption", "-5"),
    ("digits", "x"),
    ("digits", "0"),
    ("digits", "40"),
    ("decimals", "7"),
    ("factory_number", LONG),
    ("factory_number", "12 34 <b>"),
    ("verification_date", "2031-13-01"),
    ("zones", "day,peak"),
    ("service", "gas"),
    ("status", "broken"),
    ("removed_on", "2024-02-01"),       # installed meter with a removal date
    ("notes", LONG),
])
def test_bad_meter_input_is_shown_beside_the_field(client, firm, point, field, value):
    as_staff(client, SUPPLIER_OPERATOR)
    before = row_counts()
    r = post_form(client, f"/staff/clients/{firm.id}/points/{point.id}/meters/new",
                  dict(METER, **{field: value}))
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), field), f"no message beside {field}"
    assert row_counts() == before


def test_removed_meter_needs_its_removal_date(client, firm, point):
    as_staff(client, SUPPLIER_OPERATOR)
    before = row_counts()
    url = f"/staff/clients/{firm.id}/points/{point.id}/meters/new"
    r = post_form(client, url, dict(METER, status="removed", removed_on=""))
    assert field_error(r.get_data(as_text=True), "removed_on")
    r = post_form(client, url, dict(METER, status="removed", removed_on="2020-01-01"))
    assert field_error(r.get_data(as_text=True), "removed_on")  # before installation
    assert row_counts() == before
    r = post_form(client, url, dict(METER, status="removed", removed_on="2025-03-01"))
    assert r.status_code == 302
    m = db.session.scalars(db.select(Meter)).one()
    assert m.status == MeterStatus.REMOVED and m.removed_on == dt.date(2025, 3, 1)


def test_edit_meter_and_point(client, firm):
    meter = create_meter(firm)
    as_staff(client, SUPPLIER_OPERATOR)
    url = f"/staff/clients/{firm.id}/meters/{meter.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert meter.factory_number in page
    r = post_form(client, url, dict(METER, ct_ratio="40", zones="peak,half_peak,night"))
    assert r.status_code == 302
    db.session.expire_all()
    m = db.session.get(Meter, meter.id)
    assert m.ct_ratio == Decimal(40) and m.zone_list == ["peak", "half_peak", "night"]
    assert audit_actions()[-1] == "meter.updated"
    r = post_form(client, f"/staff/clients/{firm.id}/points/{m.point_id}/edit", {"name": "Новый ввод"})
    assert r.status_code == 302
    assert audit_actions()[-1] == "metering_point.updated"
    before = row_counts()
    r = post_form(client, f"/staff/clients/{firm.id}/points/{m.point_id}/edit", {"name": ""})
    assert field_error(r.get_data(as_text=True), "name")
    assert row_counts() == before


def test_staff_urls_check_that_the_meter_belongs_to_the_client(client, firm):
    other = create_client()
    foreign = create_meter(other)
    as_staff(client, SUPPLIER_OPERATOR)
    assert client.get(f"/staff/clients/{firm.id}/meters/{foreign.id}/edit").status_code == 404
    assert client.get(f"/staff/clients/{firm.id}/points/{foreign.point_id}/edit").status_code == 404
    assert client.get(f"/staff/clients/{firm.id}/points/{foreign.point_id}/meters/new").status_code == 404


def test_meter_pages_need_meters_manage(client, firm):
    meter = create_meter(firm)
    as_staff(client, SUPPLIER_SIGNER)
    assert client.get(f"/staff/clients/{firm.id}/meters/{meter.id}/edit").status_code == 403
    assert client.get(f"/staff/clients/{firm.id}/points/{meter.point_id}/meters/new").status_code == 403


def test_staff_meter_search(client, firm):
    create_meter(firm, factory_number="ABC777")
    create_meter(create_client(), factory_number="XYZ111")
    as_staff(client, SUPPLIER_OPERATOR)
    page = client.get("/staff/meters", query_string={"q": "abc7"}).get_data(as_text=True)
    assert "ABC777" in page and "XYZ111" not in page


# --- the client's own page ---------------------------------------------------------------

@time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_client_sees_own_meters_with_warnings(client, firm):
    expired = create_meter(firm, factory_number="OLD1", verification_date=dt.date(2026, 12, 1))
    create_meter(firm, factory_number="FRESH1", verification_date=dt.date(2026, 12, 2))
    create_meter(firm, factory_number=None, service=Service.HOT_WATER)
    create_meter(create_client(), factory_number="FOREIGN1")
    as_client_user(client, firm)
    page = client.get("/meters").get_data(as_text=True)
    assert "OLD1" in page and "FOREIGN1" not in page
    assert "alert-warning" in page  # overdue verification
    assert client.get(f"/meters/{expired.id}").status_code == 200


def test_client_cannot_open_another_clients_meter(client, firm):
    foreign = create_meter(create_client())
    as_client_user(client, firm)
    assert client.get(f"/meters/{foreign.id}").status_code == 404
    assert client.get("/meters/999999").status_code == 404


def test_client_meter_page_needs_readings_view_and_a_client(client, firm):
    as_staff(client, SUPPLIER_OPERATOR)
    assert client.get("/meters").status_code == 403


def test_client_without_readings_view_gets_403(client, firm):
    from lk_corporate.accounts.models import Role, RoleRight
    from lk_corporate.core.rights import MONEY_VIEW, Scope

    role = Role(code="money_only", scope=Scope.CLIENT, name_en="Money", name_ru="Деньги")
    role.rights = [RoleRight(right=MONEY_VIEW)]
    db.session.add(role)
    db.session.commit()
    as_client_user(client, firm, roles=("money_only",))
    assert client.get("/meters").status_code == 403
    assert client.get("/tariffs").status_code == 200
