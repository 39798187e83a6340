"""«Деньги» in Chromium: the current balance (a debt, how it was computed, by month) at 1366
and 390 px, and a reconciliation act issued by the supplier, opened from its page, signed on
the signing page with the demo client's key and sent: «Принят», the answer «Согласован».

Screenshots go to LK_SCREENSHOT_DIR (default /tmp) as ``lk-money-*.png``.
"""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.payments import reconciliation as rec
from lk_corporate.payments.models import Outcome, ReconciliationAct
from tests.browser.conftest import login_in_browser
from tests.docsign.fixtures import ROMASHKA, configure, in_thread
from tests.payments.helpers import import_orders, make_invoice
from tests.payments.statements import Order
from tests.support.factories import PASSWORD, create_client, create_client_user, create_supplier

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))


@pytest.fixture()
def firm(clean_app: Any, live_server: Any, demo_pki: Any, pki_services: Any, crl_index: Path,
         monkeypatch: pytest.MonkeyPatch) -> Any:
    """ООО «Ромашка» (the demo PKI's client) with three invoices and two payments:
    invoiced 2200,00, paid 1300,00 — a debt of 900,00."""
    configure(live_server.app.config, demo_pki, crl_index, monkeypatch,
              LK_SUPPLIER_P12=str(demo_pki.supplier.p12),
              LK_SUPPLIER_P12_PASSWORD_FILE=str(demo_pki.supplier.password_file))
    create_supplier(chief_accountant="Петрова Анна Сергеевна")
    firm = create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»", tax_id=ROMASHKA,
                         contract_number="123")
    create_client_user(firm, login="vk123")
    make_invoice(firm, "2026-000005", dt.date(2026, 9, 3), "700.00")
    make_invoice(firm, "2026-000010", dt.date(2026, 10, 3), "1000.00")
    make_invoice(firm, "2026-000020", dt.date(2026, 11, 3), "500.00")
    import_orders([Order("7", dt.date(2026, 9, 20), D("700.00"), ROMASHKA, "договор 123"),
                   Order("11", dt.date(2026, 10, 10), D("600.00"), ROMASHKA, "договор 123")])
    return firm


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px screen"


def test_the_balance_page(firm, make_page):
    for width, height in ((1366, 900), (390, 844)):
        page = make_page(width=width, height=height, is_mobile=width < 500)
        login_in_browser(page, "vk123", PASSWORD)
        page.goto("/balance")
        amount = page.locator('[data-lk="balance-amount"]')
        expect(amount).to_contain_text("Задолженность")
        assert "900,00" in amount.inner_text().replace("\u00a0", " ")
        rows = page.locator("#balance-months tbody tr")
        expect(rows.first).to_contain_text("09.2026")  # the first month with an invoice
        expect(rows.nth(1)).to_contain_text("10.2026")
        expect(rows.nth(2)).to_contain_text("11.2026")
        footer = page.locator("#balance-months tfoot").inner_text().replace("\u00a0", " ")
        assert "2 200,00" in footer and "1 300,00" in footer and "900,00" in footer
        page.screenshot(path=str(SCREENSHOTS / f"lk-money-balance-{width}.png"), full_page=True)
        _fits(page, width)
        page.goto("/invoices")
        remaining = page.locator('[data-lk="invoice-remaining"]').all_inner_texts()
        assert [r.replace("\u00a0", " ") for r in remaining] == ["500,00", "400,00", "0,00"]
        page.wait_for_load_state("networkidle")


def _issue(app: Any, client_id: int) -> int:
    with app.app_context(), unit_of_work() as session:
        act = rec.issue_reconciliation_act(
            session, FileStore(Path(app.config["LK_STORAGE_DIR"])), client_id=client_id,
            date_from=dt.date(2026, 10, 1), date_to=dt.date(2026, 11, 30),
            requested_by="staff", actor=Actor.system("tests"),
            supplier_key=rec.supplier_key_from(app.config), base_url="https://lk.example",
            today=dt.date(2026, 12, 2))
        return int(act.document_id)


def test_a_reconciliation_act_signed_in_the_browser(firm, make_page, demo_pki, live_server):
    document_id = in_thread(_issue, live_server.app, firm.id)
    romashka = demo_pki.identity("romashka")
    page = make_page(width=1366, height=900)
    login_in_browser(page, "vk123", PASSWORD)
    page.goto("/reconciliation-acts")
    page.locator('[data-lk="act-link"]').first.click()
    table = page.locator("#act-entries")
    expect(table).to_contain_text("Счёт № 2026-000010 от 03.10.2026")
    expect(table).to_contain_text("Оплата, п/п № 11 от 10.10.2026")
    expect(page.locator('[data-lk="closing-debit"]')).to_contain_text("900,00")
    page.screenshot(path=str(SCREENSHOTS / "lk-money-act-1366.png"), full_page=True)
    page.locator('[data-lk="sign-link"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Ожидает подписи")
    expect(page.locator('[data-lk="pdf-preview"] canvas').first).to_be_visible()
    expect(page.locator('[data-lk="signature"]')).to_have_count(1)  # the supplier's
    page.set_input_files('[data-lk="key-file"]', str(romashka.p12))
    page.fill('[data-lk="key-password"]', romashka.password)
    page.locator('[data-lk="open-key"]').click()
    expect(page.locator('[data-lk="cert-verdict"]')).to_have_text(
        "Этим сертификатом можно подписать документ.", timeout=30_000)
    page.locator('[data-lk="sign"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Подписан", timeout=30_000)
    expect(page.locator('[data-lk="signature"]')).to_have_count(2)
    page.locator('[data-lk="send"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Принят", timeout=30_000)
    page.goto(f"/reconciliation-acts/{document_id}")
    expect(page.locator("body")).to_contain_text("Согласован (подписан клиентом)")
    page.wait_for_load_state("networkidle")
    db.session.expire_all()
    act = db.session.query(ReconciliationAct).filter_by(document_id=document_id).one()
    assert act.outcome is Outcome.AGREED
