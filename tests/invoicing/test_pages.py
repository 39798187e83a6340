"""The client's «Деньги → Счета» and «Налоговые накладные» (receipt on the first download,
never on staff's), and the staff's period board (acts per client, deadline, «Рассчитать»,
progress and failures with their reasons)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import time_machine
from sqlalchemy import select

from lk_corporate.core.audit import Actor, AuditEntry
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.rights import SUPPLIER_ADMIN, SUPPLIER_SIGNER
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.operations import issue_invoices_for_act
from tests.invoicing.conftest import TODAY
from tests.support.acts import Row, accepted_act
from tests.support.factories import create_client_user, create_staff_user, csrf_token, login

ACTOR = Actor.system("tests")


def _issue(store, act, key, settings, today=TODAY):
    with unit_of_work() as s:
        pair = issue_invoices_for_act(s, store, s.get(Document, act.id), actor=ACTOR,
                                      supplier_key=key, settings=settings, today=today)
        return pair.invoice.id, pair.tax_invoice.id


def _client_with_two_months(billing, store, supplier_key, settings):
    """A client whose October act was invoiced on 03.11 and a later act on 05.12."""
    from tests.invoicing.conftest import make_period

    firm = billing.client()
    m = billing.meter(firm)
    october = accepted_act(store, billing.supplier, firm, billing.period,
                           [Row(m, D(100), D(200))])
    first = _issue(store, october, supplier_key, settings)
    november = make_period(2026, 11)
    act = accepted_act(store, billing.supplier, firm, november, [Row(m, D(200), D(210))])
    second = _issue(store, act, supplier_key, settings, today=dt.date(2026, 12, 5))
    return firm, first, second


def test_invoices_newest_first_with_remaining_and_pay_by(client, billing, store, supplier_key,
                                                         settings):
    firm, _first, _second = _client_with_two_months(billing, store, supplier_key, settings)
    create_client_user(firm, login="buh")
    assert login(client, "buh").status_code == 302
    page = client.get("/invoices").get_data(as_text=True)
    numbers = re.findall(r'data-lk="invoice-number">([^<]+)<', page)
    assert numbers == ["2026-000002", "2026-000001"]  # newest first
    # 100 kWh × 4,85 = 485,00 + VAT 97,00 = 582,00, due 13.11.2026; 10 kWh: 58,20, 15.12.
    assert re.findall(r'data-lk="invoice-remaining">([^<]+)<', page) == ["58,20", "582,00"]
    assert re.findall(r'data-lk="invoice-due">([^<]+)<', page) == ["15.12.2026", "13.11.2026"]
    assert "Оплатить до" in page and "Остаток" in page
    taxes = client.get("/tax-invoices").get_data(as_text=True)
    assert re.findall(r'data-lk="invoice-number">([^<]+)<', taxes) == ["2026-000002",
                                                                     "2026-000001"]
    assert "48,50" in taxes and "485,00" in taxes  # VAT and net of the October one


def test_the_clients_first_download_records_receipt_staff_downloads_do_not(
        client, billing, store, supplier_key, settings):
    firm, (invoice_id, tax_id), _ = _client_with_two_months(billing, store, supplier_key,
                                                            settings)
    create_staff_user(SUPPLIER_ADMIN, login="admin7")
    # Staff first: the document stays «Отправлен».
    admin_client = client.application.test_client()
    assert login(admin_client, "admin7").status_code == 302
    r = admin_client.get(f"/staff/invoices/{invoice_id}/download")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    invoice = db.session.get(Invoice, invoice_id)
    db.session.refresh(invoice.document)
    assert invoice.document.status is DocumentStatus.SENT

    create_client_user(firm, login="buh")
    assert login(client, "buh").status_code == 302
    r = client.get(f"/invoices/{invoice_id}/download")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"]
    db.session.expire_all()
    document = db.session.get(Invoice, invoice_id).document
    assert document.status is DocumentStatus.RECEIVED and document.received_at is not None
    assert r.data == store.get(document.sha256)
    def receipts() -> list[AuditEntry]:
        return list(db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "document.received",
            AuditEntry.object_id == str(document.id))))

    assert [r.actor for r in receipts()] == ["buh"]
    client.get(f"/invoices/{invoice_id}/download")
    assert len(receipts()) == 1
    # The tax invoice's own route; an invoice id on the tax-invoice route is not found.
    assert client.get(f"/tax-invoices/{tax_id}/download").status_code == 200
    assert client.get(f"/tax-invoices/{invoice_id}/download").status_code == 404


def test_another_clients_invoice_is_not_found(client, billing, store, supplier_key, settings):
    _firm, (invoice_id, tax_id), _ = _client_with_two_months(billing, store, supplier_key,
                                                             settings)
    stranger = billing.client()
    create_client_user(stranger, login="other")
    assert login(client, "other").status_code == 302
    assert client.get(f"/invoices/{invoice_id}/download").status_code == 404
    assert client.get(f"/tax-invoices/{tax_id}/download").status_code == 404
    assert "2026-000001" not in client.get("/invoices").get_data(as_text=True)


def test_the_printed_verification_link_opens_the_documents_page(client, billing, store,
                                                                supplier_key):
    """The address in each document's footer and QR code is its public verification page
    (until 2026-12-03 the batch printed a token it never stored: every link answered 404).
    The token is keyed by the secret key: knowing a number does not give its page, which
    names the client."""
    import hashlib
    import subprocess
    from dataclasses import replace

    from lk_corporate.invoicing.settings import InvoicingSettings

    settings = InvoicingSettings(base_url="https://lk.example", token_key=b"test-secret")
    firm = billing.client()
    m = billing.meter(firm)
    act = accepted_act(store, billing.supplier, firm, billing.period, [Row(m, D(100), D(200))])
    for row_id in _issue(store, act, supplier_key, settings):
        row = db.session.get(Invoice, row_id)
        text = subprocess.run(["pdftotext", "-", "-"], input=store.get(row.document.sha256),
                              capture_output=True, check=True).stdout.decode()
        (url,) = set(re.findall(r"https://lk\.example/verify/\S+", text))
        assert url == settings.verify_url(row.kind, row.number)
        page = client.get(url.removeprefix("https://lk.example"))
        assert page.status_code == 200, url
        assert row.number in page.get_data(as_text=True) and firm.name in page.get_data(
            as_text=True)
        guessed = hashlib.sha256(f"{row.kind.value}:{row.number}".encode()).hexdigest()[:20]
        kind = row.kind.value.replace("_", "-")
        assert client.get(f"/verify/{kind}/{guessed}").status_code == 404
        other_key = replace(settings, token_key=b"another-secret")
        assert other_key.verify_url(row.kind, row.number) != url


def _board(client, period_id, **args):
    query = "&".join(f"{k}={v}" for k, v in args.items())
    return client.get(f"/staff/periods/{period_id}?{query}").get_data(as_text=True)


def test_the_period_board_shows_acts_deadline_progress_and_failures(
        client, clean_app, billing, store, supplier_config):
    period = billing.period
    ok, broken, waiting, refused = (billing.client(name=f"ООО «{n}»", short_name=f"ООО «{n}»")
                                    for n in ("Альфа", "Бета", "Гамма", "Дельта"))
    billing.client(name="ООО «Эпсилон»", short_name="ООО «Эпсилон»")  # no act at all
    m_ok, m_broken = billing.meter(ok), billing.meter(broken)
    accepted_act(store, billing.supplier, ok, period, [Row(m_ok, D(1), D(11))])
    # A meter whose CT ratio changed after the act: the act is refused with the reason.
    act = accepted_act(store, billing.supplier, broken, period, [Row(m_broken, D(1), D(2))])
    m_broken.ct_ratio = D(40)
    db.session.commit()
    accepted_act(store, billing.supplier, waiting, period, [Row(billing.meter(waiting), D(1), D(2))],
                 status=DocumentStatus.AWAITING_SIGNATURE)
    accepted_act(store, billing.supplier, refused, period, [Row(billing.meter(refused), D(1), D(2))],
                 status=DocumentStatus.REJECTED)
    create_staff_user(SUPPLIER_SIGNER, login="signer7")

    # Calculation date 28.10.2026: due by 02.11.2026 (5 days), warned from 31.10.
    for moment, expected in ((dt.datetime(2026, 10, 29, 9, tzinfo=dt.UTC), None),
                             (dt.datetime(2026, 10, 31, 9, tzinfo=dt.UTC), "deadline-near"),
                             (dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC), "deadline-overdue")):
        with time_machine.travel(moment, tick=False):
            visitor = client.application.test_client()
            assert login(visitor, "signer7").status_code == 302
            page = _board(visitor, period.id)
            found = re.findall(r'data-lk="(deadline-[a-z]+)"', page)
            assert found == ([expected] if expected else []), (moment, found)
    assert login(client, "signer7").status_code == 302
    counts = {state: int(re.search(rf'data-lk="acts-{state}">[^<]*<span class="fw-semibold">(\d+)<',
                                   page).group(1))
              for state in ("accepted", "pending", "rejected", "missing")}
    assert counts == {"accepted": 2, "pending": 1, "rejected": 1, "missing": 1}
    assert 'data-lk="calculation-none"' in page

    r = client.post(f"/staff/periods/{period.id}/calculate",
                    data={"csrf_token": csrf_token(client, f"/staff/periods/{period.id}")})
    assert r.status_code == 302
    assert wait_idle(clean_app, timeout=60)
    page = _board(client, period.id)
    assert re.search(r"Рассчитано: 1, с ошибкой: 1, ожидают: 0 \(из 2\)", page), page
    assert "ООО «Бета»" in page and "коэффициенты трансформации" in page
    assert str(act.number) in _board(client, period.id, show="failed")
    assert "2026-000001" in page  # the invoice of «Альфа», downloadable by staff

    # Fix the meter back and press again: only the failed client is dispatched.
    m_broken.ct_ratio = D(1)
    db.session.commit()
    client.post(f"/staff/periods/{period.id}/calculate",
                data={"csrf_token": csrf_token(client, f"/staff/periods/{period.id}")})
    assert wait_idle(clean_app, timeout=60)
    page = _board(client, period.id)
    assert re.search(r"Рассчитано: 2, с ошибкой: 0, ожидают: 0 \(из 2\)", page), page
    assert len(db.session.scalars(select(Invoice)).all()) == 4


def test_the_operator_watches_the_board_without_its_buttons(client, billing, store):
    """The demo's «Done when»: the operator sees the period board move (who has accepted,
    pending, rejected or missing acts). Calculating, opening and closing stay with the
    rights that do them."""
    from lk_corporate.core.rights import SUPPLIER_OPERATOR

    period = billing.period
    firm = billing.client()
    accepted_act(store, billing.supplier, firm, period, [Row(billing.meter(firm), D(1), D(2))])
    create_staff_user(SUPPLIER_OPERATOR, login="operator7")
    assert login(client, "operator7").status_code == 302
    assert "/staff/periods\"" in client.get("/staff/clients").get_data(as_text=True)  # menu
    page = _board(client, period.id)
    assert re.search(r'data-lk="acts-accepted">[^<]*<span class="fw-semibold">1<', page), page
    assert f"/staff/periods/{period.id}/calculate" not in page
    assert f"/staff/periods/{period.id}/close" not in page
    token = csrf_token(client, f"/staff/periods/{period.id}")
    for action in ("calculate", "close"):
        r = client.post(f"/staff/periods/{period.id}/{action}", data={"csrf_token": token})
        assert r.status_code == 403, action
    assert not db.session.scalars(select(Invoice)).all()


def test_a_failure_is_shown_in_the_readers_language_with_its_terms(client, billing, store):
    """A task's failure keeps its parameters with their types: the service and the zone are
    translated when the board is shown, not stored in words (or as codes) when it failed."""
    from lk_corporate.calculation.engine import CalculationError, price_for
    from lk_corporate.invoicing import runs

    firm = billing.client(name="ООО «Бета»", short_name="ООО «Бета»")
    accepted_act(store, billing.supplier, firm, billing.period, [Row(billing.meter(firm), D(1),
                                                                       D(2))])
    with unit_of_work() as s:
        launch = runs.start_calculation(s, billing.period, actor=ACTOR)
    try:
        price_for([], "electricity", "day", 2026, 10)
    except CalculationError as exc:
        error = exc
    with unit_of_work() as s:
        assert runs.fail_task(s, launch.task_ids[0], error)
    (failure,) = runs.progress(db.session, billing.period.id).failures
    assert failure.text(locale="en") == "No tariff for Electricity, zone Day, in 10.2026."
    assert failure.text(locale="ru") == "Нет тарифа для услуги «Электроэнергия», зона «День», за 10.2026."

    create_staff_user(SUPPLIER_SIGNER, login="signer8")
    assert login(client, "signer8").status_code == 302
    page = _board(client, billing.period.id)
    assert "зона «День», за 10.2026" in page and "electricity" not in page
    page = _board(client, billing.period.id, show="failed")
    assert page.count("Нет тарифа для услуги «Электроэнергия», зона «День»") == 2  # the summary and the row


def test_the_board_says_when_a_run_last_moved_and_that_it_has_stopped(client, billing, store):
    """A run whose jobs were lost: the board shows when a task last moved, and ten minutes
    on, that the run has stopped and how it resumes (before the beat job resumes it)."""
    from sqlalchemy import update

    from lk_corporate.core.audit import Actor
    from lk_corporate.core.db import utcnow
    from lk_corporate.core.uow import unit_of_work
    from lk_corporate.invoicing import runs
    from lk_corporate.invoicing.models import CalculationTask

    period = billing.period
    firm = billing.client()
    accepted_act(store, billing.supplier, firm, period, [Row(billing.meter(firm), D(1), D(2))])
    with unit_of_work() as s:  # launched, and its job never dispatched: lost
        runs.start_calculation(s, s.get(type(period), period.id), actor=Actor.system("t"))
    create_staff_user(SUPPLIER_SIGNER, login="signer8")
    assert login(client, "signer8").status_code == 302
    page = _board(client, period.id)
    assert 'data-lk="calculation-last-movement"' in page
    assert 'data-lk="calculation-stalled"' not in page
    with unit_of_work() as s:
        s.execute(update(CalculationTask).values(
            updated_at=utcnow() - dt.timedelta(minutes=11)))
    page = _board(client, period.id)
    warning = re.search(r'data-lk="calculation-stalled">\s*([^<]+)', page)
    assert warning, page
    assert "Расчёт не продвигается уже 11 мин" in warning.group(1)
    assert "(1)" in warning.group(1) and "«Рассчитать»" in warning.group(1)
