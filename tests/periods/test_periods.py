"""Billing periods: create (unique month, calculation date in or just after the month),
open (one at a time), close; every transition audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR
from lk_corporate.periods.models import BillingPeriod, PeriodStatus
from lk_corporate.periods.operations import current_period, reading_window
from tests.clients.helpers import LONG, as_client_user, as_staff, audit_actions, field_error
from tests.support.factories import create_client, post_form
from tests.support.snapshots import row_counts


@pytest.fixture()
def admin(client, session):
    return as_staff(client, SUPPLIER_ADMIN)


def _create(client, year=2026, month=11, day="2026-11-25"):
    return post_form(client, "/staff/periods/new",
                     {"year": str(year), "month": str(month), "calculation_date": day})


def _period(year, month) -> BillingPeriod:
    db.session.expire_all()
    return db.session.scalars(db.select(BillingPeriod).where(
        BillingPeriod.year == year, BillingPeriod.month == month)).one()


def test_create_open_close(client, admin):
    assert client.get("/staff/periods").status_code == 200
    assert client.get("/staff/periods/new").status_code == 200
    assert _create(client).status_code == 302
    p = _period(2026, 11)
    assert p.status == PeriodStatus.PLANNED and p.calculation_date == dt.date(2026, 11, 25)
    assert audit_actions()[-1] == "period.created"
    r = post_form(client, f"/staff/periods/{p.id}/open", {}, form_url="/staff/periods")
    assert r.status_code == 302
    assert _period(2026, 11).status == PeriodStatus.OPEN and _period(2026, 11).opened_at
    assert audit_actions()[-1] == "period.open"
    assert current_period(db.session).id == p.id
    window = reading_window(current_period(db.session))
    assert window.opens_on == dt.date(2026, 11, 25) and window.calculate_by == dt.date(2026, 11, 30)
    for day, open_ in ((dt.date(2026, 11, 24), False), (dt.date(2026, 11, 25), True),
                       (dt.date(2026, 12, 3), True)):
        with time_machine.travel(dt.datetime.combine(day, dt.time(12), dt.UTC), tick=False):
            assert window.is_open(dt.date.today()) is open_, day
    page = client.get("/staff/periods").get_data(as_text=True)
    assert "11.2026" in page and "alert-info" in page
    post_form(client, f"/staff/periods/{p.id}/close", {}, form_url="/staff/periods")
    assert _period(2026, 11).status == PeriodStatus.CLOSED
    assert audit_actions()[-1] == "period.closed"
    assert current_period(db.session) is None


def test_only_one_open_period(client, admin):
    _create(client, 2026, 10, "2026-10-25")
    _create(client, 2026, 11, "2026-11-25")
    october, november = _period(2026, 10), _period(2026, 11)
    post_form(client, f"/staff/periods/{october.id}/open", {}, form_url="/staff/periods")
    before = row_counts()
    r = post_form(client, f"/staff/periods/{november.id}/open", {}, form_url="/staff/periods",
                  follow_redirects=True)
    assert "alert-danger" in r.get_data(as_text=True)
    assert _period(2026, 11).status == PeriodStatus.PLANNED
    assert row_counts() == before


def test_invalid_transitions_change_nothing(client, admin):
    _create(client)
    p = _period(2026, 11)
    before = row_counts()
    r = post_form(client, f"/staff/periods/{p.id}/close", {}, form_url="/staff/periods",
                  follow_redirects=True)
    assert "alert-danger" in r.get_data(as_text=True)
    assert row_counts() == before
    post_form(client, f"/staff/periods/{p.id}/open", {}, form_url="/staff/periods")
    post_form(client, f"/staff/periods/{p.id}/close", {}, form_url="/staff/periods")
    before = row_counts()
    # Re-opening a closed period and a double-submitted close are both refused.
    post_form(client, f"/staff/periods/{p.id}/open", {}, form_url="/staff/periods")
    post_form(client, f"/staff/periods/{p.id}/close", {}, form_url="/staff/periods")
    assert row_counts() == before
    assert client.post("/staff/periods/9999/open", data={}).status_code in (400, 404)


@pytest.mark.parametrize("data,field", [
    ({"year": ""}, "year"),
    ({"year": "abc"}, "year"),
    ({"year": "1999"}, "year"),
    ({"year": LONG}, "year"),
    ({"month": "13"}, "month"),
    ({"month": "x"}, "month"),
    ({"calculation_date": ""}, "calculation_date"),
    ({"calculation_date": "2026-10-31"}, "calculation_date"),   # before the month
    ({"calculation_date": "2026-12-11"}, "calculation_date"),   # too long after it
    ({"calculation_date": "25.11.2026"}, "calculation_date"),
])
def test_bad_input(client, admin, data, field):
    before = row_counts()
    base = {"year": "2026", "month": "11", "calculation_date": "2026-11-25"}
    r = post_form(client, "/staff/periods/new", dict(base, **data))
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), field), field
    assert row_counts() == before


def test_calculation_date_right_after_the_month_is_fine(client, admin):
    assert _create(client, 2026, 11, "2026-12-01").status_code == 302


def test_duplicate_month_and_double_submit(client, admin):
    assert _create(client).status_code == 302
    before = row_counts()
    r = _create(client)
    assert field_error(r.get_data(as_text=True), "month")
    assert row_counts() == before


def test_managing_needs_periods_manage(client, session):
    """The operator sees the periods (the month's board), but cannot create, open or close
    one."""
    as_staff(client, SUPPLIER_OPERATOR)
    page = client.get("/staff/periods")
    assert page.status_code == 200
    assert "/staff/periods/new" not in page.get_data(as_text=True)
    assert client.get("/staff/periods/new").status_code == 403
    assert post_form(client, "/staff/periods/new", {"year": "2026", "month": "11",
                                                    "calculation_date": "2026-11-25"},
                     form_url="/staff/periods").status_code == 403


def test_client_users_get_403(client, session):
    as_client_user(client, create_client())
    assert client.get("/staff/periods").status_code == 403
