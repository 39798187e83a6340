"""Authorization, checked against the app's whole URL map so that no route can be forgotten.

* Every route is either public (listed below with the reason) or needs a login.
* Every route that takes an ID, tried by a user of client A with client B's IDs, answers 404
  (or 403 when the route is not for that user's role at all) and never shows B's data.
* Supplier staff get 404, not another object's page, when the IDs of a nested route do not
  belong together (client A with client B's meter).
* A new route whose ID argument this test does not know fails the test until it is added.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from flask import current_app
from werkzeug.routing import Rule

from lk_corporate.accounts import sessions
from lk_corporate.accounts.models import Role
from lk_corporate.accounts.operations import ensure_builtin_roles, issue_activation_code
from lk_corporate.api.operations import create_token
from lk_corporate.certificates.models import ClientCertificate
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.core.rights import (
    SUPPLIER_ADMIN,
    SUPPLIER_ENGINEER,
    SUPPLIER_OPERATOR,
)
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.operations import issue_document
from lk_corporate.docsign.models import SessionStatus, SigningSession
from lk_corporate.messages.models import ThreadCategory
from lk_corporate.messages.operations import Upload, start_thread
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.reading_acts.models import ReadingAct, ReadingSource
from lk_corporate.service_requests.models import RequestKind
from lk_corporate.service_requests.operations import RequestData, create_request
from lk_corporate.tariffs.models import Tariff
from tests.support.factories import (
    create_client,
    create_client_user,
    create_meter,
    create_staff_user,
    create_supplier,
    csrf_token,
    login,
)

# Routes anyone may open, with the reason. Everything else must send anonymous visitors to
# the login page (or refuse them).
PUBLIC = {
    "static": "stylesheets, scripts and fonts",
    "web.index": "the landing page",
    "web.set_language": "choosing the interface language",
    "web.healthz": "the load balancer's health check",
    "accounts.login": "logging in",
    "accounts.logout": "logging out (POST with CSRF)",
    "accounts.register": "registration with an activation code",
    "accounts.registered": "'check your mail' page; shows only this browser's own login",
    "accounts.confirm": "the e-mailed confirmation link (the token is the credential)",
    "accounts.confirm_code": "typing the e-mailed code (the code is the credential)",
    "accounts.resend_confirmation": "asking for a new confirmation message",
    "accounts.forgot_password": "asking for a reset link",
    "accounts.reset_password": "the e-mailed reset link (token + tax ID + contract number)",
    "accounts.confirm_email_change": "the link sent to the new address (the token is the credential)",
    "outbox.index": "demo only (404 elsewhere): the demo's mail, so a visitor can confirm",
    "outbox.message": "demo only (404 elsewhere)",
    "verification.verify": "the public signature verification page",
    "verification.public_document": "a document's public summary (the unguessable token in its QR)",
    "verification.trust": "how to trust the CA in PDF readers",
    "verification.root_certificate": "the CA's root certificate to download",
    "api.openapi": "the API's OpenAPI description (no data, the same for everyone)",
}

API_PREFIX = "/api/"


def _rules(app: Any) -> list[Rule]:
    return sorted(app.url_map.iter_rules(), key=lambda r: r.rule)


def _sample(rule: Rule, ids: dict[str, Any]) -> str:
    values = {}
    for arg in rule.arguments:
        if arg not in ids:
            raise AssertionError(
                f"route {rule.endpoint} ({rule.rule}) takes <{arg}>, which this test does not "
                f"know: add it to the ID table of tests/test_authorization_map.py")
        values[arg] = ids[arg]
    return rule.build(values)[1]


@pytest.fixture()
def world(session, app) -> dict[str, Any]:
    create_supplier()
    ensure_builtin_roles(db.session)
    a = create_client(name="ООО «Альфа»", short_name="ООО «Альфа»", contract_number="A-1")
    b = create_client(name="ООО «Бета-секрет»", short_name="ООО «Бета-секрет»",
                      contract_number="B-SECRET-2")
    meter_a = create_meter(a, factory_number="ALPHA-0001")
    meter_b = create_meter(b, factory_number="BETA-SECRET-9")
    user_a = create_client_user(a, login="alpha")
    user_b = create_client_user(b, login="betasecret")
    code_b = issue_activation_code(db.session, b, actor=Actor.system()).code
    operator = create_staff_user(SUPPLIER_OPERATOR, login="operator7")
    admin = create_staff_user(SUPPLIER_ADMIN, login="admin7")
    engineer = create_staff_user(SUPPLIER_ENGINEER, login="engineer7")
    import datetime as dt
    from decimal import Decimal

    from lk_corporate.clients.models import Service

    period = BillingPeriod(year=2026, month=11, calculation_date=dt.date(2026, 11, 25))
    tariff = Tariff(service=Service.ELECTRICITY, zone="single", unit="кВт·ч", price=Decimal(5),
                    valid_from=dt.date(2026, 1, 1))
    mail = OutgoingMail(to="betasecret@example.com", subject="BETA-SECRET mail", body_text="x")
    db.session.add_all([period, tariff, mail])
    login_b = sessions.start(db.session, user_b, ip="10.0.0.2", user_agent="", remember=False,
                             lifetime=dt.timedelta(hours=1)).record
    store = FileStore(Path(app.config["LK_STORAGE_DIR"]))
    thread_b = start_thread(db.session, store, client_id=b.id,
                            actor=Actor(user_b.id, user_b.login), subject="BETA-SECRET question",
                            category=ThreadCategory.GENERAL, body="BETA-SECRET body",
                            uploads=[Upload("beta-secret.pdf", b"%PDF-1.7 BETA-SECRET file")])
    attachment_b = thread_b.messages[0].attachments[0]
    request_b = create_request(db.session, client_id=b.id, actor=Actor(user_b.id, user_b.login),
                               today=dt.date(2026, 11, 1),
                               data=RequestData(kind=RequestKind.SEAL, description="BETA-SECRET",
                                                contact_phone="+7 495 000-00-00",
                                                meter_id=meter_b.id))
    db.session.commit()
    store = FileStore(Path(current_app.config["LK_STORAGE_DIR"]))
    with unit_of_work() as uow:
        issue_document(  # an invoice of B's too, for the routes of every kind
            uow, store, kind=DocumentKind.INVOICE, number="BETA-SECRET-INV", client_id=b.id,
            period_id=period.id, date=dt.date(2026, 11, 30), pdf=b"%PDF-1.7 BETA-SECRET",
            actor=Actor.system())
        token_b = create_token(uow, uow.merge(user_b), name="BETA-SECRET token", days=30,
                               actor=Actor.system()).token
    invoice_b = _issued_invoice(b, period, Path(app.config["LK_STORAGE_DIR"]))
    role = db.session.query(Role).filter_by(code=SUPPLIER_ADMIN).one()
    act_b, certificate_b = _reading_act_and_certificate(b, period)
    # A signing session of B's act (its state is never read: every route refuses first).
    signing_b = SigningSession(public_id="beta-secret-session", document_id=act_b.document_id,
                               user_id=user_b.id, status=SessionStatus.STARTED,
                               certificates="[]", certificate_sha256="0" * 64,
                               signer="BETA-SECRET", scheme="rsa-pkcs1v15",
                               base_sha256=act_b.document.sha256, state=b"{}",
                               expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    db.session.add(signing_b)
    db.session.commit()
    payment_b = _payment_and_act(b, period, Path(app.config["LK_STORAGE_DIR"]))
    return {
        "a": a, "b": b, "user_a": user_a, "user_b": user_b, "operator": operator, "admin": admin,
        "engineer": engineer,
        # B's objects, by the name of the URL argument that carries their ID.
        "foreign_ids": {
            "client_id": b.id, "meter_id": meter_b.id, "point_id": meter_b.point_id,
            "code_id": code_b.id, "user_id": user_b.id, "mail_id": mail.id,
            "period_id": period.id, "tariff_id": tariff.id, "role_id": role.id,
            "login_id": login_b.id, "document_id": act_b.document_id, "seq": 1,
            "invoice_id": invoice_b.id, "payment_id": payment_b.id,
            "token_id": token_b.id, "certificate_id": certificate_b.id,
            "thread_id": thread_b.id, "attachment_id": attachment_b.id,
            "service_request_id": request_b.id, "session_id": signing_b.public_id,
            "token": "not-a-token", "kind": "invoice", "name": "not-a-root.pem", "code": "ru",
            "filename": "css/lk.css",
        },
        "own_meter": meter_a,
        "secrets": ("Бета-секрет", "BETA-SECRET", "betasecret"),
    }


def _payment_and_act(b: Any, period: BillingPeriod, files: Any) -> Any:
    """Client B's payment (matched to B) and reconciliation act."""
    from decimal import Decimal

    from lk_corporate.payments.models import (
        MatchedBy,
        Payment,
        ReconciliationAct,
        StatementImport,
    )

    batch = StatementImport(number=1, file_name="beta-secret.txt")
    db.session.add(batch)
    db.session.flush()
    payment = Payment(import_id=batch.id, payer_bik="044525593", payer_account="1", number="9",
                      date=dt.date(2026, 11, 5), amount=Decimal("10.00"),
                      payer_name="BETA-SECRET payer", purpose="BETA-SECRET",
                      client_id=b.id, matched_by=MatchedBy.CONTRACT)
    issued = issue_document(db.session, FileStore(files), kind=DocumentKind.RECONCILIATION_ACT,
                            number="АС-BETA-SECRET", client_id=b.id, period_id=None,
                            date=dt.date(2026, 11, 30), pdf=b"%PDF-1.7 BETA-SECRET act",
                            actor=Actor.system())
    act = ReconciliationAct(document_id=issued.document.id, client_id=b.id,
                            date_from=dt.date(2026, 1, 1), date_to=dt.date(2026, 11, 30),
                            opening_balance=Decimal(0), closing_balance=Decimal(0))
    db.session.add_all([payment, act])
    db.session.commit()
    return payment


