"""The first end-to-end story, in Debian's Chromium: a supplier operator issues an activation
code → a new client registers → confirms from the captured e-mail → logs in → sees the
dashboard in Russian → switches to English."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lk_corporate.core.rights import SUPPLIER_OPERATOR
from tests.browser.conftest import login_in_browser
from tests.support.factories import PASSWORD, create_client, create_staff_user, create_supplier

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))
NEW_PASSWORD = "Meter-reading-2026"


def test_operator_issues_code_and_client_onboards(clean_app, make_page, mailbox, live_server):
    create_supplier(login_prefix="vk")
    client_row = create_client(name="Общество с ограниченной ответственностью «Ромашка»",
                               short_name="ООО «Ромашка»", tax_id="7712345671",
                               contract_number="123", email="buh@romashka.example")
    create_staff_user(SUPPLIER_OPERATOR, login="operator1")

    # The operator issues the code.
    staff = make_page()
    staff.on("dialog", lambda d: d.accept())  # "Issue a new activation code for this client?"
    login_in_browser(staff, "operator1", PASSWORD)
    staff.goto(f"/staff/clients/{client_row.id}")
    staff.get_by_role("button", name=re.compile("Выдать код")).click()
    staff.wait_for_load_state()
    code = staff.locator("#activation-code").inner_text().strip()
    assert re.fullmatch(r"[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}", code), code

    # A new client registers with it.
    page = make_page()
    page.goto("/register")
    assert "Регистрация" in page.content()
    page.fill("input[name=activation_code]", code)
    page.fill("input[name=tax_id]", "7712345671")
    page.fill("input[name=contract_number]", "123")
    page.fill("input[name=email]", "buh@romashka.example")
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=password_repeat]", NEW_PASSWORD)
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_load_state()
    assert "vk123" in page.content()
    assert "отправлено сообщение" in page.content()

    # Logging in before confirming is refused.
    login_in_browser(page, "vk123", NEW_PASSWORD)
    assert "Подтвердите" in page.content()

    # The confirmation link from the captured e-mail.
    body = mailbox.last_to("buh@romashka.example").get_content()
    link = re.search(r"(http://127\.0\.0\.1:\d+/confirm/\S+)", body).group(1)
    assert link.startswith(live_server.url)
    page.goto(link)
    assert "успешно подтверждена" in page.content()

    login_in_browser(page, "vk123", NEW_PASSWORD)
    assert page.url.endswith("/cabinet")
    text = page.inner_text("main")
    assert "Общество с ограниченной ответственностью «Ромашка»" in text
    assert "Расчётный период" in text
    assert page.locator("html").get_attribute("lang") == "ru"
    page.screenshot(path=str(SCREENSHOTS / "lk-dashboard-ru.png"), full_page=True)

    page.get_by_role("link", name="EN").click()
    page.wait_for_load_state()
    assert page.url.endswith("/cabinet")
    assert page.locator("html").get_attribute("lang") == "en"
    text = page.inner_text("main")
    assert "Billing period" in text and "Расчётный период" not in text
    page.screenshot(path=str(SCREENSHOTS / "lk-dashboard-en.png"), full_page=True)
