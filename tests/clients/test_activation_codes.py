"""Activation codes on the client page: issue (shown once), revoke, states, audit."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from lk_corporate.accounts.links import account_links
from lk_corporate.accounts.models import ActivationCode
from lk_corporate.accounts.operations import issue_activation_code, register
from lk_corporate.accounts.settings import AccountSettings
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_OPERATOR
from tests.clients.helpers import as_staff, audit_actions
from tests.support.factories import PASSWORD, create_client, create_supplier, post_form
from tests.support.snapshots import row_counts


@pytest.fixture()
def firm(session):
    create_supplier()
    return create_client(tax_id="7712345671", contract_number="123")


def _issue_form(client, firm) -> dict[str, str]:
    page = client.get(f"/staff/clients/{firm.id}").get_data(as_text=True)
    submission = re.search(r'name="submission_id" value="([^"]+)"', page)
    assert submission, "the issue button carries a one-time submission id"
    return {"submission_id": submission.group(1)}


def _issue(client, firm, data=None):
    return post_form(client, f"/staff/clients/{firm.id}/codes",
                     data if data is not None else _issue_form(client, firm),
                     form_url=f"/staff/clients/{firm.id}")


def test_issue_shows_the_plain_code_once_and_stores_only_its_hash(client, firm):
    as_staff(client, SUPPLIER_OPERATOR)
    r = _issue(client, firm)
    assert r.status_code == 302  # redirect after POST: a refresh issues nothing
    shown = r.headers["Location"]
    r = client.get(shown)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    plain = re.search(r'id="activation-code">([^<]+)<', page).group(1).strip()
    assert re.fullmatch(r"\w{4}-\w{4}-\w{4}", plain)
    assert "data-lk-print" in page and "staff.js" in page
    assert r.headers.get("Cache-Control") == "no-store"
    code = db.session.scalars(db.select(ActivationCode)).one()
    assert plain not in code.code_hash and code.code_hint == plain[-4:]
    assert audit_actions()[-1] == "activation_code.issued"
    # A refresh of the page shows the code no more (only its hash exists).
    again = client.get(shown).get_data(as_text=True)
    assert plain not in again and 'data-lk="code-already-shown"' in again
    # The client page lists the code by its hint only, as active.
    detail = client.get(f"/staff/clients/{firm.id}").get_data(as_text=True)
    assert plain not in detail and f"…{plain[-4:]}" in detail
    # The code registers a user (the lead's operation accepts it).
    app = client.application
    with app.test_request_context():
        register(db.session, activation_code=plain, tax_id="7712345671", contract_number="123",
                 email="buh@firm.example", password=PASSWORD, password_repeat=PASSWORD,
                 settings=AccountSettings(), links=account_links(app))
        db.session.commit()
    assert "buh@firm.example" in client.get(f"/staff/clients/{firm.id}").get_data(as_text=True)


def test_a_double_click_issues_one_code(client, firm):
    """The same submission twice (double click, resent POST): one code, the second request
    lands on the same page."""
    as_staff(client, SUPPLIER_OPERATOR)
    form = _issue_form(client, firm)
    first = _issue(client, firm, form)
    second = _issue(client, firm, form)
    assert first.status_code == second.status_code == 302
    assert second.headers["Location"] == first.headers["Location"]
    assert len(db.session.scalars(db.select(ActivationCode)).all()) == 1
    assert audit_actions().count("activation_code.issued") == 1


def test_revoke_and_states(client, firm):
    as_staff(client, SUPPLIER_OPERATOR)
    with client.application.test_request_context():
        active = issue_activation_code(db.session, firm, actor=Actor.system()).code
        expired = issue_activation_code(db.session, firm, actor=Actor.system()).code
        expired.expires_at = utcnow() - dt.timedelta(days=1)
        db.session.commit()
    page = client.get(f"/staff/clients/{firm.id}").get_data(as_text=True)
    assert "Истёк" in page or "Expired" in page
    url = f"/staff/clients/{firm.id}/codes/{active.id}/revoke"
    assert f'action="{url}"' in page and "data-lk-confirm" in page
    r = post_form(client, url, {}, form_url=f"/staff/clients/{firm.id}")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(ActivationCode, active.id).revoked_at is not None
    assert audit_actions()[-1] == "activation_code.revoked"
    # Revoking twice changes nothing more (a double submit).
    before = row_counts()
    post_form(client, url, {}, form_url=f"/staff/clients/{firm.id}")
    assert row_counts() == before


def test_a_used_code_cannot_be_revoked(client, firm):
    as_staff(client, SUPPLIER_OPERATOR)
    with client.application.test_request_context():
        code = issue_activation_code(db.session, firm, actor=Actor.system()).code
        code.used_at = utcnow()
        db.session.commit()
    before = row_counts()
    page = f"/staff/clients/{firm.id}"
    # As a browser sends it (with the page it came from): back to that page, the refusal shown.
    r = post_form(client, f"{page}/codes/{code.id}/revoke", {}, form_url=page,
                  headers={"Referer": f"http://localhost{page}"}, follow_redirects=True)
    assert r.status_code == 200 and "alert-danger" in r.get_data(as_text=True)
    assert r.request.path == page
    # Without a Referer: a page that says why.
    r = post_form(client, f"{page}/codes/{code.id}/revoke", {}, form_url=page)
    assert r.status_code == 422 and "alert-danger" in r.get_data(as_text=True)
    assert row_counts() == before


def test_another_clients_code_is_404(client, firm):
    other = create_client()
    as_staff(client, SUPPLIER_OPERATOR)
    with client.application.test_request_context():
        code = issue_activation_code(db.session, other, actor=Actor.system()).code
        db.session.commit()
    r = post_form(client, f"/staff/clients/{firm.id}/codes/{code.id}/revoke", {},
                  form_url=f"/staff/clients/{firm.id}")
    assert r.status_code == 404


def test_codes_need_the_activation_right(client, firm):
    as_staff(client, SUPPLIER_ADMIN)  # clients.view, no activation.manage
    before = row_counts()
    page = client.get(f"/staff/clients/{firm.id}").get_data(as_text=True)
    assert f"/staff/clients/{firm.id}/codes" not in page
    r = post_form(client, f"/staff/clients/{firm.id}/codes", {}, form_url=f"/staff/clients/{firm.id}")
    assert r.status_code == 403
    assert row_counts() == before


def test_inactive_client_gets_no_code(client, session):
    firm = create_client(is_active=False)
    as_staff(client, SUPPLIER_OPERATOR)
    before = row_counts()
    r = _issue(client, firm, {})
    assert r.status_code == 302
    assert row_counts() == before
