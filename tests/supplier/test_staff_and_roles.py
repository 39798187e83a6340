"""Staff users (create, edit, block, temporary password) and roles (rights, IP allow-lists)."""

from __future__ import annotations

import pytest

from lk_corporate.accounts.models import Role, User
from lk_corporate.accounts.operations import ensure_builtin_roles
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import (
    CLIENT_ACCOUNTANT,
    INVOICES_SIGN,
    ROLES_MANAGE,
    STAFF_MANAGE,
    SUPPLIER_ADMIN,
    SUPPLIER_OPERATOR,
    SUPPLIER_SIGNER,
)
from tests.clients.helpers import LONG, as_staff, audit_actions, field_error, form_error
from tests.support.factories import PASSWORD, create_staff_user, login, post_form
from tests.support.snapshots import row_counts


@pytest.fixture()
def admin(client, session):
    return as_staff(client, SUPPLIER_ADMIN)


def _role(code: str) -> Role:
    return db.session.scalars(db.select(Role).where(Role.code == code)).one()


def test_pages_render_for_the_admin(client, admin):
    for url in ("/staff/users", "/staff/users/new", f"/staff/users/{admin.id}/edit",
                f"/staff/users/{admin.id}/password", "/staff/roles",
                f"/staff/roles/{_role(SUPPLIER_OPERATOR).id}/edit",
                f"/staff/roles/{_role(CLIENT_ACCOUNTANT).id}/edit"):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("url", ["/staff/users", "/staff/users/new", "/staff/roles"])
def test_pages_refuse_an_operator(client, session, url):
    as_staff(client, SUPPLIER_OPERATOR)
    assert client.get(url).status_code == 403


def test_create_staff_user(client, admin):
    r = post_form(client, "/staff/users/new", {
        "login": "ivanova", "full_name": "Иванова И. И.", "email": "ivanova@supplier.example",
        "role": str(_role(SUPPLIER_SIGNER).id), "password": "Temp-pass-2026"})
    assert r.status_code == 302
    user = db.session.scalars(db.select(User).where(User.login == "ivanova")).one()
    assert user.staff_role.code == SUPPLIER_SIGNER and user.is_confirmed
    assert audit_actions()[-1] == "staff.created"
    client.post("/logout", data={"csrf_token": ""})


@pytest.mark.parametrize("field,value", [
    ("login", ""), ("login", "Иван"), ("login", LONG), ("email", "x"), ("email", LONG),
    ("password", "short1"), ("password", "onlyletters"), ("role", "999"), ("role", "abc"),
    ("full_name", LONG),
])
def test_create_staff_user_bad_input(client, admin, field, value):
    data = {"login": "petrov", "full_name": "Петров", "email": "petrov@supplier.example",
            "role": str(_role(SUPPLIER_OPERATOR).id), "password": "Temp-pass-2026"}
    before = row_counts()
    r = post_form(client, "/staff/users/new", dict(data, **{field: value}))
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), field), field
    assert row_counts() == before


def test_client_role_cannot_be_given_to_staff(client, admin):
    before = row_counts()
    r = post_form(client, "/staff/users/new", {
        "login": "petrov", "email": "petrov@supplier.example",
        "role": str(_role(CLIENT_ACCOUNTANT).id), "password": "Temp-pass-2026"})
    assert field_error(r.get_data(as_text=True), "role")
    assert row_counts() == before


def test_duplicate_login_and_double_submit(client, admin):
    data = {"login": "petrov", "email": "petrov@supplier.example",
            "role": str(_role(SUPPLIER_OPERATOR).id), "password": "Temp-pass-2026"}
    assert post_form(client, "/staff/users/new", data).status_code == 302
    before = row_counts()
    r = post_form(client, "/staff/users/new", data)
    assert field_error(r.get_data(as_text=True), "login")
    assert row_counts() == before


def test_edit_role_and_name(client, admin, app):
    other = create_staff_user(SUPPLIER_OPERATOR)
    theirs = app.test_client()
    assert login(theirs, other.login).status_code == 302
    assert theirs.get("/profile").status_code == 200
    r = post_form(client, f"/staff/users/{other.id}/edit",
                  {"full_name": "Новое Имя", "role": str(_role(SUPPLIER_SIGNER).id)})
    assert r.status_code == 302
    db.session.expire_all()
    other = db.session.get(User, other.id)
    assert other.full_name == "Новое Имя" and other.staff_role.code == SUPPLIER_SIGNER
    assert audit_actions()[-1] == "staff.updated"
    # A new role means new rights: the session opened under the old role has ended.
    assert theirs.get("/profile").status_code == 302


def test_admin_cannot_demote_or_block_themselves(client, admin):
    before = row_counts()
    r = post_form(client, f"/staff/users/{admin.id}/edit",
                  {"full_name": "", "role": str(_role(SUPPLIER_OPERATOR).id)})
    assert field_error(r.get_data(as_text=True), "role")
    r = post_form(client, f"/staff/users/{admin.id}/block", {}, form_url="/staff/users",
                  headers={"Referer": "http://localhost/staff/users"})
    assert r.status_code == 302 and r.headers["Location"] == "/staff/users"
    assert row_counts() == before


