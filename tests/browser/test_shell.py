"""The shell in a real browser: Russian by default, English on request, nothing loaded from
outside, no CSP violation, usable at phone width."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import BrowserLog, is_local_url

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))


def test_landing_in_russian_then_english(page: Any, browser_log: BrowserLog, live_server: Any) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator("h1").inner_text() == "Личный кабинет юридического клиента"
    assert "Как начать работу" in page.content()
    # The vendored assets really loaded (the layout is styled, the icons font is there).
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
    loaded = [u for u in browser_log.requests if "/static/" in u]
    assert any("bootstrap.min.css" in u for u in loaded)
    assert any("bootstrap.bundle.min.js" in u for u in loaded)
    assert any("lk.js" in u for u in loaded)
    page.screenshot(path=str(SCREENSHOTS / "lk-landing.png"), full_page=True)

    page.get_by_role("link", name="EN", exact=True).click()
    page.wait_for_url(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("h1").inner_text() == "Business client portal"
    assert "How to start" in page.content()

    # And back: the choice is remembered from page to page.
    page.goto("/this-page-does-not-exist")
    assert page.locator("h1").inner_text() == "Page not found"
    page.get_by_role("link", name="RU", exact=True).click()
    assert page.locator("h1").inner_text() == "Страница не найдена"

    assert browser_log.requests, "the request listener saw nothing: the guard would be blind"
    assert browser_log.external_requests == []
    assert browser_log.csp_violations == []


def test_phone_width(make_page: Any, browser_log: BrowserLog) -> None:
    phone = make_page(width=390, height=844, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto("/")
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    toggler = phone.locator(".navbar-toggler")
    assert toggler.is_visible()
    switcher = phone.locator(".lk-lang")
    assert not switcher.is_visible()  # folded into the collapsed menu
    phone.screenshot(path=str(SCREENSHOTS / "lk-landing-phone.png"), full_page=True)
    toggler.click()
    switcher.wait_for(state="visible")
    phone.locator("#lk-nav.collapse.show").wait_for()  # the opening animation has finished
    phone.screenshot(path=str(SCREENSHOTS / "lk-landing-phone-menu.png"))
    phone.get_by_role("link", name="EN", exact=True).click()
    assert phone.locator("h1").inner_text() == "Business client portal"


def test_the_guard_sees_csp_violations(page: Any, browser_log: BrowserLog) -> None:
    """An inline script is refused by the CSP and the guard notices (so its silence means
    something in every other browser test)."""
    page.goto("/")
    directive = page.evaluate(
        "() => new Promise(resolve => {"
        " document.addEventListener('securitypolicyviolation',"
        "   e => resolve(e.violatedDirective), {once: true});"
        " const s = document.createElement('script');"
        " s.textContent = 'window.lkInline = 1'; document.body.appendChild(s); })"
    )
    assert directive.startswith("script-src")
    assert page.evaluate("window.lkInline") is None
    deadline = time.monotonic() + 10
    while not browser_log.csp_violations and time.monotonic() < deadline:
        page.evaluate("0")  # let Playwright deliver the console message
    assert browser_log.csp_violations, browser_log.console
    browser_log.clear()  # expected here; do not fail the teardown guard


def test_local_url_classifier() -> None:
    assert is_local_url("http://127.0.0.1:5123/static/x.css")
    assert is_local_url("data:image/svg+xml;base64,AAAA")
    assert not is_local_url("https://cdn.jsdelivr.net/npm/bootstrap.css")
    assert not is_local_url("http://localhost.evil.example/")
    assert not is_local_url("https://fonts.googleapis.com/css")


def test_signed_in_client_menu_and_client_switcher(make_page: Any, browser_log: BrowserLog, clean_app: Any) -> None:
    from tests.browser.conftest import login_in_browser
    from tests.support.factories import (
        PASSWORD,
        add_membership,
        create_client,
        create_client_user,
        create_supplier,
    )

    create_supplier()
    first = create_client(short_name="ООО «Первый»")
    second = create_client(short_name="ООО «Второй»")
    user = create_client_user(first)
    add_membership(user, second)

    page = make_page()
    login_in_browser(page, user.login, PASSWORD)
    page.goto("/this-page-does-not-exist")  # any page with the full frame
    nav = page.locator("header")
    assert nav.locator('[data-lk-section="readings"]').inner_text().strip() == "Показания"
    assert nav.locator('[data-lk-section="money"]').inner_text().strip() == "Деньги"
    assert nav.locator('[data-lk-section="clients"]').count() == 0  # staff menus stay hidden
    assert nav.locator(".lk-login").inner_text() == user.login

    switcher = nav.locator("select#lk-client-select")
    assert switcher.is_visible()
    assert nav.locator("[data-lk-autosubmit-button]").is_hidden()  # lk.js submits on change
    assert "ООО «Первый»" in switcher.locator("option:checked").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "lk-client-desktop.png"))
    with page.expect_navigation():
        switcher.select_option(str(second.id))
    assert "ООО «Второй»" in page.locator("select#lk-client-select option:checked").inner_text()

    phone = make_page(width=390, height=844, is_mobile=True, has_touch=True)
    login_in_browser(phone, user.login, PASSWORD)
    phone.goto("/this-page-does-not-exist")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator(".navbar-toggler").click()
    phone.locator("#lk-nav.collapse.show").wait_for()
    phone.screenshot(path=str(SCREENSHOTS / "lk-client-phone-menu.png"), full_page=True)
