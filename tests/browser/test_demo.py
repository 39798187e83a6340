"""README command 1, as a new user meets it: ``lk demo`` sets everything up, starts the
portal and prints the logins; each printed login works in a browser and lands on its role's
home page; the printed activation code registers the third client."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import login_in_browser

pytestmark = pytest.mark.browser
LK = str(Path(sys.executable).parent / "lk")
HOME = {  # where each role lands after logging in
    "vk123": "/cabinet", "vk4587": "/cabinet", "zmk.signer": "/cabinet",
    "operator": "/staff/clients", "signer": "/staff/clients", "admin": "/staff/",
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    home = tmp_path_factory.mktemp("demo-home")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    env.update(LK_INSTANCE_DIR=str(home), LK_DATABASE_URL=f"sqlite:///{home / 'lk.sqlite3'}", LK_PKI_DIR=str(home / "pki"),
               LK_MAIL_DIR=str(home / "outbox"), LK_SECRET_KEY="demo-test-secret")
    log = home / "demo.log"
    # Its own PKI port: 8765 may be another demo's on a shared machine (the demo refuses it).
    with open(log, "w+") as out:
        proc = subprocess.Popen([LK, "demo", "--port", str(port), "--pki-port", str(_free_port())],
                                env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, cwd=home)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.5)
        else:
            pytest.fail("lk demo did not start:\n" + log.read_text())
        yield f"http://127.0.0.1:{port}", log.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_demo_prints_every_login_and_each_lands_home(demo, browser):
    url, output = demo
    logins = re.findall(r"^\s+(\S+)\s+(\S+-2026)\s", output, re.MULTILINE)
    assert {login for login, _ in logins} == set(HOME), output
    assert url in output
    for login, password in logins:
        context = browser.new_context(base_url=url, locale="ru-RU")
        page = context.new_page()
        login_in_browser(page, login, password)
        path = page.url[len(url):]
        assert path.startswith(HOME[login]), (login, page.url)
        assert page.locator("html").get_attribute("lang") == "ru"
        context.close()


def test_demo_activation_code_registers_the_third_client(demo, browser):
    url, output = demo
    m = re.search(r"activation code (\S+),\s+tax ID (\d+), contract (\S+)\.", output)
    assert m, output
    code, tax_id, contract = m.groups()
    context = browser.new_context(base_url=url, locale="ru-RU")
    page = context.new_page()
    page.goto("/register")
    page.fill("input[name=activation_code]", code)
    page.fill("input[name=tax_id]", tax_id)
    page.fill("input[name=contract_number]", contract)
    page.fill("input[name=email]", "new-client@gp5.example")
    page.fill("input[name=password]", "Polyclinic-2026")
    page.fill("input[name=password_repeat]", "Polyclinic-2026")
    page.get_by_role("button", name="Зарегистрироваться").click()
    page.wait_for_load_state()
    assert f"vk{contract}" in page.content()
    # The demo keeps mail in its outbox, where the confirmation link can be followed.
    page.goto("/outbox/")
    page.get_by_role("link", name=re.compile("Подтверждение регистрации|Confirm")).first.click()
    link = page.locator("pre a").first.get_attribute("href")
    page.goto(link)
    login_in_browser(page, f"vk{contract}", "Polyclinic-2026")
    assert page.url.endswith("/cabinet")
    context.close()
