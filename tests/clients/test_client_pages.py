"""Staff client pages: list and search, create and edit with requisite checks, rights."""

from __future__ import annotations

import pytest

from lk_corporate.clients.models import Client
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from tests.clients.helpers import (
    LONG,
    VALID_CLIENT,
    as_client_user,
    as_staff,
    audit_actions,
    field_error,
)
from tests.support.factories import create_client, post_form
from tests.support.snapshots import row_counts


@pytest.fixture()
def operator(client, session):
    return as_staff(client, SUPPLIER_OPERATOR)


def test_list_search_and_pagination(client, operator):
    for n in range(30):
        create_client(name=f"ООО «Альфа {n:02d}»", contract_number=f"A-{n}")
    create_client(name="АО «Бета»", tax_id="5029012343", contract_number="777")
    page = client.get("/staff/clients").get_data(as_text=True)
    assert "ООО «Альфа 00»" in page and 'rel="next"' in page
    page2 = client.get("/staff/clients?page=2").get_data(as_text=True)
    assert "АО «Бета»" in page2 or "ООО «Альфа 29»" in page2
    for q in ("бета", "5029012343", "777"):
        found = client.get("/staff/clients", query_string={"q": q}).get_data(as_text=True)
        assert "АО «Бета»" in found and "Альфа 00" not in found, q
    assert client.get("/staff/clients", query_string={"q": "%"}).status_code == 200
    assert client.get("/staff/clients?page=999").status_code == 200


def test_create_client_happy_path(client, operator):
    r = post_form(client, "/staff/clients/new", VALID_CLIENT)
    assert r.status_code == 302
    created = db.session.scalars(db.select(Client)).one()
    assert r.headers["Location"].endswith(f"/staff/clients/{created.id}")
    assert created.tax_id == "7712345671" and created.contract_number == "123"
    assert created.email == "buh@romashka.example" and created.is_active
    assert audit_actions()[-1] == "client.created"
    page = client.get(f"/staff/clients/{created.id}").get_data(as_text=True)
    assert "40702810801300012345" in page


def test_requisites_typed_with_spaces_are_accepted(client, operator):
    data = dict(VALID_CLIENT, tax_id="77 1234-5671", bank_account="40702 810 8 0130 0012345",
                contract_number="№ 123")
    assert post_form(client, "/staff/clients/new", data).status_code == 302
    c = db.session.scalars(db.select(Client)).one()
    assert (c.tax_id, c.bank_account, c.contract_number) == ("7712345671", "40702810801300012345", "123")


@pytest.mark.parametrize("field,value", [
    ("name", ""),
    ("name", LONG),
    ("tax_id", ""),
    ("tax_id", "7712345678"),          # wrong check digit
    ("tax_id", "771234567"),           # 9 digits
    ("tax_id", "77123456AB"),
    ("tax_id", "770712345634"),        # 12 digits, wrong second check digit
    ("tax_id", LONG),
    ("kpp", "77120100"),
    ("ogrn", "1157746123456"),         # wrong check digit
    ("ogrn", "12345"),
    ("contract_number", ""),
    ("contract_number", LONG),
    ("contract_number", "12 3<script>"),
    ("contract_date", "31.02.2024"),
    ("email", "not-an-address"),
    ("email", LONG),
    ("bank_bik", "04452559"),
    ("bank_account", "40702810701300012345"),  # key does not match the BIK
    ("bank_account", "4070281080130001234"),
    ("bank_correspondent_account", "30101810200000000594"),
    ("address", LONG),
])
def test_bad_input_is_shown_beside_the_field_and_changes_nothing(client, operator, field, value):
    before = row_counts()
    r = post_form(client, "/staff/clients/new", dict(VALID_CLIENT, **{field: value}))
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), field), f"no message beside {field}"
    assert row_counts() == before


def test_bank_account_without_bik_is_refused(client, operator):
    before = row_counts()
    r = post_form(client, "/staff/clients/new", dict(VALID_CLIENT, bank_bik=""))
    assert field_error(r.get_data(as_text=True), "bank_bik")
    assert row_counts() == before


