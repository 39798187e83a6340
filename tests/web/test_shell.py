"""The web shell over HTTP: security headers, /healthz, error pages, the menu registry."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, abort, request

from lk_corporate.core.rights import (
    CLIENT_ACCOUNTANT,
    MONEY_VIEW,
    SUPPLIER_ADMIN,
    SUPPLIER_OPERATOR,
    SUPPLIER_SIGNER,
)
from lk_corporate.core.security import CONTENT_SECURITY_POLICY
from lk_corporate.web import menu
from tests.support.factories import create_client, create_client_user, create_staff_user, login


@pytest.fixture()
def make_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Any]:
    """Another app on the test database with some settings changed (and test-only routes)."""
    from lk_corporate.app import create_app
    from lk_corporate.core.extensions import db

    made: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        application = create_app({**app_config, **overrides}, instance_path=str(tmp_path / f"i{len(made)}"))
        made.append(application)
        return application

    yield factory
    for application in made:
        with application.app_context():
            db.engine.dispose()


# --- headers --------------------------------------------------------------------------------

def test_security_headers_on_every_page(client: Any) -> None:
    for url in ("/", "/nope", "/healthz", "/static/css/lk.css"):
        headers = client.get(url).headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert "script-src 'self';" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Frame-Options"] == "DENY"
        assert "camera=()" in headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in headers  # plain-http base URL


def test_no_inline_scripts_or_styles_in_the_shell(client: Any) -> None:
    html = client.get("/").get_data(as_text=True) + client.get("/nope").get_data(as_text=True)
    assert "<script>" not in html and "<style" not in html
    assert " style=" not in html and " onclick=" not in html and "javascript:" not in html
    import re

    assert re.findall(r'(?:src|href)="(?:https?:)?//', html) == []  # nothing from another origin


def test_signed_in_pages_are_not_cached(client: Any, supplier: Any) -> None:
    anonymous = client.get("/nope")
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    user = create_client_user(create_client())
    login(client, user.login)
    page = client.get("/nope")
    assert page.headers["Cache-Control"] == "no-store"
    assert "no-store" not in client.get("/static/css/lk.css").headers.get("Cache-Control", "")


def test_hsts_only_with_an_https_base_url(make_app: Any) -> None:
    secure = make_app(LK_BASE_URL="https://lk.example.ru")
    headers = secure.test_client().get("/").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_proxy_headers_trusted_only_when_configured(make_app: Any) -> None:
    for trust, expected in ((True, "203.0.113.7"), (False, "127.0.0.1")):
        application = make_app(LK_TRUST_PROXY=trust)
        application.add_url_rule("/_ip", "_ip", lambda: request.remote_addr or "")
        response = application.test_client().get(
            "/_ip", headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        assert response.get_data(as_text=True) == expected


# --- /healthz -------------------------------------------------------------------------------

def test_healthz(client: Any) -> None:
    """From the machine itself (the container's health check): the checks and the worker."""
    response = client.get("/healthz")  # the test client's address is 127.0.0.1
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "ratelimit_storage": "ok"}
    assert isinstance(body["pid"], int)


@pytest.mark.parametrize(("remote", "headers"), [
    ("203.0.113.5", {}),
    ("10.0.0.7", {}),
    ("127.0.0.1", {"X-Forwarded-For": "203.0.113.5"}),  # through a proxy on the same host
    ("127.0.0.1", {"Forwarded": "for=203.0.113.5"}),
])
def test_healthz_tells_others_only_the_status(client: Any, remote: str, headers: dict[str, str]) -> None:
    response = client.get("/healthz", headers=headers, environ_base={"REMOTE_ADDR": remote})
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}  # no process ID, no list of backends


