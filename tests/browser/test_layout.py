"""Layout in a real browser, on the demo data: every page fits a 1366 px laptop and a 390 px
phone without sideways scrolling, and label–value lists never run a label into its value.

Screenshots go to LK_SCREENSHOT_DIR (default /tmp) as ``lk-<login>-<width>-<page>.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import login_in_browser

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))
WIDTHS = (1366, 390)


@pytest.fixture()
def demo_data(clean_app: Any, live_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo's supplier, clients, meters, tariffs, periods and a user for every role, and
    the served app in demo mode (its menu has the demo outbox, as `lk demo` shows it)."""
    from lk_corporate.core.extensions import db
    from lk_corporate.demo.seed import seed_demo

    monkeypatch.setitem(live_server.app.config, "LK_DEMO", True)

    seeded = seed_demo(db.session)
    db.session.commit()
    return seeded


def _password(seeded: Any, login: str) -> str:
    return next(item.password for item in seeded.logins if item.login == login)


def _shot(page: Any, login: str, width: int, path: str) -> None:
    name = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
    page.screenshot(path=str(SCREENSHOTS / f"lk-{login}-{width}-{name}.png"), full_page=True)


# Every <dt> of the page: its text fits its own box, and the box does not reach into the <dd>
# beside it. (A label wider than its column overflows visibly into the value.)
DETAILS_PROBLEMS = """() => {
  const out = [];
  for (const dt of document.querySelectorAll('main dl dt')) {
    const label = dt.textContent.trim();
    if (dt.scrollWidth > dt.clientWidth + 1) {
      out.push(`label wider than its column (${dt.scrollWidth} > ${dt.clientWidth}): ${label}`);
    }
    const dd = dt.nextElementSibling;
    if (dd && dd.tagName === 'DD') {
      const a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
      const sameLine = a.top < b.bottom - 1 && b.top < a.bottom - 1;
      if (sameLine && a.right > b.left + 1) out.push(`label overlaps its value: ${label}`);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", WIDTHS)
def test_contract_requisites_labels_do_not_overlap_values(demo_data: Any, make_page: Any,
                                                          width: int) -> None:
    page = make_page(width=width, height=900)
    login_in_browser(page, "vk123", _password(demo_data, "vk123"))
    page.goto("/contract")
    assert "Корреспондентский счёт" in page.inner_text("main")
    _shot(page, "vk123", width, "/contract")
    assert page.evaluate(DETAILS_PROBLEMS) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width


# --- every page of every role's menu fits the screen ------------------------------------------

def _demo_logins() -> list[str]:
    from lk_corporate.demo.seed import DEMO_USERS

    return [user[0] for user in DEMO_USERS]


MENU_LINKS = """() => {
  const links = document.querySelectorAll(
    '#lk-nav .nav-link[href^="/"], #lk-nav .dropdown-item[href^="/"]');
  return [...new Set([...links].map(a => a.getAttribute('href')))]
    .filter(href => !href.startsWith('/lang/'));
}"""


def _open_user_menu(page: Any, width: int) -> None:
    """The user menu can be reached and opened, and the whole of it is on the screen."""
    if page.locator(".navbar-toggler").is_visible():
        page.locator(".navbar-toggler").click()
        page.locator("#lk-nav.collapse.show").wait_for()
    button = page.locator(".lk-profile > button")
    assert button.is_visible()
    box = button.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    button.click()
    menu = page.locator(".lk-profile .dropdown-menu.show")
    menu.wait_for()
    box = menu.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert menu.get_by_role("button", name=re.compile("Выйти")).is_visible()
    page.keyboard.press("Escape")


def _assert_fits(page: Any, width: int, where: str) -> None:
    # (On a phone a too wide page also zooms out: innerWidth grows with it.)
    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= width and inner_width == width, (
        f"{where}: the page is {scroll_width} px wide on a {width} px screen")


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("login", _demo_logins())
def test_every_menu_page_fits_the_screen(demo_data: Any, make_page: Any, login: str,
                                         width: int) -> None:
    page = make_page(width=width, height=800, is_mobile=width < 576, has_touch=width < 576)
    login_in_browser(page, login, _password(demo_data, login))
    links = page.evaluate(MENU_LINKS)
    assert "/profile" in links and len(links) >= 4, links
    for href in links:
        response = page.goto(href)
        assert response is not None and response.status == 200, (href, response and response.status)
        _assert_fits(page, width, f"{login} {href}")
        assert page.evaluate(DETAILS_PROBLEMS) == [], f"{login} {href}"
        _shot(page, login, width, href)
        _open_user_menu(page, width)
        _assert_fits(page, width, f"{login} {href} with the user menu open")


MENU_ROWS = """() => [...new Set([...document.querySelectorAll('#lk-nav .navbar-nav > .nav-item')]
  .map(item => Math.round(item.getBoundingClientRect().top)))]"""


@pytest.mark.parametrize("login", _demo_logins())
def test_the_menu_is_one_row_on_a_laptop(demo_data: Any, make_page: Any, login: str) -> None:
    """At 1366 px, in both languages, every role's sections stand on one row: the operator's
    six and the administrator's seven wrapped onto a second one before the staff's header
    dropped the brand's name and the section icons below 1400 px."""
    page = make_page(width=1366, height=800)
    login_in_browser(page, login, _password(demo_data, login))
    for lang in ("ru", "en"):
        page.goto(f"/lang/{lang}?next=/")
        rows = page.evaluate(MENU_ROWS)
        assert len(rows) == 1, f"{login} ({lang}): the menu has {len(rows)} rows"
        _shot(page, login, 1366, f"/menu-{lang}")


ANONYMOUS_PAGES = ("/", "/login", "/register", "/password/forgot", "/confirm/resend",
                   "/no-such-page")


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_fit_the_screen(make_page: Any, live_server: Any, width: int) -> None:
    page = make_page(width=width, height=800, is_mobile=width < 576, has_touch=width < 576)
    for href in ANONYMOUS_PAGES:
        page.goto(href)
        _assert_fits(page, width, href)
        _shot(page, "anonymous", width, href)