def test_wrong_inn_message_is_clear(client, operator):
    r = post_form(client, "/staff/clients/new", dict(VALID_CLIENT, tax_id="7712345678"))
    message = field_error(r.get_data(as_text=True), "tax_id")
    assert "ИНН" in message and "контрольн" in message


def test_duplicate_contract_number_and_double_submit(client, operator):
    assert post_form(client, "/staff/clients/new", VALID_CLIENT).status_code == 302
    before = row_counts()
    # The same form submitted again (a double click that got through) creates nothing.
    r = post_form(client, "/staff/clients/new", VALID_CLIENT)
    assert r.status_code == 200
    assert "123" in field_error(r.get_data(as_text=True), "contract_number")
    assert row_counts() == before
    assert db.session.scalar(db.select(db.func.count()).select_from(Client)) == 1


def test_edit_client(client, operator):
    c = create_client(**{k: v for k, v in VALID_CLIENT.items()
                         if k not in ("is_active", "contract_date")})
    other = create_client(contract_number="999")
    url = f"/staff/clients/{c.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert "7712345671" in page
    before = row_counts()
    r = post_form(client, url, dict(VALID_CLIENT, contract_number=other.contract_number))
    assert field_error(r.get_data(as_text=True), "contract_number")
    assert row_counts() == before
    r = post_form(client, url, dict(VALID_CLIENT, short_name="Ромашка-2"))
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Client, c.id).short_name == "Ромашка-2"
    assert audit_actions()[-1] == "client.updated"
    # Saving unchanged data writes no audit entry.
    count = len(audit_actions())
    post_form(client, url, dict(VALID_CLIENT, short_name="Ромашка-2"))
    assert len(audit_actions()) == count


def test_unknown_client_is_404(client, operator):
    assert client.get("/staff/clients/999").status_code == 404
    assert client.get("/staff/clients/999/edit").status_code == 404


@pytest.mark.parametrize("url", ["/staff/clients", "/staff/clients/{id}", "/staff/meters"])
def test_view_pages_need_clients_view(client, session, url):
    c = create_client()
    as_staff(client, SUPPLIER_SIGNER)  # has clients.view
    assert client.get(url.format(id=c.id)).status_code == 200


@pytest.mark.parametrize("url", ["/staff/clients/new", "/staff/clients/{id}/edit",
                                 "/staff/clients/{id}/points/new"])
def test_manage_pages_refuse_a_role_without_the_right(client, session, url):
    c = create_client()
    as_staff(client, SUPPLIER_SIGNER)  # clients.view only
    assert client.get(url.format(id=c.id)).status_code == 403
    assert client.post(url.format(id=c.id), data=VALID_CLIENT).status_code in (400, 403)


@pytest.mark.parametrize("url", ["/staff/clients", "/staff/clients/{id}", "/staff/clients/new",
                                 "/staff/meters"])
def test_client_users_get_403_on_staff_pages(client, session, url):
    c = create_client()
    as_client_user(client, c)
    assert client.get(url.format(id=c.id)).status_code == 403


def test_anonymous_is_sent_to_login(client, session):
    r = client.get("/staff/clients")
    assert r.status_code in (302, 401)


def test_admin_without_clients_manage_sees_no_edit_button(client, session):
    c = create_client()
    as_staff(client, SUPPLIER_ADMIN)
    page = client.get(f"/staff/clients/{c.id}").get_data(as_text=True)
    assert f"/staff/clients/{c.id}/edit" not in page


def test_client_sees_own_contract_only(client, session):
    from tests.support.factories import create_client, create_client_user, login

    mine = create_client(name="ООО «Моя фирма»", contract_number="C-77")
    create_client(name="ООО «Чужая фирма»", contract_number="C-78")
    create_client_user(mine, login="contractuser")
    login(client, "contractuser")
    page = client.get("/contract").get_data(as_text=True)
    assert "C-77" in page and "ООО «Моя фирма»" in page and "Чужая" not in page
    assert "Договоры и документы" in page or "Договор" in page