def test_healthz_reports_a_dead_database(make_app: Any) -> None:
    broken = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg2://postgres@127.0.0.1:9/nothing")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"] == "error"
    outside = broken.test_client().get("/healthz", environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert outside.status_code == 503 and outside.get_json() == {"status": "error"}


def test_the_server_header_names_no_versions(clean_app: Flask) -> None:
    """Werkzeug's server (`lk run`, `lk demo`) said «Werkzeug/3.1.9 Python/3.11.7»."""
    import http.client
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, clean_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in ("/", "/static/css/lk.css", "/nope", "/healthz"):
            connection = http.client.HTTPConnection("127.0.0.1", server.server_port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            assert [v for k, v in response.getheaders() if k.lower() == "server"] == ["lk"], path
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- error pages ----------------------------------------------------------------------------

@pytest.fixture()
def error_app(make_app: Any) -> Flask:
    from lk_corporate.core.extensions import limiter

    application = make_app(TESTING=False, MAX_CONTENT_LENGTH=2 * 1024 * 1024, WTF_CSRF_ENABLED=False,
                           RATELIMIT_STORAGE_URI="memory://")

    def forbidden() -> str:
        abort(403)

    def broken() -> str:
        raise RuntimeError("boom")

    def upload() -> str:
        return str(len(request.form))

    application.add_url_rule("/_403", "_403", forbidden)
    application.add_url_rule("/_500", "_500", broken)
    application.add_url_rule("/_413", "_413", upload, methods=["POST"])
    application.add_url_rule("/_429", "_429", limiter.limit("1/minute")(lambda: "ok"))
    with application.app_context():
        limiter.reset()
    return application


@pytest.mark.parametrize(
    ("url", "code", "russian"),
    [
        ("/_403", 403, "Доступ запрещён"),
        ("/nope", 404, "Страница не найдена"),
        ("/_500", 500, "Внутренняя ошибка сервера"),
    ],
)
def test_error_pages_in_russian(error_app: Flask, url: str, code: int, russian: str) -> None:
    response = error_app.test_client().get(url)
    assert response.status_code == code
    html = response.get_data(as_text=True)
    assert russian in html
    assert 'class="navbar' in html  # the site's frame, with the way back
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_413_and_429_pages(error_app: Flask) -> None:
    client = error_app.test_client()
    too_big = client.post("/_413", data={"f": "x" * (3 * 1024 * 1024)})
    assert too_big.status_code == 413
    assert "Файл слишком большой" in too_big.get_data(as_text=True)
    assert "до 2 МБ" in too_big.get_data(as_text=True)

    assert client.get("/_429").status_code == 200
    limited = client.get("/_429")
    assert limited.status_code == 429
    assert "Слишком много запросов" in limited.get_data(as_text=True)
    assert "Retry-After" in limited.headers


def test_english_error_page(error_app: Flask) -> None:
    client = error_app.test_client()
    client.get("/lang/en")
    assert "Page not found" in client.get("/nope").get_data(as_text=True)


def test_api_errors_are_json(error_app: Flask) -> None:
    response = error_app.test_client().get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
    broken = error_app.test_client().get("/_500", headers={"Accept": "application/json"})
    assert broken.status_code == 500 and broken.get_json()["status"] == 500


# --- menu -----------------------------------------------------------------------------------

@pytest.fixture()
def scratch_menu() -> Iterator[None]:
    saved = dict(menu._ITEMS)
    yield
    menu._ITEMS.clear()
    menu._ITEMS.update(saved)


def _nav(client: Any) -> str:
    html = client.get("/nope").get_data(as_text=True)
    return html[html.index("<header"):html.index("</header>")]


def test_menu_shows_items_by_audience_endpoint_and_right(client: Any, clean_app: Flask, supplier: Any,
                                                         scratch_menu: None) -> None:
    # Real endpoints of the shell stand in for pages of other packages.
    menu.register_menu_item("Invoices-test", "web.healthz", right=MONEY_VIEW, section="money")
    menu.register_menu_item("Payments-test", "web.index", right=MONEY_VIEW, section="money")
    menu.register_menu_item("Secret-test", "web.index", right="no.such.right", section="documents")
    menu.register_menu_item("Ghost-test", "nowhere.page", section="supplier")
    menu.register_menu_item("Staff-test", "web.healthz", section="tariffs")

    assert "Invoices-test" not in _nav(client)  # anonymous: no client menus

    user = create_client_user(create_client(), roles=(CLIENT_ACCOUNTANT,))
    login(client, user.login)
    nav = _nav(client)
    assert 'data-lk-section="money"' in nav and "Деньги" in nav and "Invoices-test" in nav and "Payments-test" in nav
    assert 'data-bs-toggle="dropdown"' in nav  # two items: a dropdown
    assert "Secret-test" not in nav  # lacks the right
    assert "Ghost-test" not in nav  # endpoint not in this app
    assert "Staff-test" not in nav and 'data-lk-section="tariffs"' not in nav  # a staff section


def test_staff_see_staff_sections_only(client: Any, supplier: Any, scratch_menu: None) -> None:
    menu.register_menu_item("Invoices-test", "web.healthz", right=MONEY_VIEW, section="money")
    menu.register_menu_item("Staff-test", "web.healthz", section="tariffs")
    login(client, create_staff_user(SUPPLIER_OPERATOR).login)
    nav = _nav(client)
    # One visible item: a plain link under the section's name.
    assert 'href="/healthz"><i class="bi bi-percent me-1" aria-hidden="true"></i>Тарифы</a>' in nav
    assert "Invoices-test" not in nav and 'data-lk-section="money"' not in nav


@pytest.mark.parametrize("role", [SUPPLIER_OPERATOR, SUPPLIER_SIGNER, SUPPLIER_ADMIN])
def test_every_menu_link_of_a_staff_user_opens(client: Any, supplier: Any, role: str) -> None:
    """No dead ends: each link of the header (sections and profile menu) and of the profile
    page's side menu answers 200. «My contracts» is a client's page: not offered to staff."""
    import re

    login(client, create_staff_user(role).login)
    nav = _nav(client)
    profile_page = client.get("/profile").get_data(as_text=True)
    assert "/profile/contracts" not in nav and "Мои договоры" not in nav
    assert "/profile/contracts" not in profile_page and "Мои договоры" not in profile_page
    links = set(re.findall(r'href="(/[^"]*)"', nav + profile_page))
    assert "/profile/password" in links
    for href in sorted(links):
        if href.startswith(("/lang/", "/static/")):
            continue
        assert client.get(href, follow_redirects=True).status_code == 200, href


def test_demo_outbox_is_in_the_menu_only_in_the_demo(make_app: Any, supplier: Any) -> None:
    """Outside the demo the outbox answers 404, so it has no menu entry there."""
    staff = create_staff_user(SUPPLIER_OPERATOR)
    for demo in (False, True):
        browser = make_app(LK_DEMO=demo).test_client()
        login(browser, staff.login)
        assert ('href="/outbox/"' in _nav(browser)) is demo
        assert browser.get("/outbox/").status_code == (200 if demo else 404)


def test_client_users_are_offered_my_contracts(client: Any, supplier: Any) -> None:
    login(client, create_client_user(create_client()).login)
    assert 'href="/profile/contracts"' in _nav(client)
    assert 'href="/profile/contracts"' in client.get("/profile").get_data(as_text=True)
    assert client.get("/profile/contracts").status_code == 200


def test_register_refuses_an_unknown_section(scratch_menu: None) -> None:
    with pytest.raises(KeyError):
        menu.register_menu_item("x", "web.index", section="no-such-section")


def test_registering_twice_does_not_duplicate(scratch_menu: None) -> None:
    menu.register_menu_item("Once", "web.index", section="money")
    menu.register_menu_item("Once", "web.index", section="money")
    assert [i.label for i in menu.registered_items()].count("Once") == 1


def test_client_switcher_for_a_user_of_several_clients(client: Any, supplier: Any) -> None:
    from tests.support.factories import add_membership

    first, second = create_client(), create_client()
    user = create_client_user(first)
    login(client, user.login)
    assert "lk-client-switcher" not in _nav(client)
    add_membership(user, second)
    nav = _nav(client)
    if "accounts.switch_client" not in client.application.view_functions:
        pytest.skip("accounts.switch_client is not there yet")
    assert "lk-client-switcher" in nav
    assert second.contract_number in nav and first.contract_number in nav


def test_no_event_loop_left_running_by_the_browser_tests() -> None:
    """tests/browser runs before this file; Playwright's sync API must be closed by then, or
    pyHanko's asyncio.run() in later tests fails (see the browser fixture's scope)."""
    import asyncio

    assert asyncio.run(asyncio.sleep(0, result="ok")) == "ok"