def test_block_and_unblock(client, admin, app):
    other = create_staff_user(SUPPLIER_OPERATOR)
    r = post_form(client, f"/staff/users/{other.id}/block", {}, form_url="/staff/users")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, other.id).is_blocked
    assert audit_actions()[-1] == "staff.blocked"
    other_browser = app.test_client()
    assert login(other_browser, other.login).status_code != 302
    post_form(client, f"/staff/users/{other.id}/unblock", {}, form_url="/staff/users")
    db.session.expire_all()
    assert not db.session.get(User, other.id).is_blocked
    assert audit_actions()[-1] == "staff.unblocked"
    assert login(other_browser, other.login).status_code == 302


def test_temporary_password(client, admin, app):
    other = create_staff_user(SUPPLIER_OPERATOR)
    url = f"/staff/users/{other.id}/password"
    before = row_counts()
    r = post_form(client, url, {"password": "New-temp-2026", "password_repeat": "Other-2026-x"})
    assert field_error(r.get_data(as_text=True), "password_repeat")
    r = post_form(client, url, {"password": "short", "password_repeat": "short"})
    assert field_error(r.get_data(as_text=True), "password")
    assert row_counts() == before
    r = post_form(client, url, {"password": "New-temp-2026", "password_repeat": "New-temp-2026"})
    assert r.status_code == 302
    assert audit_actions()[-1] == "staff.password_set"
    browser = app.test_client()
    assert login(browser, other.login, PASSWORD).status_code != 302
    assert login(browser, other.login, "New-temp-2026").status_code == 302


def test_unknown_or_client_user_is_404(client, admin):
    from tests.support.factories import create_client, create_client_user

    cu = create_client_user(create_client())
    assert client.get(f"/staff/users/{cu.id}/edit").status_code == 404
    assert client.get("/staff/users/99999/password").status_code == 404


# --- roles -------------------------------------------------------------------------------

def test_edit_rights_and_allowlist(client, admin):
    role = _role(SUPPLIER_SIGNER)
    url = f"/staff/roles/{role.id}/edit"
    r = post_form(client, url, {"rights": ["clients.view", INVOICES_SIGN],
                                "ip_allowlist": "10.20.0.0/16\n# office\n192.168.1.5\n\n2001:db8::/32"})
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.expire_all()
    role = _role(SUPPLIER_SIGNER)
    assert role.right_names == {"clients.view", INVOICES_SIGN}
    assert role.ip_allowlist.splitlines() == ["10.20.0.0/16", "192.168.1.5/32", "2001:db8::/32"]
    assert audit_actions()[-1] == "role.updated"


@pytest.mark.parametrize("allowlist", ["10.0.0.0/33", "not-an-ip", "300.1.1.1", "10.0.0.0/8\nfoo",
                                       LONG])
def test_invalid_cidr_is_refused(client, admin, allowlist):
    role = _role(SUPPLIER_SIGNER)
    before = row_counts()
    r = post_form(client, f"/staff/roles/{role.id}/edit",
                  {"rights": ["clients.view"], "ip_allowlist": allowlist})
    assert r.status_code == 200
    assert field_error(r.get_data(as_text=True), "ip_allowlist")
    assert row_counts() == before


def test_rights_outside_the_scope_are_refused(client, admin):
    role = _role(CLIENT_ACCOUNTANT)
    before = row_counts()
    r = post_form(client, f"/staff/roles/{role.id}/edit", {"rights": ["readings.view", STAFF_MANAGE]})
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert field_error(page, "rights") or form_error(page)
    assert row_counts() == before


def test_client_role_has_no_allowlist(client, admin):
    role = _role(CLIENT_ACCOUNTANT)
    page = client.get(f"/staff/roles/{role.id}/edit").get_data(as_text=True)
    assert 'name="ip_allowlist"' not in page
    r = post_form(client, f"/staff/roles/{role.id}/edit",
                  {"rights": ["readings.view", "money.view"], "ip_allowlist": "10.0.0.0/8"})
    assert r.status_code == 302
    db.session.expire_all()
    assert _role(CLIENT_ACCOUNTANT).ip_allowlist == ""


def test_admin_cannot_lock_themselves_out(client, admin):
    role = _role(SUPPLIER_ADMIN)
    rights = sorted(role.right_names)
    before = row_counts()
    r = post_form(client, f"/staff/roles/{role.id}/edit",
                  {"rights": [x for x in rights if x != ROLES_MANAGE], "ip_allowlist": ""})
    assert field_error(r.get_data(as_text=True), "rights")
    # The test client comes from 127.0.0.1: a list without it would lock the admin out.
    r = post_form(client, f"/staff/roles/{role.id}/edit",
                  {"rights": rights, "ip_allowlist": "10.0.0.0/8"})
    assert field_error(r.get_data(as_text=True), "ip_allowlist")
    assert row_counts() == before
    r = post_form(client, f"/staff/roles/{role.id}/edit",
                  {"rights": rights, "ip_allowlist": "127.0.0.0/8"})
    assert r.status_code == 302


def test_roles_page_needs_roles_manage(client, session):
    ensure_builtin_roles(db.session)
    as_staff(client, SUPPLIER_OPERATOR)
    assert client.get(f"/staff/roles/{_role(SUPPLIER_SIGNER).id}/edit").status_code == 403
