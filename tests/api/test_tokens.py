"""API tokens in the profile (made with a name and a lifetime, shown once, listed, revoked)
and from the command line (`lk api token create`, a real subprocess, whose token then works
over real HTTP)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from lk_corporate.api.models import ApiToken
from lk_corporate.api.operations import MAX_LIVE_TOKENS, digest
from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_OPERATOR
from tests.api.conftest import World, bearer, make_token
from tests.support.factories import create_staff_user, csrf_token, login, post_form

LK = str(Path(sys.executable).parent / "lk")
_SHOWN = re.compile(r'data-lk="new-token-value">(lk_[A-Za-z0-9_-]{43})<')


def _make_in_profile(client: Any, name: str, days: str = "90") -> Any:
    return post_form(client, "/profile/api-tokens", {"name": name, "days": days},
                     follow_redirects=True)


def test_made_in_the_profile_shown_once_then_listed(client, world: World):
    assert login(client, "alpha").status_code == 302
    page = _make_in_profile(client, "  1C:  Бухгалтерия ")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    shown = _SHOWN.search(html)
    assert shown, html[:3000]
    plain = shown.group(1)
    token = db.session.query(ApiToken).filter_by(token_hash=digest(plain)).one()
    assert token.name == "1C: Бухгалтерия" and token.user_id == world.user_a.id
    assert (token.expires_at - token.created_at).days == 90
    # It works, and the page never shows it again.
    assert client.get("/api/v1/clients", headers=bearer(plain)).status_code == 200
    again = client.get("/profile/api-tokens").get_data(as_text=True)
    assert plain not in again and f"lk_…{plain[-4:]}" in again and "1C: Бухгалтерия" in again
    entries = db.session.query(AuditEntry).filter_by(action="api_token.created").all()
    assert len(entries) == 3 and not any(plain in e.details for e in entries)


def test_refusals_stay_beside_the_field(client, world: World):
    assert login(client, "alpha").status_code == 302
    r = post_form(client, "/profile/api-tokens", {"name": "", "days": "30"})
    assert r.status_code == 422
    r = post_form(client, "/profile/api-tokens", {"name": "x", "days": "1000"})
    assert r.status_code == 422  # not one of the offered lifetimes
    for i in range(MAX_LIVE_TOKENS - 1):  # the world made one already
        make_token(world.user_a, name=f"t{i}")
    r = post_form(client, "/profile/api-tokens", {"name": "one too many", "days": "30"})
    text = r.get_data(as_text=True).lower()
    assert r.status_code == 422 and ("revoke one" in text or "отзовите" in text), text
    assert db.session.query(ApiToken).filter_by(name="one too many").count() == 0


def test_revoke_ones_own_token_only(client, world: World):
    assert login(client, "alpha").status_code == 302
    mine = db.session.query(ApiToken).filter_by(token_hash=digest(world.token_a)).one()
    theirs = db.session.query(ApiToken).filter_by(token_hash=digest(world.token_b)).one()
    token = csrf_token(client, "/profile/api-tokens")
    assert client.post(f"/profile/api-tokens/{theirs.id}/revoke",
                       data={"csrf_token": token}).status_code == 404
    assert client.get("/api/v1/clients", headers=bearer(world.token_b)).status_code == 200
    r = client.post(f"/profile/api-tokens/{mine.id}/revoke", data={"csrf_token": token})
    assert r.status_code == 302
    assert client.get("/api/v1/clients", headers=bearer(world.token_a)).status_code == 401
    page = client.get("/profile/api-tokens").get_data(as_text=True)
    assert f'data-lk-token="{mine.id}" data-lk-state="revoked"' in page
    assert db.session.query(AuditEntry).filter_by(action="api_token.revoked").count() == 1
    # Without the CSRF token nothing is revoked.
    other = make_token(world.user_a, name="other")
    row = db.session.query(ApiToken).filter_by(token_hash=digest(other)).one()
    assert client.post(f"/profile/api-tokens/{row.id}/revoke").status_code == 400
    assert client.get("/api/v1/clients", headers=bearer(other)).status_code == 200


def test_staff_make_tokens_on_the_command_line_not_in_the_profile(client, world: World):
    create_staff_user(SUPPLIER_OPERATOR, login="operator7")
    assert login(client, "operator7").status_code == 302
    assert client.get("/profile/api-tokens").status_code == 403


def _lk(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LK_DATABASE_URL": database_url, "LK_SECRET_KEY": "cli-test"}
    return subprocess.run([LK, *args], env=env, capture_output=True, text=True, check=False,
                          timeout=120, stdin=subprocess.DEVNULL)


def test_lk_api_token_create_then_real_http(world: World, database_url: str, live_server: Any):
    made = _lk(database_url, "api", "token", "create", "alpha", "--name", "1C: Бухгалтерия")
    assert made.returncode == 0, made.stderr
    plain = made.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"lk_[A-Za-z0-9_-]{43}", plain), made.stdout
    r = requests.get(f"{live_server.url}/api/v1/clients", headers=bearer(plain), timeout=30)
    assert r.status_code == 200, r.text
    assert [c["contract_number"] for c in r.json()["items"]] == ["A-1"]
    r = requests.get(f"{live_server.url}/api/v1/meters", params={"client_id": world.b.id},
                     headers=bearer(plain), timeout=30)
    assert r.status_code == 404 and "BETA" not in r.text
    pdf = requests.get(f"{live_server.url}/api/v1/documents/{world.act_a.id}/file",
                       headers=bearer(plain), timeout=30)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # Listed without the token itself; revoked from the command line too.
    listed = _lk(database_url, "api", "token", "list", "alpha")
    assert listed.returncode == 0 and "1C: Бухгалтерия" in listed.stdout
    assert plain not in listed.stdout
    token_id = db.session.query(ApiToken).filter_by(token_hash=digest(plain)).one().id
    revoked = _lk(database_url, "api", "token", "revoke", str(token_id))
    assert revoked.returncode == 0, revoked.stderr
    r = requests.get(f"{live_server.url}/api/v1/clients", headers=bearer(plain), timeout=30)
    assert r.status_code == 401 and r.json()["code"] == "token_revoked"


def test_lk_api_token_create_for_staff_and_refusals(world: World, database_url: str,
                                                   live_server: Any):
    create_staff_user(SUPPLIER_OPERATOR, login="operator")
    made = _lk(database_url, "api", "token", "create", "operator", "--days", "7")
    assert made.returncode == 0, made.stderr
    plain = made.stdout.strip().splitlines()[-1]
    r = requests.get(f"{live_server.url}/api/v1/clients", headers=bearer(plain), timeout=30)
    assert {c["contract_number"] for c in r.json()["items"]} == {"A-1", "B-SECRET-2"}
    unknown = _lk(database_url, "api", "token", "create", "nobody")
    assert unknown.returncode != 0 and "nobody" in unknown.stderr
    assert _lk(database_url, "api", "token", "create", "alpha", "--days", "0").returncode != 0