def _reading_act_and_certificate(b: Any, period: BillingPeriod) -> tuple[Any, Any]:
    """Client B's reading act (a document with its act record) and registered certificate."""
    store = FileStore(Path(current_app.config["LK_STORAGE_DIR"]))
    issued = issue_document(db.session, store, kind=DocumentKind.READING_ACT,
                            number="АП-BETA-SECRET", client_id=b.id, period_id=period.id,
                            date=dt.date(2026, 11, 26), pdf=b"%PDF-1.7 BETA-SECRET",
                            actor=Actor.system())
    act = ReadingAct(document_id=issued.document.id, client_id=b.id, period_id=period.id,
                     source=ReadingSource.CLIENT, payload_sha256="0" * 64, verify_token="beta")
    certificate = ClientCertificate(
        client_id=b.id, sha256="b" * 64, subject="CN=BETA-SECRET", person="BETA-SECRET",
        issuer="CA", serial_hex="01", valid_from=utcnow(), valid_to=utcnow(), pem="")
    db.session.add_all([act, certificate])
    db.session.commit()
    return act, certificate


def _issued_invoice(client: Any, period: BillingPeriod, files: Any) -> Any:
    """An issued invoice of ``client`` (its file says BETA-SECRET: a leak would show)."""
    from lk_corporate.core.storage import FileStore
    from lk_corporate.docflow.models import DocumentKind
    from lk_corporate.docflow.operations import issue_document
    from lk_corporate.invoicing.models import Invoice

    act = issue_document(db.session, FileStore(files), kind=DocumentKind.READING_ACT,
                         number="ACT-BETA-SECRET", client_id=client.id, period_id=period.id,
                         date=period.calculation_date, pdf=b"%PDF act", actor=Actor.system())
    doc = issue_document(db.session, FileStore(files), kind=DocumentKind.INVOICE,
                         number="2026-000001", client_id=client.id, period_id=period.id,
                         date=period.calculation_date, pdf=b"%PDF BETA-SECRET invoice",
                         actor=Actor.system())
    invoice = Invoice(kind=DocumentKind.INVOICE, number="2026-000001", client_id=client.id,
                      period_id=period.id, act_document_id=act.document.id,
                      document_id=doc.document.id, date=period.calculation_date,
                      due_date=period.calculation_date, net=1, vat=0, total=1, lines="[]")
    db.session.add(invoice)
    db.session.commit()
    return invoice


