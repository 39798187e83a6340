"""Correspondence in Debian's Chromium: a client writes to the supplier with a PDF attached →
the operator finds it unread in the inbox, downloads the file and replies → the client sees
the reply (counted in the menu until read) and gets the e-mail, whose link opens it."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lk_corporate.core.jobs import wait_idle
from lk_corporate.core.rights import SUPPLIER_OPERATOR
from tests.browser.conftest import login_in_browser
from tests.support import files
from tests.support.factories import (
    PASSWORD,
    create_client,
    create_client_user,
    create_staff_user,
    create_supplier,
)

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))
SUBJECT = "Акт сверки за октябрь"


def _menu_badge(page) -> str:
    return page.locator('#lk-nav [data-lk-section] > .nav-link [data-lk="menu-badge"]').first.inner_text()


def test_a_message_with_a_pdf_goes_to_the_supplier_and_the_reply_comes_back(
        clean_app, make_page, mailbox, live_server, tmp_path):
    create_supplier()
    firm = create_client(name="Общество с ограниченной ответственностью «Ромашка»",
                         short_name="ООО «Ромашка»", contract_number="123")
    create_client_user(firm, login="vk123", email="buh@romashka.example")
    create_staff_user(SUPPLIER_OPERATOR, login="operator1")
    pdf = tmp_path / "Акт сверки 10-2026.pdf"
    pdf.write_bytes(files.PDF)

    # The client writes, through the menu: «Поставщик → Написать письмо».
    page = make_page()
    login_in_browser(page, "vk123", PASSWORD)
    page.locator('[data-lk-section="supplier"] > .nav-link').click()
    page.get_by_role("link", name="Написать письмо").click()
    page.select_option("select[name=category]", "invoices")
    page.fill("input[name=subject]", SUBJECT)
    page.fill("textarea[name=body]", "Здравствуйте!\nНаправляем подписанный акт сверки.")
    page.set_input_files("input[name=files]", str(pdf))
    page.get_by_role("button", name="Выслать").click()
    page.wait_for_load_state()
    assert "Письмо отправлено поставщику" in page.content()
    assert page.locator('[data-lk="attachment"]').inner_text().strip() == "Акт сверки 10-2026.pdf"
    page.screenshot(path=str(SCREENSHOTS / "lk-messages-client-sent.png"), full_page=True)

    # The operator finds it unread, counted in the menu.
    staff = make_page()
    login_in_browser(staff, "operator1", PASSWORD)
    staff.goto("/staff/messages")
    row = staff.locator("#inbox tbody tr").first
    assert SUBJECT in row.inner_text() and row.locator('[data-lk="unread"]').is_visible()
    assert _menu_badge(staff) == "1"
    staff.screenshot(path=str(SCREENSHOTS / "lk-messages-inbox-unread.png"), full_page=True)
    row.get_by_role("link", name=SUBJECT).click()
    staff.wait_for_load_state()
    with staff.expect_download() as download:
        staff.locator('[data-lk="attachment"]').click()
    assert Path(download.value.path()).read_bytes() == files.PDF
    assert download.value.suggested_filename == "Акт сверки 10-2026.pdf"
    staff.locator('[data-lk="take"] button').click()
    staff.wait_for_load_state()
    staff.fill("#reply textarea[name=body]", "Акт получен, расхождений нет. Спасибо!")
    staff.get_by_role("button", name="Отправить ответ").click()
    staff.wait_for_load_state()
    assert "Ответ отправлен клиенту" in staff.content() and "Дан ответ" in staff.content()
    staff.screenshot(path=str(SCREENSHOTS / "lk-messages-staff-thread.png"), full_page=True)

    # The client sees the reply, counted until read, and has the e-mail.
    page.goto("/messages")
    assert _menu_badge(page) == "1"
    assert page.locator('[data-lk="unread"]').is_visible()
    mail = mailbox.last_to("buh@romashka.example")
    assert mail["Subject"] == f"Ответ поставщика: {SUBJECT}"
    link = re.search(r"(http://127\.0\.0\.1:\d+/messages/\d+)", mail.get_content()).group(1)
    assert link.startswith(live_server.url)
    page.goto(link)
    new = page.locator("[data-lk=message][data-lk-new]")
    assert new.count() == 1 and "расхождений нет" in new.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "lk-messages-client-reply.png"), full_page=True)
    page.goto("/messages")
    assert page.locator('#lk-nav [data-lk="menu-badge"]').count() == 0

    phone = make_page(width=390, height=844, is_mobile=True, has_touch=True)
    login_in_browser(phone, "vk123", PASSWORD)
    phone.goto(link)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.screenshot(path=str(SCREENSHOTS / "lk-messages-client-reply-390.png"), full_page=True)
    assert wait_idle(live_server.app)


def test_a_service_request_from_the_form_to_done(clean_app, make_page, mailbox, live_server):
    from tests.support.factories import create_meter

    create_supplier()
    firm = create_client(short_name="ООО «Ромашка»", contract_number="123")
    meter = create_meter(firm, factory_number="12223773")
    create_client_user(firm, login="vk123", email="buh@romashka.example")
    create_staff_user(SUPPLIER_OPERATOR, login="operator1")

    page = make_page(width=390, height=844, is_mobile=True, has_touch=True)
    login_in_browser(page, "vk123", PASSWORD)
    page.goto("/service-requests/new")
    page.select_option("select[name=kind]", "seal")
    page.select_option("select[name=place]", f"m:{meter.id}")
    page.fill("textarea[name=description]", "Опломбировать прибор учёта после замены.")
    page.fill("input[name=contact_phone]", "+7 495 000-00-00")
    page.get_by_role("button", name="Отправить заявку").click()
    page.wait_for_load_state()
    assert "отправлена поставщику" in page.content() and "Прибор учёта № 12223773" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    request_url = page.url

    staff = make_page()
    login_in_browser(staff, "operator1", PASSWORD)
    staff.goto("/staff/service-requests")
    staff.locator('[data-lk="request-link"]').first.click()
    staff.get_by_role("button", name="Взять в работу").click()
    staff.wait_for_load_state()
    staff.fill("textarea[name=comment]", "Пломба установлена, номер прибора внесён.")
    staff.get_by_role("button", name="Отметить выполненной").click()
    staff.wait_for_load_state()
    assert "Выполнена" in staff.content()
    staff.screenshot(path=str(SCREENSHOTS / "lk-service-request-staff.png"), full_page=True)

    page.goto(request_url)
    assert "Пломба установлена" in page.locator('[data-lk="request-comment"]').inner_text()
    page.screenshot(path=str(SCREENSHOTS / "lk-service-request-client-390.png"), full_page=True)
    assert mailbox.last_to("buh@romashka.example")["Subject"].startswith("Заявка № ")
    assert wait_idle(live_server.app)
