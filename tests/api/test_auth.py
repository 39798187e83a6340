"""Bearer tokens and nothing else on /api/v1; cookies and nothing else on the pages; the
rate limit per token; staff tokens over every client, held to the role's networks."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from lk_corporate.api.models import ApiToken
from lk_corporate.api.operations import digest
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from tests.api.conftest import World, bearer, make_token
from tests.support.factories import create_staff_user, csrf_token, login


def _problem(response, status: int, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == code and body["message"], body


def test_no_token_or_a_wrong_one_is_401(client, world: World):
    r = client.get("/api/v1/clients")
    _problem(r, 401, "unauthorized")
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer nonsense", "Bearer lk_" + "x" * 43, "Basic YWxwaGE6eA==",
                   "Bearer " + world.token_a + "x", "bearer", "Bearer " + "a" * 5000):
        r = client.get("/api/v1/clients", headers={"Authorization": header})
        assert r.status_code == 401, header
        assert r.get_json()["code"] in ("invalid_token", "unauthorized"), header
    # The scheme's case does not matter (RFC 7235).
    assert client.get("/api/v1/clients",
                      headers={"Authorization": "bearer " + world.token_a}).status_code == 200


def test_tokens_are_stored_only_as_hashes(client, world: World):
    rows = db.session.query(ApiToken).all()
    stored = " ".join(f"{r.token_hash} {r.hint} {r.name}" for r in rows)
    assert world.token_a not in stored and world.token_a[3:20] not in stored
    assert {r.token_hash for r in rows} == {digest(world.token_a), digest(world.token_b)}


def test_revoked_expired_and_blocked(client, world: World):
    token = db.session.query(ApiToken).filter_by(token_hash=digest(world.token_a)).one()
    with time_machine.travel(token.expires_at + dt.timedelta(seconds=1), tick=False):
        _problem(client.get("/api/v1/clients", headers=bearer(world.token_a)), 401,
                 "token_expired")
    with time_machine.travel(token.expires_at - dt.timedelta(seconds=1), tick=False):
        assert client.get("/api/v1/clients", headers=bearer(world.token_a)).status_code == 200
    world.user_b.is_blocked = True
    db.session.merge(world.user_b)
    db.session.commit()
    _problem(client.get("/api/v1/clients", headers=bearer(world.token_b)), 401,
             "account_blocked")
    token.revoked_at = token.created_at
    db.session.commit()
    _problem(client.get("/api/v1/clients", headers=bearer(world.token_a)), 401,
             "token_revoked")


def test_a_token_notes_when_and_where_it_was_used(client, world: World):
    token = db.session.query(ApiToken).filter_by(token_hash=digest(world.token_a)).one()
    assert token.last_used_at is None
    client.get("/api/v1/clients", headers=bearer(world.token_a),
               environ_base={"REMOTE_ADDR": "10.1.2.3"})
    db.session.expire_all()
    assert token.last_used_at is not None and token.last_used_ip == "10.1.2.3"


def test_a_signed_in_browser_is_no_credential_for_the_api(client, world: World):
    assert login(client, "alpha").status_code == 302
    assert client.get("/cabinet").status_code == 200  # signed in, with cookies
    _problem(client.get("/api/v1/clients"), 401, "unauthorized")
    _problem(client.get(f"/api/v1/meters?client_id={world.a.id}"), 401, "unauthorized")
    # The session cookie's value as a bearer token is not one either.
    cookie = client.get_cookie("session")
    assert cookie is not None
    _problem(client.get("/api/v1/clients", headers={"Authorization": f"Bearer {cookie.value}"}),
             401, "invalid_token")


def test_a_token_opens_no_page(client, world: World):
    for name in ("remember_token", "session"):
        client.set_cookie(name, world.token_a)
        for url in ("/cabinet", "/profile/api-tokens", "/meters"):
            r = client.get(url, headers=bearer(world.token_a))
            assert r.status_code == 302 and "/login" in r.headers["Location"], (name, url)
        client.delete_cookie(name)


def test_csrf_is_still_required_on_the_pages(client, world: World):
    assert login(client, "alpha").status_code == 302
    r = client.post("/profile/api-tokens", data={"name": "no csrf", "days": "30"},
                    headers=bearer(world.token_a))
    assert r.status_code == 400
    assert db.session.query(ApiToken).filter_by(name="no csrf").count() == 0
    token = csrf_token(client, "/profile/api-tokens")
    r = client.post("/profile/api-tokens", data={"name": "with csrf", "days": "30",
                                                 "csrf_token": token})
    assert r.status_code == 302


def test_rate_limit_per_token(app, client, world: World, monkeypatch):
    monkeypatch.setitem(app.config, "LK_API_RATE_LIMIT", "3 per minute")
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC), tick=False):
        for _ in range(3):
            assert client.get("/api/v1/periods", headers=bearer(world.token_a)).status_code == 200
        r = client.get(f"/api/v1/meters?client_id={world.a.id}", headers=bearer(world.token_a))
        _problem(r, 429, "too_many_requests")
        # a sentence in the caller's language, not Flask-Limiter's "3 per 1 minute"
        assert r.get_json()["message"] == "Слишком много запросов. Подождите немного и " \
                                          "повторите.", r.get_json()
        assert 0 < int(r.headers["Retry-After"]) <= 61  # the window's end, rounded up
        # Another token (of another user) has its own allowance; so does the same user's
        # second token, and a browser on the same address.
        assert client.get("/api/v1/periods", headers=bearer(world.token_b)).status_code == 200
        second = make_token(world.user_a, name="second")
        assert client.get("/api/v1/periods", headers=bearer(second)).status_code == 200
        assert client.get("/").status_code == 200
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, 1, 1, tzinfo=dt.UTC), tick=False):
        assert client.get("/api/v1/periods", headers=bearer(world.token_a)).status_code == 200


def test_guessing_tokens_is_limited_per_address(app, client, world: World, monkeypatch):
    monkeypatch.setitem(app.config, "LK_API_RATE_LIMIT", "3 per minute")
    with time_machine.travel(dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC), tick=False):
        for i in range(3):
            r = client.get("/api/v1/clients", headers=bearer(f"lk_{i:043d}"))
            assert r.status_code == 401
        r = client.get("/api/v1/clients", headers=bearer("lk_" + "9" * 43))
        assert r.status_code == 429
        # The real token of someone at that address is not held back by the guesser.
        assert client.get("/api/v1/clients", headers=bearer(world.token_a)).status_code == 200


@pytest.mark.parametrize("role", [SUPPLIER_OPERATOR, SUPPLIER_SIGNER])
def test_staff_tokens_see_every_client_with_the_roles_rights(client, world: World, role: str):
    staff = create_staff_user(role, login="operator7")
    token = make_token(staff)
    clients = client.get("/api/v1/clients", headers=bearer(token)).get_json()["items"]
    assert {c["id"] for c in clients} == {world.a.id, world.b.id}
    meters = client.get(f"/api/v1/meters?client_id={world.b.id}", headers=bearer(token))
    assert meters.status_code == 200 and meters.get_json()["items"][0]["factory_number"] == \
        "BETA-SECRET-9"
    numbers = {d["number"] for d in
               client.get("/api/v1/documents", headers=bearer(token)).get_json()["items"]}
    assert {"RA-1", "INV-1", "RA-BETA-SECRET", "INV-BETA-SECRET"} <= numbers
    # Staff downloading an invoice is not the client receiving it.
    client.get(f"/api/v1/documents/{world.invoice_b.id}/file", headers=bearer(token))
    db.session.expire_all()
    assert client.get(f"/api/v1/documents/{world.invoice_b.id}",
                      headers=bearer(token)).get_json()["status"] == "sent"
    assert client.get("/api/v1/documents/987654", headers=bearer(token)).status_code == 404


def test_staff_without_the_clients_right_get_403(client, world: World):
    """The administrator's role (in this build) holds no right to read clients' data."""
    admin = create_staff_user(SUPPLIER_ADMIN, login="admin7")
    from lk_corporate.accounts.operations import role_by_code

    role = role_by_code(db.session, SUPPLIER_ADMIN)
    role.rights = [r for r in role.rights if r.right != "clients.view"]
    db.session.commit()
    token = make_token(admin)
    _problem(client.get("/api/v1/clients", headers=bearer(token)), 403, "forbidden")
    _problem(client.get(f"/api/v1/meters?client_id={world.a.id}", headers=bearer(token)), 403,
             "forbidden")


def test_staff_tokens_are_held_to_the_roles_networks(client, world: World):
    staff = create_staff_user(SUPPLIER_OPERATOR, login="operator7", ip_allowlist="10.8.0.0/16")
    token = make_token(staff)
    inside = client.get("/api/v1/clients", headers=bearer(token),
                        environ_base={"REMOTE_ADDR": "10.8.1.1"})
    assert inside.status_code == 200
    outside = client.get("/api/v1/clients", headers=bearer(token),
                         environ_base={"REMOTE_ADDR": "192.0.2.7"})
    _problem(outside, 403, "network_refused")
