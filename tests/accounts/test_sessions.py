"""Every login is a server-side record: logout ends it for every copy of its cookies, each
login has its own remember token, the profile lists sessions and ends them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lk_corporate.accounts.models import LoginSession
from lk_corporate.core.extensions import db
from tests.support.factories import (
    PASSWORD,
    create_client,
    create_client_user,
    login,
    post_form,
)


@pytest.fixture()
def user(session, supplier):
    return create_client_user(create_client(), login="buh")


def _cookie(client, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def test_a_session_cookie_copied_before_logout_opens_nothing(client, user, app):
    assert login(client, "buh").status_code == 302
    stolen = _cookie(client, "session")
    assert client.get("/cabinet").status_code == 200
    assert post_form(client, "/logout", {}, form_url="/profile").status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    r = thief.get("/cabinet")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_each_login_has_its_own_remember_token_and_logout_revokes_it(client, user, app):
    assert login(client, "buh", remember="y").status_code == 302
    first = _cookie(client, "remember_token")
    other = app.test_client()
    assert login(other, "buh", remember="y").status_code == 302
    second = _cookie(other, "remember_token")
    assert first and second and first != second
    # The remember cookie alone (a new browser session) signs in...
    fresh = app.test_client()
    fresh.set_cookie("remember_token", first)
    assert fresh.get("/cabinet").status_code == 200
    # ...until its login is ended.
    assert post_form(client, "/logout", {}, form_url="/profile").status_code == 302
    again = app.test_client()
    again.set_cookie("remember_token", first)
    assert again.get("/cabinet").status_code == 302
    # The other login's token still works.
    other_fresh = app.test_client()
    other_fresh.set_cookie("remember_token", second)
    assert other_fresh.get("/cabinet").status_code == 200
    stored = db.session.scalars(select(LoginSession.secret_hash)).all()
    assert first.split("|")[0].split(".")[-1] not in " ".join(stored)  # only hashes stored


def test_profile_lists_sessions_and_ends_others(client, user, app):
    laptop = app.test_client()
    phone = app.test_client()
    for browser in (client, laptop, phone):
        assert login(browser, "buh").status_code == 302
    page = client.get("/profile/sessions").get_data(as_text=True)
    assert page.count('data-lk="session"') == 3
    ids = db.session.scalars(select(LoginSession.id).order_by(LoginSession.id)).all()
    # End the laptop's session from here.
    r = post_form(client, f"/profile/sessions/{ids[1]}/end", {}, form_url="/profile/sessions")
    assert r.status_code == 302
    assert laptop.get("/cabinet").status_code == 302
    assert phone.get("/cabinet").status_code == 200
    # End all others: the phone goes, this one stays.
    r = post_form(client, "/profile/sessions/end-others", {}, form_url="/profile/sessions")
    assert r.status_code == 302
    assert phone.get("/cabinet").status_code == 302
    assert client.get("/cabinet").status_code == 200


def test_another_users_session_cannot_be_ended(client, user, app):
    other = create_client_user(create_client(), login="other")
    theirs = app.test_client()
    assert login(theirs, other.login).status_code == 302
    their_id = db.session.scalars(select(LoginSession.id)).one()
    assert login(client, "buh").status_code == 302
    r = post_form(client, f"/profile/sessions/{their_id}/end", {}, form_url="/profile/sessions")
    assert r.status_code == 404
    assert theirs.get("/cabinet").status_code == 200


def test_password_change_ends_the_other_sessions_only(client, user, app):
    other = app.test_client()
    assert login(other, "buh").status_code == 302
    assert login(client, "buh").status_code == 302
    new = "Another-pass-2027"
    r = post_form(client, "/profile/password", {"current_password": PASSWORD, "new_password": new,
                                                "new_password_repeat": new})
    assert r.status_code == 302
    assert client.get("/cabinet").status_code == 200
    assert other.get("/cabinet").status_code == 302
