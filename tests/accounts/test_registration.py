"""Registration with an activation code, e-mail confirmation by link and by code, and every
kind of bad input refused beside its field with nothing written."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from lk_corporate.accounts.models import User
from lk_corporate.accounts.operations import ensure_builtin_roles, issue_activation_code
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from tests.support.factories import create_client, create_supplier, login, post_form
from tests.support.snapshots import row_counts, table_rows

PASSWORD = "Winter-meter-2026"


@pytest.fixture()
def contract(session):
    create_supplier(login_prefix="vk")
    ensure_builtin_roles(db.session)
    client = create_client(tax_id="7712345671", contract_number="123",
                           name='ООО «Ромашка»')
    issued = issue_activation_code(db.session, client, actor=Actor.system())
    db.session.commit()
    return client, issued.plain


def _form(code: str, **overrides: str) -> dict[str, str]:
    data = {
        "activation_code": code, "tax_id": "7712345671", "contract_number": "123",
        "email": "buh@romashka.example", "login": "", "password": PASSWORD,
        "password_repeat": PASSWORD,
    }
    data.update(overrides)
    return data


def _error_beside(html: str, field: str) -> str:
    m = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert m, f"no error shown beside {field}"
    return re.sub(r"\s+", " ", m.group(1)).strip()


def test_register_confirm_by_link_and_login(client, contract, mailbox):
    _, code = contract
    r = post_form(client, "/register", _form(code))
    assert r.status_code == 302, r.get_data(as_text=True)
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert "vk123" in page  # the derived login is shown

    user = db.session.query(User).filter_by(login="vk123").one()
    assert user.email_confirmed_at is None
    # Inactive until confirmed.
    r = login(client, "vk123", PASSWORD)
    assert r.status_code == 401
    assert "Подтвердите" in r.get_data(as_text=True)

    msg = mailbox.last_to("buh@romashka.example")
    body = msg.get_content()
    assert "Ваш код для подтверждения регистрации" in body
    link = re.search(r"http://\S+/confirm/(\S+)", body)
    assert link, body
    r = client.get(f"/confirm/{link.group(1)}")
    assert r.status_code == 302
    r = login(client, "vk123", PASSWORD)
    assert r.status_code == 302
    dash = client.get(r.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "Ромашка" in dash
    # A reused link is refused.
    assert client.get(f"/confirm/{link.group(1)}").status_code == 400
    actions = [r[6] for r in table_rows("audit_entries")]
    assert actions[-3:] == ["account.registered", "account.email_confirmed", "login.succeeded"]


def test_confirm_by_typed_code(client, contract, mailbox):
    _, code = contract
    post_form(client, "/register", _form(code, login="romashka"))
    user = db.session.query(User).filter_by(login="romashka").one()
    body = mailbox.last_to("buh@romashka.example").get_content()
    typed = re.search(r"подтверждения регистрации: (\S+)", body).group(1)
    url = f"/confirm/code/{user.id}"
    r = post_form(client, url, {"code": "WRONG123"})
    assert r.status_code == 422
    assert "не подходит" in _error_beside(r.get_data(as_text=True), "code")
    r = post_form(client, url, {"code": typed})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email_confirmed_at is not None


def test_confirmation_code_cannot_be_guessed(client, contract, mailbox):
    _, code = contract
    post_form(client, "/register", _form(code))
    user = db.session.query(User).filter_by(login="vk123").one()
    body = mailbox.last_to("buh@romashka.example").get_content()
    typed = re.search(r"подтверждения регистрации: (\S+)", body).group(1)
    for _ in range(5):
        post_form(client, f"/confirm/code/{user.id}", {"code": "AAAA2222"})
    r = post_form(client, f"/confirm/code/{user.id}", {"code": typed})
    assert r.status_code == 422  # locked after five wrong codes


BAD = [
    ("empty code", {"activation_code": ""}, "activation_code", "Обязательное поле"),
    ("empty tax id", {"tax_id": ""}, "tax_id", "Обязательное поле"),
    ("empty email", {"email": ""}, "email", "Обязательное поле"),
    ("empty password", {"password": "", "password_repeat": ""}, "password", "Обязательное поле"),
    ("huge code", {"activation_code": "A" * 10_000}, "activation_code", "Не более"),
    ("huge email", {"email": "a" * 10_000 + "@x.ru"}, "email", "Не более"),
    ("huge contract", {"contract_number": "9" * 10_000}, "contract_number", "Не более"),
    ("huge password", {"password": "a1" * 5000, "password_repeat": "a1" * 5000}, "password", "Не более"),
    ("wrong code", {"activation_code": "AAAA-BBBB-CCCC"}, "activation_code", "недействителен"),
    ("wrong tax id", {"tax_id": "7700000000"}, "tax_id", "ИНН не совпадает"),
    ("wrong contract", {"contract_number": "124"}, "contract_number", "Номер договора не совпадает"),
    ("bad email", {"email": "not-an-address"}, "email", "корректный адрес"),
    ("mismatch", {"password_repeat": PASSWORD + "x"}, "password_repeat", "не совпадают"),
    ("short password", {"password": "abc123", "password_repeat": "abc123"}, "password", "не короче"),
    ("no digits", {"password": "onlyletterspassword", "password_repeat": "onlyletterspassword"}, "password", "буквы и цифры"),
    ("common", {"password": "password123", "password_repeat": "password123"}, "password", "легко угадать"),
    ("bad login", {"login": "ив ан"}, "login", "латинские буквы"),
]


@pytest.mark.parametrize("case,overrides,field,message", BAD, ids=[b[0] for b in BAD])
def test_bad_input_changes_nothing(client, contract, mailbox, case, overrides, field, message):
    _, code = contract
    before = row_counts()
    r = post_form(client, "/register", _form(code, **overrides))
    html = r.get_data(as_text=True)
    assert r.status_code == 422, case
    assert message in _error_beside(html, field)
    assert row_counts() == before
    assert wait_idle(client.application)
    assert mailbox.messages == []


def test_reused_code_duplicate_email_and_login(client, contract, mailbox):
    client_row, code = contract
    assert post_form(client, "/register", _form(code)).status_code == 302
    client.get("/logout")
    before = row_counts()
    # The same code again: used.
    r = post_form(client, "/register", _form(code, email="other@romashka.example", login="other"))
    assert "уже использован" in _error_beside(r.get_data(as_text=True), "activation_code")
    # A fresh code, but the e-mail and then the login are taken.
    fresh = issue_activation_code(db.session, client_row, actor=Actor.system()).plain
    db.session.commit()
    before = row_counts()
    r = post_form(client, "/register", _form(fresh, login="another"))
    assert "уже существует" in _error_beside(r.get_data(as_text=True), "email")
    r = post_form(client, "/register", _form(fresh, email="x@romashka.example"))
    assert "уже занят" in _error_beside(r.get_data(as_text=True), "login")
    assert row_counts() == before


def test_double_submit_registers_once(client, contract, mailbox):
    _, code = contract
    data = _form(code)
    from tests.support.factories import csrf_token

    token = csrf_token(client, "/register")
    first = client.post("/register", data={**data, "csrf_token": token})
    second = client.post("/register", data={**data, "csrf_token": token})
    assert first.status_code == 302
    assert second.status_code == 422
    assert db.session.query(User).count() == 1
    assert wait_idle(client.application)
    assert len(mailbox.messages) == 1


def test_expired_and_revoked_codes(client, contract, mailbox):
    from lk_corporate.accounts.models import ActivationCode
    from lk_corporate.accounts.operations import revoke_activation_code
    from lk_corporate.core.db import utcnow

    client_row, code = contract
    # An activation code lives LK_ACTIVATION_CODE_DAYS (30).
    with time_machine.travel(utcnow() + dt.timedelta(days=30, minutes=1)):
        r = post_form(client, "/register", _form(code))
    assert "истёк" in _error_beside(r.get_data(as_text=True), "activation_code")
    assert db.session.query(ActivationCode).one().used_at is None
    fresh = issue_activation_code(db.session, client_row, actor=Actor.system())
    revoke_activation_code(db.session, fresh.code, actor=Actor.system())
    db.session.commit()
    r = post_form(client, "/register", _form(fresh.plain))
    assert "отозван" in _error_beside(r.get_data(as_text=True), "activation_code")


def test_csrf_is_required(client, contract):
    _, code = contract
    before = row_counts()
    r = client.post("/register", data=_form(code))
    assert r.status_code in (400, 422)
    assert row_counts() == before
