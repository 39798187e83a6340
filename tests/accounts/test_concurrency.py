"""Real concurrent requests over HTTP: one activation code registers one account, parallel
saves all succeed and keep the audit chain whole, a double submit creates one thing."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from lk_corporate.accounts.models import User
from lk_corporate.accounts.operations import issue_activation_code
from lk_corporate.clients.models import MeteringPoint
from lk_corporate.core.audit import Actor, AuditEntry, verify_chain
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_OPERATOR
from tests.support.factories import (
    PASSWORD,
    create_client,
    create_client_user,
    create_staff_user,
    create_supplier,
)
from tests.support.live import LiveSession, run_together


def _count(model) -> int:  # type: ignore[no-untyped-def]
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_one_activation_code_registers_one_account(clean_app, live_server):
    create_supplier()
    firm = create_client(tax_id="7712345671", contract_number="123")
    plain = issue_activation_code(db.session, firm, actor=Actor.system()).plain
    db.session.commit()
    browsers = [LiveSession(live_server) for _ in range(4)]
    tokens = [b.token("/register") for b in browsers]

    def register(i: int):  # type: ignore[no-untyped-def]
        return lambda: browsers[i].post("/register", {
            "activation_code": plain, "tax_id": "7712345671", "contract_number": "123",
            "email": f"buh{i}@firm.example", "login": f"buh{i}", "password": PASSWORD,
            "password_repeat": PASSWORD}, token=tokens[i])

    results = run_together([register(i) for i in range(4)])
    codes = sorted(r.status_code for r in results)
    assert codes == [302, 422, 422, 422], codes
    assert _count(User) == 1
    refused = [r.text for r in results if r.status_code == 422]
    assert all("уже использован" in text for text in refused)


def test_parallel_profile_saves_all_succeed_and_the_chain_holds(clean_app, live_server):
    create_supplier()
    user = create_client_user(create_client(), login="buh")
    browsers = [LiveSession(live_server) for _ in range(14)]
    for b in browsers:
        b.login(user.login, PASSWORD)
    tokens = [b.token("/profile") for b in browsers]
    before = _count(AuditEntry)
    results = run_together([
        (lambda i=i: browsers[i].post("/profile", {"full_name": f"Имя {i}", "phone": str(i)},
                                      token=tokens[i])) for i in range(14)])
    statuses = [getattr(r, "status_code", r) for r in results]
    assert statuses == [302] * 14, statuses
    assert _count(AuditEntry) == before + 14
    assert verify_chain(db.session).intact


def test_a_double_submitted_point_is_created_once(clean_app, live_server):
    create_supplier()
    firm = create_client()
    staff = create_staff_user(SUPPLIER_OPERATOR)
    browser = LiveSession(live_server)
    browser.login(staff.login, PASSWORD)
    form_page = browser.get(f"/staff/clients/{firm.id}/points/new").text
    submission = re.search(r'name="submission_id"[^>]*value="([^"]+)"', form_page)
    assert submission, "the form carries a one-time submission id"
    token = browser.token(f"/staff/clients/{firm.id}/points/new")
    data = {"name": "Ввод 1", "address": "ул. Ленина, 1", "submission_id": submission.group(1)}
    results = run_together([
        (lambda: browser.post(f"/staff/clients/{firm.id}/points/new", data, token=token))
        for _ in range(3)])
    assert [r.status_code for r in results] == [302] * 3
    assert len({r.headers["Location"] for r in results}) == 1
    assert _count(MeteringPoint) == 1
    # Sent again later (the back button and "resend"): still one point.
    again = browser.post(f"/staff/clients/{firm.id}/points/new", data, token=token)
    assert again.status_code == 302 and _count(MeteringPoint) == 1
