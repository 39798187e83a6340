"""The «API-токены» page in a real browser: a token made on a phone-wide screen is shown
once, fits the screen, and works against the API."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.browser.conftest import login_in_browser
from tests.support.factories import PASSWORD, create_client, create_client_user


@pytest.mark.browser
@pytest.mark.parametrize("width", [390, 1366])
def test_make_a_token_see_it_once_use_it(session: Any, make_page: Any, live_server: Any,
                                         width: int) -> None:
    firm = create_client(name="ООО «Альфа»", contract_number="A-1")
    create_client_user(firm, login="alpha")
    page = make_page(width=width, height=800, is_mobile=width < 576, has_touch=width < 576)
    login_in_browser(page, "alpha", PASSWORD)
    page.goto("/profile/api-tokens")
    page.fill("input[name=name]", "1С: Бухгалтерия предприятия, основной сервер в бухгалтерии")
    page.select_option("select[name=days]", "90")
    page.click("form[data-lk-once] button[type=submit]")
    page.wait_for_load_state()
    shown = page.locator("[data-lk=new-token-value]").inner_text().strip()
    assert re.fullmatch(r"lk_[A-Za-z0-9_-]{43}", shown), shown
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"the page is {scroll_width} px wide on a {width} px screen"
    shots = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))
    page.screenshot(path=str(shots / f"lk-api-tokens-{width}.png"), full_page=True)
    r = requests.get(f"{live_server.url}/api/v1/clients",
                     headers={"Authorization": f"Bearer {shown}"}, timeout=30)
    assert r.status_code == 200 and r.json()["items"][0]["contract_number"] == "A-1"
    page.reload()
    assert page.locator("[data-lk=new-token-value]").count() == 0  # shown once
    assert page.locator("[data-lk=api-token][data-lk-state=active]").count() == 1
