"""Supplier requisites: the admin edits them; clients read them on «Реквизиты поставщика»."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR
from lk_corporate.supplier.models import SupplierSettings
from tests.clients.helpers import LONG, as_client_user, as_staff, audit_actions, field_error
from tests.support.factories import create_client, post_form
from tests.support.snapshots import row_counts

VALID = {
    "name": "Акционерное общество «Северная энергосбытовая компания»",
    "short_name": "АО «Северэнергосбыт»", "tax_id": "7701234560", "kpp": "770101001",
    "ogrn": "1027700123450", "address": "г. Москва, ул. Тверская, д. 7",
    "phone": "+7 (495) 123-45-67", "email": "lk@severenergo.example",
    "bank_name": "ПАО «Сбербанк»", "bank_bik": "044525225",
    "bank_account": "40702810938000012345", "bank_correspondent_account": "30101810400000000225",
    "vat_rate": "20", "currency": "rub", "login_prefix": "VK", "director": "Смирнов А. В.",
    "chief_accountant": "Кузнецова О. П.",
}


def test_first_setup_and_edit(client, session):
    as_staff(client, SUPPLIER_ADMIN)
    assert client.get("/staff/supplier").status_code == 200
    r = post_form(client, "/staff/supplier", VALID)
    assert r.status_code == 302
    s = db.session.scalars(db.select(SupplierSettings)).one()
    assert (s.currency, s.login_prefix, s.vat_rate) == ("RUB", "vk", Decimal(20))
    assert audit_actions()[-1] == "supplier.settings_updated"
    r = post_form(client, "/staff/supplier", dict(VALID, vat_rate="10,5"))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.scalars(db.select(SupplierSettings)).one().vat_rate == Decimal("10.5")
    assert db.session.scalar(db.select(db.func.count()).select_from(SupplierSettings)) == 1


@pytest.mark.parametrize("field,value", [
    ("name", ""), ("name", LONG), ("short_name", ""), ("tax_id", "7701234567"),
    ("ogrn", "1027700123456"), ("bank_account", "40702810938000012346"), ("vat_rate", "-1"),
    ("vat_rate", "100"), ("vat_rate", "abc"), ("vat_rate", "20.123"), ("currency", "руб"),
    ("currency", "RUBLES"), ("login_prefix", "vk-1"), ("email", "nope"), ("director", LONG),
])
def test_bad_input_changes_nothing(client, session, field, value):
    as_staff(client, SUPPLIER_ADMIN)
    before = row_counts()
    r = post_form(client, "/staff/supplier", dict(VALID, **{field: value}))
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), field), field
    assert row_counts() == before


def test_settings_need_supplier_manage(client, session):
    as_staff(client, SUPPLIER_OPERATOR)
    assert client.get("/staff/supplier").status_code == 403


def test_client_page_shows_requisites(client, session):
    firm = create_client()
    as_client_user(client, firm)
    page = client.get("/supplier").get_data(as_text=True)
    assert r'empty' in page or "lk-empty" in page  # not set up yet
    db.session.add(SupplierSettings(**{**VALID, "vat_rate": Decimal(20), "currency": "RUB",
                                       "login_prefix": "vk"}))
    db.session.commit()
    page = client.get("/supplier").get_data(as_text=True)
    assert "40702810938000012345" in page and "lk@severenergo.example" in page


def test_staff_get_403_on_the_client_page(client, session):
    as_staff(client, SUPPLIER_ADMIN)
    assert client.get("/supplier").status_code == 403