def test_every_route_is_public_or_needs_login(app, client, world):
    for rule in _rules(app):
        if rule.endpoint in PUBLIC:
            continue
        url = _sample(rule, world["foreign_ids"])
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = client.open(url, method=method)
            assert r.status_code in (302, 400, 401, 403, 404), (rule.endpoint, method, r.status_code)
            if r.status_code == 302:
                assert "/login" in r.headers["Location"], (rule.endpoint, r.headers["Location"])


def test_public_list_is_not_stale(app):
    endpoints = {r.endpoint for r in _rules(app)}
    # Entries may name pages still to come (the verification page), but not many.
    stale = set(PUBLIC) - endpoints
    assert not stale, f"PUBLIC names endpoints that do not exist: {stale}"


def _try_every_id_route(app: Any, client: Any, ids: dict[str, Any], secrets: tuple[str, ...],
                        allowed: tuple[int, ...]) -> list[str]:
    problems = []
    token = csrf_token(client, "/profile")
    for rule in _rules(app):
        if not rule.arguments or rule.endpoint in PUBLIC:
            continue
        if rule.rule.startswith(API_PREFIX):
            # A signed-in browser's cookies are no credential there (401, checked below);
            # the API's own walk with tokens is test_api_*.
            continue
        url = _sample(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = {"csrf_token": token} if method == "POST" else None
            r = client.open(url, method=method, data=data)
            body = r.get_data(as_text=True)
            if r.status_code not in allowed:
                problems.append(f"{method} {url} ({rule.endpoint}) -> {r.status_code}")
            leaked = [s for s in secrets if s in body]
            if leaked:
                problems.append(f"{method} {url} ({rule.endpoint}) shows {leaked}")
    return problems


def test_client_user_gets_404_for_another_clients_ids(app, client, world):
    assert login(client, "alpha").status_code == 302
    problems = _try_every_id_route(app, client, world["foreign_ids"], world["secrets"], (403, 404))
    assert not problems, "\n".join(problems)
    # The same routes with the user's own IDs do work (the 404 above is about scope).
    assert client.get(f"/meters/{world['own_meter'].id}").status_code == 200


def test_public_id_routes_do_not_leak(app, client, world):
    for endpoint in ("accounts.registered", "accounts.confirm_code", "outbox.message"):
        rule = next(r for r in _rules(app) if r.endpoint == endpoint)
        body = client.get(_sample(rule, world["foreign_ids"])).get_data(as_text=True)
        assert not [s for s in world["secrets"] if s in body], endpoint


# Client pages that take a month in the query string rather than an ID in the path: whatever
# month is asked for, they show the signed-in user's client only (B's invoice of that month
# is not A's calculation), and staff, who act for no client, get 403.
QUERY_PAGES = ("/charges", "/charges?period={period_id}", "/charges/pdf?period={period_id}",
               "/history", "/history?end=2026-11")


def test_pages_with_a_month_in_the_query_show_only_the_users_client(app, client, world):
    assert login(client, "alpha").status_code == 302
    for template in QUERY_PAGES:
        url = template.format(**world["foreign_ids"])
        r = client.get(url)
        assert r.status_code in (200, 302), (url, r.status_code)
        body = r.get_data(as_text=True)
        assert not [s for s in world["secrets"] if s in body], url
        assert "2026-000001" not in body, url  # B's invoice number
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    assert login(client, "operator7").status_code == 302
    for template in QUERY_PAGES:
        url = template.format(**world["foreign_ids"])
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize("who", ["operator", "admin", "engineer"])
def test_staff_get_404_for_mismatched_nested_ids(app, client, world, who):
    """Client A in the path with client B's meter, point or code: not found, not B's page."""
    assert login(client, world[who].login).status_code == 302
    ids = dict(world["foreign_ids"], client_id=world["a"].id)
    token = csrf_token(client, "/profile")
    problems = []
    for rule in _rules(app):
        args = set(rule.arguments)
        if "client_id" not in args or len(args) < 2:
            continue
        url = _sample(rule, ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = client.open(url, method=method, data={"csrf_token": token} if method == "POST" else None)
            if r.status_code not in (403, 404):
                problems.append(f"{method} {url} ({rule.endpoint}) -> {r.status_code}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("who", ["operator", "admin", "engineer"])
def test_staff_get_404_for_ids_that_do_not_exist(app, client, world, who):
    assert login(client, world[who].login).status_code == 302
    missing = {k: (987654 if isinstance(v, int) else v) for k, v in world["foreign_ids"].items()}
    problems = _try_every_id_route(app, client, missing, (), (403, 404))
    assert not problems, "\n".join(problems)


def test_the_engineers_pages_take_no_other_staff_and_no_clients(app, client, world):
    """«Проверка показаний» needs the engineer's right: an operator, an admin and a client
    user are refused every route of it, the engineer opens the list and B's act."""
    routes = [r for r in _rules(app) if r.endpoint.startswith("reading_review.")]
    assert {r.endpoint for r in routes} == {"reading_review.index", "reading_review.detail",
                                            "reading_review.confirm", "reading_review.correct",
                                            "reading_review.rule"}
    for who in ("alpha", "operator7", "admin7"):
        fresh = app.test_client()
        assert login(fresh, who).status_code == 302
        token = csrf_token(fresh, "/profile")
        for rule in routes:
            url = _sample(rule, world["foreign_ids"])
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                r = fresh.open(url, method=method,
                               data={"csrf_token": token} if method == "POST" else None)
                assert r.status_code == 403, (who, method, url, r.status_code)
    assert login(client, "engineer7").status_code == 302
    assert client.get("/staff/reading-review").status_code == 200
    act_b = world["foreign_ids"]["document_id"]
    assert client.get(f"/staff/reading-review/{act_b}").status_code == 200


def test_staff_pages_refuse_client_users_and_client_pages_refuse_staff(app, client, world):
    assert login(client, "alpha").status_code == 302
    for rule in _rules(app):
        if rule.rule.startswith("/staff") and "GET" in rule.methods:
            r = client.get(_sample(rule, world["foreign_ids"]))
            assert r.status_code in (403, 404), (rule.endpoint, r.status_code)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    assert login(client, "operator7").status_code == 302
    for url in ("/cabinet", f"/meters/{world['own_meter'].id}"):
        assert client.get(url).status_code == 403, url


# --- the JSON API: the same walk with bearer tokens ------------------------------------------

def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _api_calls(app: Any, ids: dict[str, Any]) -> list[tuple[str, str, Rule]]:
    """Every /api/ route and method, its path IDs from ``ids`` and, for the operations that
    take a client in the query or the body, that client."""
    from lk_corporate.api.spec import BY_ID

    calls = []
    for rule in _rules(app):
        if not rule.rule.startswith(API_PREFIX) or rule.endpoint in PUBLIC:
            continue
        url = _sample(rule, ids)
        operation = BY_ID[rule.endpoint.split(".", 1)[1]]
        if operation.query is not None and "client_id" in operation.query.model_fields:
            url += f"?client_id={ids['client_id']}"
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            calls.append((method, url, rule))
    return calls


def _body_for(method: str, rule: Rule, ids: dict[str, Any]) -> dict[str, Any]:
    if method != "POST":
        return {}
    if rule.rule.endswith("/signed"):
        return {"data": b"%PDF-1.7 signed", "content_type": "application/pdf"}
    # The signing protocol: well-formed bodies, so that only the scope can refuse them.
    if rule.rule.endswith("/signing"):
        return {"json": {"certificates": ["MAA="]}}
    if "/signing/" in rule.rule:
        return {"json": {"signature": "AAAA"}}
    if rule.rule.endswith(("/send", "/cancel-signature", "/approve")):
        return {"json": {}}
    if rule.rule.endswith("/reject"):
        return {"json": {"reason": "BETA-SECRET is wrong"}}
    if rule.rule.endswith("/limit-requests"):
        return {"json": {"client_id": ids["client_id"], "year": 2027,
                         "points": [{"point_id": ids["point_id"], "months": ["1"] * 12}]}}
    if rule.rule.endswith("/reconciliation-acts"):
        return {"json": {"client_id": ids["client_id"], "date_from": "2026-01-01",
                         "date_to": "2026-11-30"}}
    return {"json": {"client_id": ids["client_id"], "period_id": ids["period_id"],
                     "readings": [{"meter_id": ids["meter_id"], "zone": "single",
                                   "value": "1"}]}}


def test_api_routes_take_no_cookies(app, client, world):
    assert login(client, "alpha").status_code == 302
    for method, url, rule in _api_calls(app, world["foreign_ids"]):
        r = client.open(url, method=method, **_body_for(method, rule, world["foreign_ids"]))
        assert r.status_code == 401, (rule.endpoint, method, r.status_code)


def test_api_client_token_gets_404_for_another_clients_ids(app, client, world):
    token = _bearer(make_token_for(world["user_a"]))
    problems = []
    ids = world["foreign_ids"]
    for method, url, rule in _api_calls(app, ids):
        r = client.open(url, method=method, headers=token, **_body_for(method, rule, ids))
        body = r.get_data(as_text=True)
        carries_an_id = bool(rule.arguments) or "client_id=" in url or method == "POST"
        if r.status_code != (404 if carries_an_id else 200):
            problems.append(f"{method} {url} ({rule.endpoint}) -> {r.status_code}")
        leaked = [s for s in world["secrets"] if s in body]
        if leaked:
            problems.append(f"{method} {url} ({rule.endpoint}) shows {leaked}")
    assert not problems, "\n".join(problems)
    # With the user's own client the same routes answer (the 404 above is about scope).
    own = dict(ids, client_id=world["a"].id, meter_id=world["own_meter"].id)
    for method, url, _rule in _api_calls(app, own):
        if "{" not in url and "document" not in url and method == "GET":
            assert client.get(url, headers=token).status_code == 200, url


@pytest.mark.parametrize("who", ["operator", "admin", "engineer"])
def test_api_staff_token_gets_404_for_ids_that_do_not_exist(app, client, world, who):
    token = _bearer(make_token_for(world[who]))
    missing = {k: (987654 if isinstance(v, int) else v) for k, v in world["foreign_ids"].items()}
    problems = []
    for method, url, rule in _api_calls(app, missing):
        r = client.open(url, method=method, headers=token, **_body_for(method, rule, missing))
        carries_an_id = bool(rule.arguments) or "client_id=" in url or method == "POST"
        if carries_an_id and r.status_code not in (403, 404):
            problems.append(f"{method} {url} ({rule.endpoint}) -> {r.status_code}")
    assert not problems, "\n".join(problems)


def make_token_for(user: Any) -> str:
    with unit_of_work() as uow:
        return create_token(uow, uow.merge(user), name="map", days=1,
                            actor=Actor.system()).plain
