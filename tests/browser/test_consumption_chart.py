"""«История показаний» in Chromium at 1366 and 390 px: the SVG charts render under the strict
CSP (no script, no inline style), one bar per month with figures, readable sizes, no sideways
scrolling; in print media the charts keep their bars. «Расшифровка начислений» shows its table
and its buttons fit a phone."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.browser.conftest import login_in_browser
from tests.consumption.helpers import three_months
from tests.invoicing.conftest import billing, settings, store, supplier_key
from tests.support.factories import PASSWORD, create_client_user

pytestmark = pytest.mark.browser

__all__ = ["billing", "settings", "store", "supplier_key"]


@pytest.fixture()
def delta(billing: Any, store: Any, supplier_key: Any, settings: Any, live_server: Any) -> Any:
    w = three_months(billing, store, supplier_key, settings)
    create_client_user(w.firm, login="delta")
    return w


@pytest.mark.parametrize("width", (1366, 390))
def test_the_charts_render(delta: Any, make_page: Any, browser_log: Any, width: int) -> None:
    page = make_page(width=width, height=900, is_mobile=width < 576, has_touch=width < 576)
    login_in_browser(page, "delta", PASSWORD)
    page.goto("/history")
    charts = page.locator("svg[data-lk=chart]")
    assert charts.count() == 4
    # electricity: Aug, Sep, Oct consumption; Aug, Sep cost. Water: August, twice.
    counts = [c.locator("rect[data-lk=bar]").count() for c in charts.all()]
    assert counts == [3, 2, 1, 1], counts
    first = charts.first
    box = first.bounding_box()
    assert box and box["width"] > 300 and box["height"] > 100, box
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    bars = first.locator("rect[data-lk=bar]")
    heights = [bars.nth(i).bounding_box()["height"] for i in range(3)]  # type: ignore[index]
    assert heights[0] > heights[1] > heights[2] > 0  # 100, 60, 40 kWh
    # the bars are painted (the stylesheet's colour, not the default black)
    assert bars.first.evaluate("e => getComputedStyle(e).fill") == "rgb(253, 126, 20)"
    name = first.evaluate("e => document.getElementById(e.getAttribute('aria-labelledby')"
                          ".split(' ')[0]).textContent")
    assert "Расход по прибору учёта" in name
    # The month names stay legible and apart (on a phone every other one gives way).
    boxes = first.evaluate("""e => [...e.querySelectorAll('text.lk-chart-label')]
        .filter(t => getComputedStyle(t).display !== 'none')
        .map(t => { const r = t.getBoundingClientRect(); return [r.left, r.right, r.height]; })""")
    assert len(boxes) == (12 if width > 576 else 6), boxes
    assert all(height >= 7 for _left, _right, height in boxes), boxes
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(boxes)), boxes
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/lk-history-{width}.png", full_page=True)
    page.emulate_media(media="print")
    assert charts.count() == 4 and first.locator("rect[data-lk=bar]").count() == 3
    assert bars.first.evaluate("e => getComputedStyle(e).fill") == "rgb(122, 122, 122)"
    assert page.locator(".lk-header").evaluate("e => getComputedStyle(e).display") == "none"
    assert browser_log.problems() == []


@pytest.mark.parametrize("width", (1366, 390))
def test_the_breakdown_page(delta: Any, make_page: Any, browser_log: Any, width: int) -> None:
    page = make_page(width=width, height=900, is_mobile=width < 576, has_touch=width < 576)
    login_in_browser(page, "delta", PASSWORD)
    page.goto("/charges")
    assert page.locator("[data-lk=charge-line]").count() == 1  # September: one meter, one zone
    assert page.locator("[data-lk=total]").inner_text() == "349,20"
    for button in ("[data-lk=charges-pdf]", "[data-lk=charges-email]"):
        box = page.locator(button).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=f"/tmp/lk-charges-{width}.png", full_page=True)
    assert browser_log.problems() == []
