"""Failed logins count per account (login and e-mail together) and throttle per (account,
address): a stranger cannot lock the owner out; an unknown login is throttled the same way."""

from __future__ import annotations

import pytest

from tests.support.factories import create_client, create_client_user, login

STRANGER = {"REMOTE_ADDR": "203.0.113.7"}
OWNER = {"REMOTE_ADDR": "198.51.100.20"}


@pytest.fixture()
def user(session, supplier):
    return create_client_user(create_client(), login="buh", email="buh@firm.example")


def _login(app, ip: dict[str, str], identifier: str, password: str = "wrong-pass-1") -> int:
    browser = app.test_client()
    browser.environ_base.update(ip)
    return login(browser, identifier, password).status_code


def test_login_and_email_count_together(app, user):
    # Five failures in all, whichever identifier was typed...
    for identifier in ("buh", "buh@firm.example", "buh", "buh@firm.example", "BUH"):
        assert _login(app, STRANGER, identifier) == 401
    # ...and the sixth guess from that address is refused, by login and by e-mail alike.
    assert _login(app, STRANGER, "buh") == 429
    assert _login(app, STRANGER, "buh@firm.example") == 429


def test_a_stranger_cannot_lock_out_the_owner(app, user):
    assert _login(app, OWNER, "buh", "Secret-pass-2026") == 302  # the owner's usual address
    for _ in range(5):
        assert _login(app, STRANGER, "buh") == 401
    assert _login(app, STRANGER, "buh", "Secret-pass-2026") == 429  # even the right password
    assert _login(app, OWNER, "buh", "Secret-pass-2026") == 302


def test_guessing_from_many_addresses_stops_at_new_addresses_only(app, user):
    assert _login(app, OWNER, "buh", "Secret-pass-2026") == 302
    for n in range(20):
        assert _login(app, {"REMOTE_ADDR": f"203.0.113.{n + 1}"}, "buh") == 401
    # The account as a whole has had enough: a new address is refused...
    assert _login(app, {"REMOTE_ADDR": "192.0.2.99"}, "buh", "Secret-pass-2026") == 429
    # ...the owner's known address is not.
    assert _login(app, OWNER, "buh", "Secret-pass-2026") == 302


def test_an_unknown_login_is_throttled_like_a_real_one(app, user):
    for _ in range(5):
        assert _login(app, STRANGER, "nobody") == 401
    assert _login(app, STRANGER, "nobody") == 429
