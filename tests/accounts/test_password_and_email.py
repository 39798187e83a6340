"""Password reset (e-mailed one-time token + tax ID + contract number), e-mail change with
re-confirmation, password change: happy paths over real SMTP and every refusal."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

from lk_corporate.accounts.models import User
from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from tests.support.factories import PASSWORD, create_client, create_client_user, login, post_form
from tests.support.snapshots import row_counts

NEW = "Autumn-reading-2026"


@pytest.fixture()
def user(session):
    c = create_client(tax_id="7712345671", contract_number="123")
    return create_client_user(c, login="vk123", email="buh@romashka.example")


def _reset_link(mailbox) -> str:
    body = mailbox.last_to("buh@romashka.example").get_content()
    m = re.search(r"http://\S+(/password/reset/\S+)", body)
    assert m, body
    return m.group(1)


def _error(html: str, field: str) -> str:
    m = re.search(rf'id="{field}-error"[^>]*>(.*?)</div>', html, re.DOTALL)
    assert m, f"no error beside {field}"
    return m.group(1)


def test_reset_happy_path(client, user, mailbox):
    r = post_form(client, "/password/forgot", {"login": "vk123"})
    assert r.status_code == 302
    url = _reset_link(mailbox)
    r = post_form(client, url, {"tax_id": "77 1234 5671", "contract_number": "№123",
                                "password": NEW, "password_repeat": NEW})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert login(client, "vk123", PASSWORD).status_code == 401
    assert login(client, "vk123", NEW).status_code == 302
    # The link works once.
    assert client.get(url).status_code == 400


def test_reset_for_unknown_account_says_the_same_and_sends_nothing(client, user, mailbox):
    before = row_counts()
    r = post_form(client, "/password/forgot", {"login": "nobody@nowhere.example"})
    assert r.status_code == 302
    assert wait_idle(client.application)
    assert mailbox.messages == []
    assert row_counts() == before


@pytest.mark.parametrize("overrides,field,message", [
    ({"tax_id": "7700000000"}, "tax_id", "ИНН не совпадает"),
    ({"contract_number": "999"}, "contract_number", "Номер договора не совпадает"),
    ({"password_repeat": NEW + "x"}, "password_repeat", "не совпадают"),
    ({"password": "short1", "password_repeat": "short1"}, "password", "не короче"),
    ({"tax_id": "1" * 10_000}, "tax_id", "Не более"),
    ({"tax_id": ""}, "tax_id", "Обязательное поле"),
])
def test_reset_refusals_change_nothing(client, user, mailbox, overrides, field, message):
    post_form(client, "/password/forgot", {"login": "vk123"})
    url = _reset_link(mailbox)
    before = row_counts()
    data = {"tax_id": "7712345671", "contract_number": "123", "password": NEW,
            "password_repeat": NEW, **overrides}
    r = post_form(client, url, data)
    assert r.status_code == 422
    assert message in _error(r.get_data(as_text=True), field)
    assert row_counts() == before
    db.session.expire_all()
    assert login(client, "vk123", PASSWORD).status_code == 302


def test_expired_and_superseded_tokens(client, user, mailbox):
    post_form(client, "/password/forgot", {"login": "vk123"})
    first = _reset_link(mailbox)
    post_form(client, "/password/forgot", {"login": "buh@romashka.example"})
    mailbox.wait_count(2)
    second = _reset_link(mailbox)
    assert first != second
    r = client.get(first)
    assert r.status_code == 400 and "уже использована" in r.get_data(as_text=True)
    # The link lives LK_RESET_TOKEN_MINUTES (60): a minute before the end it works...
    with time_machine.travel(utcnow() + dt.timedelta(minutes=59)):
        assert client.get(second).status_code == 200
    # ...a minute after, it has expired.
    with time_machine.travel(utcnow() + dt.timedelta(minutes=61)):
        r = client.get(second)
    assert r.status_code == 400 and "истёк" in r.get_data(as_text=True)
    assert client.get("/password/reset/garbage").status_code == 400
    assert client.get("/password/reset/" + "x" * 5000).status_code in (400, 404)


def test_change_email_is_reconfirmed(client, user, mailbox):
    login(client, "vk123")
    r = post_form(client, "/profile/email", {"email": "new@romashka.example", "password": PASSWORD})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "buh@romashka.example"  # not yet
    body = mailbox.last_to("new@romashka.example").get_content()
    link = re.search(r"http://\S+(/profile/email/confirm/\S+)", body).group(1)
    assert client.get(link).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).email == "new@romashka.example"
    # The old address is told.
    assert "new@romashka.example" in mailbox.last_to("buh@romashka.example").get_content()


@pytest.mark.parametrize("data,field,message", [
    ({"email": "x@romashka.example", "password": "Wrong-password-9"}, "password", "неверно"),
    ({"email": "buh@romashka.example", "password": PASSWORD}, "email", "текущий адрес"),
    ({"email": "not an address", "password": PASSWORD}, "email", "корректный"),
    ({"email": "taken@firm.example", "password": PASSWORD}, "email", "уже существует"),
    ({"email": "", "password": PASSWORD}, "email", "Обязательное"),
])
def test_change_email_refusals(client, user, mailbox, data, field, message):
    create_client_user(create_client(), email="taken@firm.example")
    login(client, "vk123")
    mailbox.clear()
    before = row_counts()
    r = post_form(client, "/profile/email", data)
    assert r.status_code == 422
    assert message in _error(r.get_data(as_text=True), field)
    assert row_counts() == before
    assert wait_idle(client.application)
    assert mailbox.messages == []


@pytest.mark.parametrize("data,field,message", [
    ({"current_password": "Wrong-password-9", "new_password": NEW, "new_password_repeat": NEW},
     "current_password", "неверно"),
    ({"current_password": PASSWORD, "new_password": NEW, "new_password_repeat": NEW + "1"},
     "new_password_repeat", "не совпадают"),
    ({"current_password": PASSWORD, "new_password": "vk123vk123x1", "new_password_repeat": "vk123vk123x1"},
     "new_password", "логин"),
    ({"current_password": PASSWORD, "new_password": PASSWORD, "new_password_repeat": PASSWORD},
     "new_password", "отличаться"),
])
def test_change_password_refusals(client, user, mailbox, data, field, message):
    login(client, "vk123")
    before = row_counts()
    r = post_form(client, "/profile/password", data)
    assert r.status_code == 422
    assert message in _error(r.get_data(as_text=True), field)
    assert row_counts() == before


def test_change_password_notifies(client, user, mailbox):
    login(client, "vk123")
    r = post_form(client, "/profile/password", {"current_password": PASSWORD, "new_password": NEW,
                                                "new_password_repeat": NEW})
    assert r.status_code == 302
    assert "изменён" in mailbox.last_to("buh@romashka.example").get_content()


def test_profile_pages_need_login(client, session):
    for url in ("/profile", "/profile/email", "/profile/password", "/profile/contracts", "/cabinet"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"], url
