"""«Расшифровка начислений»: the lines of a month's calculation (equal to the invoice's
totals), a month not calculated yet, the page in Russian and English, the PDF (its text
carries the figures), «Отправить на e-mail» through a real SMTP server with the PDF attached
and sent once however often the button is pressed, and ``GET /api/v1/charges``."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from lk_corporate.api.operations import create_token
from lk_corporate.charges import operations as ops
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.core.uow import unit_of_work
from lk_corporate.invoicing.models import Invoice
from tests.invoicing.conftest import make_period
from tests.support.factories import PASSWORD, create_client, create_client_user, login
from tests.support.live import LiveSession, run_together

SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _text(html: str) -> str:
    return SPACES.sub(" ", re.sub(r"<[^>]+>", " ", html))


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "breakdown.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return SPACES.sub(" ", out)


# --- the operation -----------------------------------------------------------------------------

def test_the_breakdown_is_the_calculation_and_adds_up_to_the_invoice(october):
    invoice = db.session.get(Invoice, october.invoice_id)
    b = ops.charges_breakdown(db.session, october.firm.id, october.period_id)
    assert b.calculated and b.invoice_number == invoice.number
    assert [(x.factory_number, x.zone, x.previous, x.current, x.ct_ratio, x.volume, x.price,
             x.net, x.vat, x.gross) for x in b.lines] == [
        (october.two_zone.factory_number, "day", D(200), D(350), D(2), D(300), D("5.4321"),
         D("1629.63"), D("325.93"), D("1955.56")),
        (october.two_zone.factory_number, "night", D(50), D(80), D(2), D(60), D("2.7654"),
         D("165.92"), D("33.18"), D("199.10")),
        (october.single.factory_number, "single", D(100), D(200), D(1), D(100), D("4.85"),
         D("485.00"), D("97.00"), D("582.00")),
    ]
    assert {x.point_id for x in b.lines} == {october.two_zone.point_id, october.single.point_id}
    assert (b.net, b.vat, b.total) == (invoice.net, invoice.vat, invoice.total) == (
        D("2280.55"), D("456.11"), D("2736.66"))


def test_a_month_without_a_calculation_says_so(october, tmp_path):
    november = make_period(2026, 11)
    b = ops.charges_breakdown(db.session, october.firm.id, november.id)
    assert not b.calculated and b.lines == () and b.total == D("0.00")
    with pytest.raises(ops.NotCalculated):
        ops.render_breakdown(db.session, b, verify_url="https://lk.example/v", today=dt.date.today())
    # another client's month is not this client's calculation
    other = create_client(contract_number="OTHER-1")
    assert not ops.charges_breakdown(db.session, other.id, october.period_id).calculated


def test_a_replaced_invoice_is_not_the_months_calculation(october):
    invoice = db.session.get(Invoice, october.invoice_id)
    invoice.replaced_by_id = invoice.id  # (the act was corrected: a newer invoice replaced it)
    db.session.commit()
    assert not ops.charges_breakdown(db.session, october.firm.id, october.period_id).calculated


def test_the_pdf_prints_the_same_figures(october, tmp_path):
    b = ops.charges_breakdown(db.session, october.firm.id, october.period_id)
    pdf = ops.render_breakdown(db.session, b, verify_url="https://lk.example/verify/x",
                               today=dt.date(2026, 11, 5))
    text = _pdf_text(pdf, tmp_path)
    assert "Расшифровка начислений" in text and "Октябрь" in text and "G-77" in text
    for figure in ("1 955,56", "199,10", "582,00", "2 280,55", "456,11", "2 736,66", "5,4321",
                   "300", "60"):
        assert figure in text, figure


# --- the page ----------------------------------------------------------------------------------

def test_the_page_shows_the_table_in_russian_and_english(client, october):
    create_client_user(october.firm, login="gamma", email="buh@gamma.example")
    assert login(client, "gamma").status_code == 302
    page = client.get("/charges").get_data(as_text=True)  # the newest calculated month
    text = _text(page)
    assert "Расшифровка начислений" in text and "Октябрь 2026" in text
    assert re.findall(r'data-lk="line-total">([^<]+)<', page) == [
        "1\u00a0955,56", "199,10", "582,00"]
    assert re.search(r'data-lk="total">2\u00a0736,66<', page)
    assert "Скачать PDF" in text and "Отправить на e-mail" in text
    november = make_period(2026, 11)
    text = _text(client.get(f"/charges?period={november.id}").get_data(as_text=True))
    assert "ещё не рассчитаны" in text and "Скачать PDF" not in text
    client.get("/lang/en")
    english = _text(client.get(f"/charges?period={october.period_id}").get_data(as_text=True))
    assert "Charges breakdown" in english and "Download PDF" in english
    assert "Total with VAT" in english and "2,736.66" in english


def test_the_pdf_download(client, october, tmp_path):
    create_client_user(october.firm, login="gamma")
    assert login(client, "gamma").status_code == 302
    r = client.get(f"/charges/pdf?period={october.period_id}")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "2 736,66" in _pdf_text(r.data, tmp_path)
    november = make_period(2026, 11)
    r = client.get(f"/charges/pdf?period={november.id}")
    assert r.status_code == 302  # back to the page, which says the month is not calculated


def test_a_user_without_the_money_right_gets_no_breakdown(client, october):
    create_client_user(october.firm, login="signer", roles=("client_signer",))
    assert login(client, "signer").status_code == 302
    assert client.get("/charges").status_code == 403
    assert client.get(f"/charges/pdf?period={october.period_id}").status_code == 403


# --- e-mail ------------------------------------------------------------------------------------

def _form(client: Any, period_id: int) -> dict[str, str]:
    page = client.get(f"/charges?period={period_id}").get_data(as_text=True)
    form = page[page.index('data-lk="charges-email-form"'):]
    values = dict(re.findall(r'name="(csrf_token|submission_id)"[^>]*value="([^"]+)"', form))
    return {**values, "period": str(period_id)}


def _attachment(msg: Any) -> tuple[str, bytes]:
    parts = [p for p in msg.iter_attachments()]
    assert len(parts) == 1
    return parts[0].get_filename(), parts[0].get_payload(decode=True)


def test_send_to_email_with_the_pdf_once_per_click(client, october, mailbox, tmp_path):
    create_client_user(october.firm, login="gamma", email="buh@gamma.example")
    assert login(client, "gamma").status_code == 302
    data = _form(client, october.period_id)
    r = client.post("/charges/email", data=data)
    assert r.status_code == 302
    again = client.post("/charges/email", data=data)  # the double click
    assert again.status_code == 302
    wait_idle(client.application)
    msg = mailbox.last_to("buh@gamma.example")
    assert "Октябрь 2026" in str(msg["Subject"])
    assert "2 736,66" in SPACES.sub(" ", msg.get_body(("plain",)).get_content())
    name, pdf = _attachment(msg)
    assert name == "raschifrovka-2026-10.pdf"
    assert "2 736,66" in _pdf_text(pdf, tmp_path)
    assert len([m for m in mailbox.messages if "buh@gamma.example" in str(m["To"])]) == 1
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 1


def test_two_clicks_at_once_send_one_message(live_server, october, mailbox):
    user = create_client_user(october.firm, login="gamma2", email="two@gamma.example")
    tab = LiveSession(live_server)
    tab.login(user.login, PASSWORD)
    page = tab.get(f"/charges?period={october.period_id}").text
    form = page[page.index('data-lk="charges-email-form"'):]
    values = dict(re.findall(r'name="(csrf_token|submission_id)"[^>]*value="([^"]+)"', form))
    data = {**values, "period": str(october.period_id)}

    def send() -> Any:
        return tab.http.post(tab.base + "/charges/email", data=data, allow_redirects=False,
                             headers={"Referer": tab.base + "/charges"}, timeout=60)

    results = run_together([send, send, send])
    assert [getattr(r, "status_code", r) for r in results] == [302, 302, 302], results
    mailbox.last_to("two@gamma.example")
    wait_idle(live_server.app)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 1


def test_the_email_refuses_a_month_without_a_calculation(client, october, mailbox):
    create_client_user(october.firm, login="gamma", email="buh@gamma.example")
    assert login(client, "gamma").status_code == 302
    november = make_period(2026, 11)
    data = _form(client, october.period_id) | {"period": str(november.id)}
    r = client.post("/charges/email", data=data, follow_redirects=True)
    assert "ещё не рассчитаны" in _text(r.get_data(as_text=True))
    wait_idle(client.application)
    assert db.session.scalar(select(func.count()).select_from(OutgoingMail)) == 0


# --- the API -----------------------------------------------------------------------------------

def _token(user: Any) -> dict[str, str]:
    with unit_of_work() as uow:
        plain = create_token(uow, uow.merge(user), name="t", days=1, actor=Actor.system()).plain
    return {"Authorization": f"Bearer {plain}"}


def test_api_charges(client, october):
    user = create_client_user(october.firm, login="gamma")
    headers = _token(user)
    r = client.get(f"/api/v1/charges?client_id={october.firm.id}&period_id={october.period_id}",
                   headers=headers)
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    assert body["calculated"] is True and body["period_id"] == october.period_id
    assert (body["amount"], body["vat"], body["total"]) == ("2280.55", "456.11", "2736.66")
    first = body["lines"][0]
    assert {k: first[k] for k in ("zone", "previous", "current", "ct_ratio", "vt_ratio",
                                  "consumption", "tariff", "vat_rate", "amount", "vat",
                                  "total")} == {
        "zone": "day", "previous": "200", "current": "350", "ct_ratio": "2", "vt_ratio": "1",
        "consumption": "300", "tariff": "5.4321", "vat_rate": "20", "amount": "1629.63",
        "vat": "325.93", "total": "1955.56"}
    assert first["point_id"] == october.two_zone.point_id
    assert sum(D(x["total"]) for x in body["lines"]) == D(body["total"])
    # without period_id: the newest calculated month
    assert client.get(f"/api/v1/charges?client_id={october.firm.id}",
                      headers=headers).get_json()["period_id"] == october.period_id
    november = make_period(2026, 11)
    empty = client.get(f"/api/v1/charges?client_id={october.firm.id}&period_id={november.id}",
                       headers=headers).get_json()
    assert empty["calculated"] is False and empty["lines"] == [] and empty["total"] is None
    other = create_client(contract_number="OTHER-2")
    assert client.get(f"/api/v1/charges?client_id={other.id}", headers=headers).status_code == 404
    assert client.get(f"/api/v1/charges?client_id={october.firm.id}&period_id=987654",
                      headers=headers).status_code == 404
    assert client.get(f"/api/v1/charges?client_id={october.firm.id}&period_id=x",
                      headers=headers).status_code == 422


def test_the_charges_operation_is_described(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    op = spec["paths"]["/api/v1/charges"]["get"]
    assert op["operationId"] == "get_charges"
    assert {p["name"] for p in op["parameters"]} == {"client_id", "period_id"}
    line = spec["components"]["schemas"]["ChargeLineOut"]["properties"]
    assert line["total"]["type"] == "string" and line["consumption"]["type"] == "string"
    assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/ChargesOut")
