"""Tariffs: create, edit, end validity; no overlapping ranges for a service+zone+group;
the client's «Тарифы» page shows those in force and those announced."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from lk_corporate.clients.models import Service
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR
from lk_corporate.tariffs.models import Tariff
from tests.clients.helpers import LONG, as_client_user, as_staff, audit_actions, field_error
from tests.support.factories import create_client, create_supplier, post_form
from tests.support.snapshots import row_counts

BASE = {"service": "electricity", "zone": "day", "tariff_group": "", "price": "8,62",
        "unit": "кВт·ч", "valid_from": "2026-07-01", "valid_to": ""}


@pytest.fixture()
def admin(client, session):
    return as_staff(client, SUPPLIER_ADMIN)


def _add(**kw) -> Tariff:
    values = {"service": Service.ELECTRICITY, "zone": "day", "tariff_group": "", "unit": "кВт·ч",
              "price": Decimal("8.62"), "valid_from": dt.date(2026, 7, 1), "valid_to": None}
    values.update(kw)
    t = Tariff(**values)
    db.session.add(t)
    db.session.commit()
    return t


def test_create_and_list(client, admin):
    assert client.get("/staff/tariffs/new").status_code == 200
    r = post_form(client, "/staff/tariffs/new", BASE)
    assert r.status_code == 302
    t = db.session.scalars(db.select(Tariff)).one()
    assert t.price == Decimal("8.62") and isinstance(t.price, Decimal) and t.valid_to is None
    assert audit_actions()[-1] == "tariff.created"
    page = client.get("/staff/tariffs").get_data(as_text=True)
    assert "8,62" in page


def test_price_with_six_decimals(client, admin):
    assert post_form(client, "/staff/tariffs/new", dict(BASE, price="4.123456")).status_code == 302
    assert db.session.scalars(db.select(Tariff)).one().price == Decimal("4.123456")


@pytest.mark.parametrize("field,value", [
    ("price", ""), ("price", "0"), ("price", "-1"), ("price", "abc"), ("price", "1.1234567"),
    ("price", "1,2,3"), ("price", LONG), ("unit", ""), ("unit", LONG), ("service", "gas"),
    ("zone", "evening"), ("valid_from", ""), ("valid_from", "2026-02-30"),
    ("valid_to", "2026-06-30"), ("tariff_group", LONG),
])
def test_bad_input(client, admin, field, value):
    before = row_counts()
    r = post_form(client, "/staff/tariffs/new", dict(BASE, **{field: value}))
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), field), field
    assert row_counts() == before


@pytest.mark.parametrize("valid_from,valid_to", [
    ("2026-07-01", ""), ("2026-06-01", "2026-07-01"), ("2027-01-01", ""), ("2026-01-01", ""),
])
def test_overlapping_tariff_is_refused(client, admin, valid_from, valid_to):
    _add()  # open-ended from 2026-07-01
    before = row_counts()
    r = post_form(client, "/staff/tariffs/new", dict(BASE, valid_from=valid_from, valid_to=valid_to))
    assert r.status_code == 200
    assert "8.62" in field_error(r.get_data(as_text=True), "valid_from")
    assert row_counts() == before


def test_no_overlap_for_other_zone_group_or_range(client, admin):
    _add(valid_to=dt.date(2026, 12, 31))
    for data in (dict(BASE, zone="night"), dict(BASE, tariff_group="ВН"),
                 dict(BASE, valid_from="2027-01-01"), dict(BASE, valid_from="2026-01-01",
                                                           valid_to="2026-06-30")):
        assert post_form(client, "/staff/tariffs/new", data).status_code == 302, data


def test_double_submit_creates_one_tariff(client, admin):
    assert post_form(client, "/staff/tariffs/new", BASE).status_code == 302
    assert post_form(client, "/staff/tariffs/new", BASE).status_code == 200
    assert db.session.scalar(db.select(db.func.count()).select_from(Tariff)) == 1


def test_end_validity_then_successor(client, admin):
    t = _add()
    assert client.get(f"/staff/tariffs/{t.id}/end").status_code == 200
    before = row_counts()
    r = post_form(client, f"/staff/tariffs/{t.id}/end", {"valid_to": "2026-06-01"})
    assert field_error(r.get_data(as_text=True), "valid_to")
    r = post_form(client, f"/staff/tariffs/{t.id}/end", {"valid_to": ""})
    assert field_error(r.get_data(as_text=True), "valid_to")
    assert row_counts() == before
    assert post_form(client, f"/staff/tariffs/{t.id}/end", {"valid_to": "2026-12-31"}).status_code == 302
    assert audit_actions()[-1] == "tariff.ended"
    r = post_form(client, "/staff/tariffs/new", dict(BASE, valid_from="2027-01-01", price="9.10"))
    assert r.status_code == 302


def test_edit(client, admin):
    t = _add()
    other = _add(valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2025, 12, 31))
    url = f"/staff/tariffs/{t.id}/edit"
    assert "8.62" in client.get(url).get_data(as_text=True)
    r = post_form(client, url, dict(BASE, price="8.70"))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tariff, t.id).price == Decimal("8.70")
    assert audit_actions()[-1] == "tariff.updated"
    before = row_counts()
    r = post_form(client, f"/staff/tariffs/{other.id}/edit", dict(BASE, valid_from="2025-01-01"))
    assert field_error(r.get_data(as_text=True), "valid_from")  # would run into t
    assert row_counts() == before
    assert client.get("/staff/tariffs/9999/edit").status_code == 404


def test_staff_pages_need_tariffs_manage(client, session):
    as_staff(client, SUPPLIER_OPERATOR)
    for url in ("/staff/tariffs", "/staff/tariffs/new"):
        assert client.get(url).status_code == 403


@time_machine.travel(dt.datetime(2026, 12, 2, 9, 0, tzinfo=dt.UTC), tick=False)
def test_client_page_shows_current_and_upcoming(client, session):
    create_supplier()
    today = dt.date(2026, 12, 2)
    _add(valid_from=today - dt.timedelta(days=400), valid_to=today - dt.timedelta(days=200),
         price=Decimal("5.55"))
    _add(valid_from=today - dt.timedelta(days=199), valid_to=today + dt.timedelta(days=10),
         price=Decimal("7.45"))
    _add(valid_from=today + dt.timedelta(days=11), price=Decimal("7.99"))
    as_client_user(client, create_client())
    page = client.get("/tariffs").get_data(as_text=True)
    assert "7,45" in page and "7,99" in page and "5,55" not in page
    assert "8,94" in page  # 7.45 with 20 % VAT


def test_client_tariffs_page_refuses_staff(client, session):
    as_staff(client, SUPPLIER_ADMIN)
    assert client.get("/tariffs").status_code == 403


@pytest.mark.parametrize("price", ["", "   ", "\u00a0"])
def test_a_blank_price_is_a_field_error_not_a_crash(client, admin, price):
    before = row_counts()
    r = post_form(client, "/staff/tariffs/new", {**BASE, "price": price})
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), "price")
    assert row_counts() == before
    tariff = _add()
    r = post_form(client, f"/staff/tariffs/{tariff.id}/edit", {**BASE, "price": price})
    assert r.status_code == 200 and field_error(r.get_data(as_text=True), "price")
