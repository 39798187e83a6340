"""The landing page promises only what works today: each feature and step is backed by a page
that exists (and opens for a client), and nothing about readings, invoices or signing yet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, url_for

from lk_corporate.web import landing
from tests.support.factories import create_client, create_client_user, login


def _main(client: Any) -> str:
    html = client.get("/").get_data(as_text=True)
    return html[html.index("<main"):html.index("</main>")]


@pytest.fixture()
def scratch_landing() -> Iterator[None]:
    features, steps = dict(landing._FEATURES), dict(landing._STEPS)
    yield
    landing._FEATURES.clear()
    landing._FEATURES.update(features)
    landing._STEPS.clear()
    landing._STEPS.update(steps)


def test_no_promises_of_what_does_not_exist_yet(client: Any) -> None:
    main = _main(client)
    text = re.sub(r"<[^>]+>", " ", main).lower()
    for absent in ("показани", "счета", "счет-фактур", "налогов", "платеж", "сальдо",
                   "переписк", "пишите поставщику"):
        assert absent not in text, absent
    for present in ("Приборы учёта", "Договор и реквизиты", "Тарифы", "Несколько договоров",
                    "Как начать работу", "код активации",
                    "/verify"):  # checking a signed PDF works (without logging in)
        assert present in main, present


def test_every_feature_and_step_is_a_page_a_client_can_open(client: Any, clean_app: Flask,
                                                            supplier: Any) -> None:
    login(client, create_client_user(create_client()).login)
    with clean_app.test_request_context("/"):
        shown = landing.available_features() + landing.available_steps()
        urls = {url_for(item.endpoint) for item in shown}
    assert len(landing.available_features()) == len(landing._FEATURES) >= 4
    for url in sorted(urls - {"/register"}):  # /register is for visitors, not the signed-in
        assert client.get(url).status_code == 200, url


def test_a_feature_appears_with_its_page(client: Any, scratch_landing: None) -> None:
    landing.register_feature("future", "Future-test", "Not built yet.", endpoint="future.page")
    landing.register_step("future", "Step-test", endpoint="future.page")
    assert "Future-test" not in _main(client) and "Step-test" not in _main(client)
    # Once the page exists (the health check stands in for it), the promise is shown.
    landing.register_feature("future", "Future-test", "Built.", endpoint="web.healthz", order=1)
    landing.register_step("future", "Step-test", endpoint="web.healthz", order=1)
    main = _main(client)
    assert 'data-lk-feature="future"' in main and "Step-test" in main
    assert main.index("Future-test") < main.index("Приборы учёта")  # ordered by `order`
