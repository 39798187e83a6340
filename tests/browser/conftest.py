"""Fixtures for browser tests: the real app served on 127.0.0.1 and Chromium through Playwright.

``live_server``  (session) the app built from the suite's ``app_config`` (same test database),
                 served by werkzeug in a thread on a free loopback port; ``.url``, ``.app``.
``browser``      (package) headless Chromium (/usr/bin/chromium: Playwright's own browser
                 download does not work here).
``page``         a fresh context (locale ru-RU, Moscow time, 1280×800) with ``base_url`` set,
                 so ``page.goto("/")`` works. Guarded: the test fails if the page loads anything
                 from outside 127.0.0.1, violates the CSP or throws a JavaScript error.
``browser_log``  what the guard saw for ``page`` (requests, console messages, errors).
``make_page``    ``make_page(width=390, height=844, is_mobile=True)``: more guarded pages,
                 e.g. a phone-sized one.

Data: a browser test that needs rows requests ``clean_app`` (empty tables) and creates them
with the factories; they commit, so the server thread sees them. Log in through the real form:
``login_in_browser(page, login, password)``.

Mark browser tests ``@pytest.mark.browser`` (``pytest -m "not browser"`` skips them).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.docsign.fixtures import (  # noqa: F401 - fixtures of the signing page's tests
    p12_variants,
    supplier_act,
)
from tests.reading_acts.conftest import crl_index, pki_config
from tests.signing.conftest import demo_pki, nss_db, pki_base_url, pki_services
from tests.support.live import LiveServer

# The demo PKI and the CRL index, for the reading act's signing flow in the browser.
__all__ = ["crl_index", "demo_pki", "nss_db", "pki_base_url", "pki_config", "pki_services"]

CHROMIUM = os.environ.get("LK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LOOPBACK_HOSTS = {"127.0.0.1"}
# Schemes that never leave the browser.
LOCAL_SCHEMES = {"data", "blob", "about", "chrome-error", "devtools"}


# Package scope, not session: Playwright's sync API keeps an asyncio event loop running in the
# main thread while it is open, and any later test that calls asyncio.run() (pyHanko's signing
# and validation do) would fail with "cannot be called from a running event loop". Closing it
# when tests/browser is done keeps the rest of the suite unaffected.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM} (scripts/install-system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def is_local_url(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme in LOCAL_SCHEMES:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and parts.hostname in LOOPBACK_HOSTS


def is_csp_violation(text: str) -> bool:
    return "Content Security Policy" in text or "Content-Security-Policy" in text


@dataclass
class BrowserLog:
    """What the pages of one test did, as the guard saw it."""

    requests: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)  # (type, text)
    page_errors: list[str] = field(default_factory=list)

    @property
    def external_requests(self) -> list[str]:
        return [u for u in self.requests if not is_local_url(u)]

    @property
    def csp_violations(self) -> list[str]:
        return [text for _kind, text in self.console if is_csp_violation(text)]

    @property
    def console_errors(self) -> list[str]:
        return [text for kind, text in self.console if kind == "error"]

    def problems(self) -> list[str]:
        out = [f"request outside 127.0.0.1: {u}" for u in self.external_requests]
        out += [f"CSP violation: {t}" for t in self.csp_violations]
        out += [f"JavaScript error: {e}" for e in self.page_errors]
        return out

    def clear(self) -> None:
        self.requests.clear()
        self.console.clear()
        self.page_errors.clear()

    def attach(self, page: Any) -> None:
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("console", lambda msg: self.console.append((msg.type, msg.text)))
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))


@pytest.fixture()
def browser_log() -> BrowserLog:
    return BrowserLog()


@pytest.fixture()
def make_page(browser: Any, live_server: LiveServer, browser_log: BrowserLog) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def factory(width: int = 1280, height: int = 800, **options: Any) -> Any:
        options.setdefault("locale", "ru-RU")
        options.setdefault("timezone_id", "Europe/Moscow")
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": width, "height": height}, **options
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        browser_log.attach(page)
        return page

    yield factory
    for context in contexts:
        context.close()
    problems = browser_log.problems()
    if problems:
        pytest.fail("the browser saw problems:\n" + "\n".join(problems), pytrace=False)


@pytest.fixture()
def page(make_page: Callable[..., Any]) -> Any:
    return make_page()


def login_in_browser(page: Any, login: str, password: str) -> None:
    """Log in through the real login form (accounts.login)."""
    page.goto("/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit], form input[type=submit]")
    page.wait_for_load_state()
