"""Numbers from URLs, query strings and form fields beyond what the database holds are not
found, or a field error — never a 500 (an ``OverflowError`` deep in the driver)."""

from __future__ import annotations

import pytest

from lk_corporate.core.rights import SUPPLIER_ADMIN
from tests.clients.helpers import as_client_user, as_staff, field_error
from tests.support.factories import create_client, create_supplier, post_form

HUGE = str(2**63)
HUGER = "9" * 40


@pytest.mark.parametrize("number", [HUGE, HUGER, str(2**31)])
@pytest.mark.parametrize("path", [
    "/staff/clients/{n}", "/staff/clients/{n}/edit", "/staff/clients/{n}/points/new",
    "/staff/clients/1/points/{n}/edit", "/staff/clients/1/meters/{n}/edit",
    "/staff/clients/1/codes/{n}", "/staff/users/{n}/edit", "/staff/roles/{n}/edit",
    "/staff/tariffs/{n}/edit",
])
def test_huge_ids_in_staff_urls_are_not_found(client, session, path, number):
    create_supplier()
    create_client()
    as_staff(client, SUPPLIER_ADMIN)
    assert client.get(path.format(n=number)).status_code == 404


@pytest.mark.parametrize("path", ["/confirm/code/{n}", "/register/done/{n}"])
def test_huge_ids_in_anonymous_urls(client, session, path):
    assert client.get(path.format(n=HUGE)).status_code == 404
    r = client.post(path.format(n=HUGE), data={"code": "x"})
    assert r.status_code in (400, 404, 405)


def test_huge_id_in_the_client_meter_page(client, session):
    create_supplier()
    as_client_user(client, create_client())
    assert client.get(f"/meters/{HUGE}").status_code == 404


@pytest.mark.parametrize("page", [HUGE, HUGER, "-1", "abc", "1e9"])
def test_page_numbers(client, session, page):
    create_supplier()
    as_staff(client, SUPPLIER_ADMIN)
    for path in ("/staff/clients", "/staff/meters", "/staff/audit/"):
        assert client.get(f"{path}?page={page}").status_code == 200


@pytest.mark.parametrize("role", [HUGE, HUGER, "-5", "x"])
def test_huge_role_in_the_staff_form(client, session, role):
    create_supplier()
    as_staff(client, SUPPLIER_ADMIN)
    r = post_form(client, "/staff/users/new", {"login": "petrov", "email": "p@s.example",
                                               "role": role, "password": "Temp-pass-2026"})
    assert r.status_code == 200 and field_error(r.get_data(as_text=True), "role")
