"""Issue 11's walk-through in Chromium against ``lk demo`` itself: the demo client fills a
consumption-limit request, signs it on the signing page with the key file the demo printed
and sends it («Получен»); the demo's supplier signer finds it in the countersigning queue,
countersigns it and the client sees it «Принят». Screenshots at 1366 and 390 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import login_in_browser
from tests.browser.test_demo import demo  # noqa: F401 - the module's own `lk demo`

pytestmark = pytest.mark.browser


def _password(output: str, login: str) -> str:
    found = re.search(rf"^\s+{re.escape(login)}\s+(\S+)\s", output, re.MULTILINE)
    assert found, output
    return found.group(1)


def _shot(page: Any, name: str, shots: Path) -> None:
    page.screenshot(path=str(shots / name), full_page=True)


def test_a_limit_request_signed_in_the_browser_and_countersigned_from_the_queue(
        demo: tuple[str, str], browser: Any, tmp_path: Path) -> None:  # noqa: F811
    url, output = demo
    key = re.search(r"^\s+(\S+/romashka\.p12)\s+(\S+)\s+123\s*$", output, re.MULTILINE)
    assert key, output
    p12, key_password = key.groups()
    shots = tmp_path

    client = browser.new_context(base_url=url, locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = client.new_page()
    login_in_browser(page, "vk123", _password(output, "vk123"))
    page.goto("/limits")
    # the demo's requests: this year's approved, next year's awaiting the signature
    assert "Принят" in page.inner_text("main") and "Ожидает подписи" in page.inner_text("main")
    page.click("[data-lk=new-limit-request]")
    page.wait_for_url(re.compile(r"/limits/new"))
    cells = page.locator("[data-lk=month-cell]")
    assert cells.count() >= 12
    for i in range(cells.count()):
        cells.nth(i).fill(f"{1000 + i},5")
    _shot(page, "limits-form-1366.png", shots)
    page.click("[data-lk=limit-form] button[type=submit]")
    page.wait_for_url(re.compile(r"/limits/\d+$"))
    document_id = int(page.url.rsplit("/", 1)[1])
    number = page.locator("dl.lk-details dd").first.inner_text().strip()
    assert "Ожидает подписи" in page.inner_text("[data-lk=status]")
    page.click("[data-lk=sign-link]")
    page.wait_for_url(re.compile(rf"/documents/{document_id}/sign$"))
    page.set_input_files('[data-lk="key-file"]', p12)
    page.fill('[data-lk="key-password"]', key_password)
    page.click('[data-lk="sign-and-send"]')
    status = page.locator('[data-lk="status"]')
    status.filter(has_text="Получен").wait_for(timeout=60_000)
    client.close()

    staff = browser.new_context(base_url=url, locale="ru-RU", viewport={"width": 1366, "height": 900})
    page = staff.new_page()
    login_in_browser(page, "signer", _password(output, "signer"))
    page.goto("/staff/countersign")
    assert number in page.inner_text("main")
    page.check(f"#doc-{document_id}")
    _shot(page, "countersign-queue-1366.png", shots)
    page.get_by_role("button", name="Подписать выбранные").click()
    page.wait_for_url(re.compile(r"/staff/countersign\?batch="))
    result = page.locator(f'[data-lk="result"][data-document="{document_id}"]')
    result.filter(has_text="Подписан").wait_for(timeout=60_000)
    _shot(page, "countersign-results-1366.png", shots)
    staff.close()

    phone = browser.new_context(base_url=url, locale="ru-RU", viewport={"width": 390, "height": 844})
    page = phone.new_page()
    login_in_browser(page, "vk123", _password(output, "vk123"))
    page.goto(f"/limits/{document_id}")
    assert "Принят" in page.inner_text("[data-lk=status]")
    _shot(page, "limits-detail-390.png", shots)
    page.goto("/limits")
    row = page.locator("tr", has_text=number)
    assert "Принят" in row.inner_text()
    phone.close()
