"""Login by login or e-mail, "remember me", throttling per account and per IP, staff IP
allow-lists (at login and on every request), logout, session and cookie hardening."""

from __future__ import annotations

import pytest

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR
from tests.support.factories import (
    PASSWORD,
    create_client,
    create_client_user,
    create_staff_user,
    csrf_token,
    login,
    post_form,
)
from tests.support.snapshots import row_counts


@pytest.fixture()
def user(session):
    return create_client_user(create_client(), login="vk777", email="buh@firm.example")


def test_login_by_login_and_by_email(client, user):
    r = login(client, "VK777")
    assert r.status_code == 302 and r.headers["Location"].endswith("/cabinet")
    assert client.get("/cabinet").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/cabinet")})
    assert client.get("/cabinet").status_code == 302  # back to login
    r = login(client, "buh@firm.example")
    assert r.status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(client, user):
    before = row_counts()
    r = login(client, "vk777", "Wrong-password-1")
    assert r.status_code == 401
    assert "Неверный логин или пароль" in r.get_data(as_text=True)
    r = login(client, "nobody", "Wrong-password-1")
    assert r.status_code == 401
    assert "Неверный логин или пароль" in r.get_data(as_text=True)
    assert row_counts() == before


def test_account_is_throttled_after_repeated_failures(client, user, clean_app):
    limit = clean_app.config["LK_LOGIN_ATTEMPTS_PER_ACCOUNT"]
    for _ in range(limit):
        assert login(client, "vk777", "Wrong-password-1").status_code == 401
    # Even the right password is refused while the account is throttled.
    r = login(client, "vk777", PASSWORD)
    assert r.status_code == 429
    assert "Слишком много неудачных попыток" in r.get_data(as_text=True)
    # Another account from the same address is not affected.
    other = create_client_user(create_client(), login="vk778")
    assert login(client, other.login).status_code == 302


def test_ip_is_throttled(client, user, clean_app):
    clean_app.config["LK_LOGIN_ATTEMPTS_PER_IP"] = 3
    try:
        for i in range(3):
            login(client, f"nobody{i}", "Wrong-password-1")
        r = login(client, "vk777", PASSWORD)
        assert r.status_code == 429
    finally:
        clean_app.config["LK_LOGIN_ATTEMPTS_PER_IP"] = 30


def test_remember_me_sets_a_hardened_cookie(client, user):
    r = login(client, "vk777", remember="y")
    cookies = r.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember, cookies
    assert "HttpOnly" in remember[0] and "SameSite=Lax" in remember[0]
    session_cookie = [c for c in cookies if c.startswith("session=")]
    assert session_cookie and "HttpOnly" in session_cookie[0]
    r = login(client.application.test_client(), "vk777")
    assert not [c for c in r.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


def test_security_headers(client, user):
    r = client.get("/login")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_open_redirect_is_refused(client, user):
    r = login(client, "vk777", next="https://evil.example/")
    assert r.headers["Location"].endswith("/cabinet")
    r = client.get("/logout")
    assert r.status_code == 405  # logout is a POST with a CSRF token


def test_staff_allow_list_at_login_and_on_every_request(client, clean_app):
    staff = create_staff_user(SUPPLIER_OPERATOR, login="operator1", ip_allowlist="10.1.0.0/16")
    r = login(client, "operator1")
    assert r.status_code == 401
    assert "из этой сети запрещён" in r.get_data(as_text=True)
    admin = create_staff_user(SUPPLIER_ADMIN, login="admin1", ip_allowlist="127.0.0.0/8\n::1")
    assert login(client, "admin1").status_code == 302
    # The role's allow-list changes: the session stops working at the next request.
    role = admin.staff_role
    role.ip_allowlist = "10.9.0.0/16"
    db.session.commit()
    assert client.get("/profile").status_code == 403
    assert staff.id  # the refused login wrote an audit entry but no session


def test_password_change_ends_other_sessions(client, user, clean_app):
    other = clean_app.test_client()
    assert login(client, "vk777").status_code == 302
    assert login(other, "vk777").status_code == 302
    r = post_form(client, "/profile/password", {
        "current_password": PASSWORD, "new_password": "Spring-meter-2027",
        "new_password_repeat": "Spring-meter-2027"})
    assert r.status_code == 302
    assert client.get("/profile").status_code == 200  # this session continues
    assert other.get("/profile").status_code == 302  # the other one is logged out


def test_unconfirmed_and_blocked_users_cannot_log_in(client, session):
    c = create_client()
    create_client_user(c, login="vk900", confirmed=False)
    assert login(client, "vk900").status_code == 401
    blocked = create_client_user(c, login="vk901")
    blocked.is_blocked = True
    db.session.commit()
    r = login(client, "vk901")
    assert r.status_code == 401 and "заблокирована" in r.get_data(as_text=True)


def test_switch_client_only_among_own_memberships(client, session):
    from tests.support.factories import add_membership

    a, b, foreign = create_client(short_name="ООО «А»"), create_client(short_name="ООО «Б»"), create_client()
    user = create_client_user(a, login="vk500")
    add_membership(user, b)
    login(client, "vk500")
    token = csrf_token(client, "/cabinet")
    assert "ООО «А»" in client.get("/cabinet").get_data(as_text=True)
    r = client.post("/switch-client", data={"client_id": b.id, "csrf_token": token})
    assert r.status_code == 302
    assert "ООО «Б»" in client.get("/cabinet").get_data(as_text=True)
    assert client.post("/switch-client", data={"client_id": foreign.id, "csrf_token": token}).status_code == 404
    assert client.post("/switch-client", data={"client_id": "x", "csrf_token": token}).status_code == 404
