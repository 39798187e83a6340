"""The staff meter form's installation readings: what the register showed when the meter was
installed, per zone of its layout, dated by the installation date — where a new meter's first
consumption is counted from."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from lk_corporate.clients.models import Meter, MeteringPoint
from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_OPERATOR
from tests.clients.helpers import as_staff, field_error
from tests.clients.test_meters import METER
from tests.support.factories import create_client, post_form


@pytest.fixture()
def point(session):
    firm = create_client()
    p = MeteringPoint(client_id=firm.id, name="ТП-12, ввод 1")
    db.session.add(p)
    db.session.commit()
    return p


def _meter() -> Meter:
    db.session.expire_all()
    return db.session.scalars(db.select(Meter)).one()


def test_installation_readings_per_zone_of_the_layout(client, point):
    as_staff(client, SUPPLIER_OPERATOR)
    url = f"/staff/clients/{point.client_id}/points/{point.id}/meters/new"
    page = client.get(url).get_data(as_text=True)
    assert "Показания при установке" in page and 'data-lk-zone="half_peak"' in page
    r = post_form(client, url, dict(METER, installation_day="4 521,37", installation_night="1987.04",
                                    installation_peak="999"))  # peak: not in the layout
    assert r.status_code == 302, r.get_data(as_text=True)
    meter = _meter()
    assert meter.installation_reading("day") == Decimal("4521.37")
    assert meter.installation_reading("night") == Decimal("1987.04")
    assert meter.installation_reading("peak") is None
    assert meter.installed_on == dt.date(2024, 1, 15)
    entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert '"installation_day":"4521.37' in entry.details
    # editing: changed, removed, and the change audited
    edit = f"/staff/clients/{point.client_id}/meters/{meter.id}/edit"
    assert 'value="4521.37"' in client.get(edit).get_data(as_text=True)
    r = post_form(client, edit, dict(METER, installation_day="4521.4", installation_night=""))
    assert r.status_code == 302
    meter = _meter()
    assert meter.installation_reading("day") == Decimal("4521.4")
    assert meter.installation_reading("night") is None
    entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "meter.updated" and "installation_night" in entry.details


@pytest.mark.parametrize(("values", "field", "message"), [
    ({"installation_day": "1234567"}, "installation_day",
     "Число знаков до запятой на счётном механизме: 6."),
    ({"installation_day": "12.345"}, "installation_day",
     "Число знаков после запятой на счётном механизме: 2."),
    ({"installation_day": "-1"}, "installation_day", "Показание не может быть отрицательным."),
    ({"installation_day": "12", "installed_on": ""}, "installed_on",
     "Укажите дату установки: показания при установке датируются ею."),
])
def test_installation_readings_the_register_cannot_show(client, point, values, field, message):
    as_staff(client, SUPPLIER_OPERATOR)
    url = f"/staff/clients/{point.client_id}/points/{point.id}/meters/new"
    r = post_form(client, url, dict(METER, **values))
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), field) == message
    assert db.session.scalars(db.select(Meter)).first() is None
