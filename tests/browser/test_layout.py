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
def demo_data(clean_app: Any) -> Any:
    """The demo's supplier, clients, meters, tariffs, periods and a user for every role."""
    from lk_corporate.demo.seed import seed_demo
    from lk_corporate.extensions import db

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
