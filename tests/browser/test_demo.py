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
from typing import Any

import pytest
from playwright.sync_api import expect

from lk_corporate.pki import load_manifest
from tests.browser.conftest import login_in_browser
from tests.signing.helpers import assert_pdfsig_all_valid

pytestmark = pytest.mark.browser
LK = str(Path(sys.executable).parent / "lk")
HOME = {  # where each role lands after logging in
    "vk123": "/cabinet", "vk4587": "/cabinet", "zmk.signer": "/cabinet",
    "operator": "/staff/clients", "signer": "/staff/clients", "engineer": "/staff/clients",
    "admin": "/staff/",
}


def _nss_trusting(tmp_path: Path, manifest: Any) -> str:
    """An NSS database that trusts the demo's root, for ``pdfsig``."""
    nss = tmp_path / "nss"
    nss.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{nss}", "--empty-password"], check=True,
                   capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{nss}", "-n", "demo-root", "-t", "CT,C,C",
                    "-i", str(manifest.trust_anchor)], check=True, capture_output=True)
    return f"sql:{nss}"


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


def test_demo_client_signs_the_reading_act_with_lk_sign_and_sees_it_accepted(demo, browser,
                                                                              tmp_path):
    """README's walk-through: the demo client enters readings, downloads the act, signs it
    with ``lk sign`` and the demo PKI's ``.p12``, uploads it and sees it accepted; the file
    then carries two valid signatures (poppler's pdfsig, trusting the demo's root)."""
    url, output = demo
    pki_dir = Path(re.search(r"PKI:\s+(\S+) \(trust anchor", output).group(1))
    manifest = load_manifest(pki_dir)
    password = re.search(r"^\s+vk123\s+(\S+)\s", output, re.MULTILINE).group(1)
    context = browser.new_context(base_url=url, locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    login_in_browser(page, "vk123", password)
    page.goto("/readings")
    # ООО «Ромашка»: a two-zone electricity meter and a water meter take readings; the hot
    # water meter without a factory number and the removed one show why they do not.
    def reading(number: str, zone: str) -> Any:
        return page.get_by_label(f"Показание прибора учёта № {number}, {zone}", exact=True)

    reading("011070123456789", "День").fill("12400,5")
    reading("011070123456789", "Ночь").fill("5500.2")
    reading("12223773", "Круглосуточно").fill("150.001")
    reading("—", "Круглосуточно").fill("10")  # the hot water meter: no factory number
    page.click("[data-lk=submit-readings]")
    page.wait_for_load_state()
    assert "Показания по прибору учёта без заводского номера не принимаются." in \
        page.inner_text("main")
    reading("—", "Круглосуточно").fill("")
    page.click("[data-lk=submit-readings]")
    page.wait_for_url(re.compile(r"/reading-acts/\d+$"))
    with page.expect_download() as download:
        page.click("[data-lk=download-act]")
    act = tmp_path / "act.pdf"
    download.value.save_as(act)
    romashka = manifest.identity("romashka")
    signed = tmp_path / "signed.pdf"
    env = {k: v for k, v in os.environ.items() if not k.startswith("LK_")}
    proc = subprocess.run([LK, "sign", str(act), str(signed), "--p12", str(romashka.p12),
                           "--password-file", str(romashka.password_file), "--field", "client",
                           "--tsa", manifest.tsa_url], capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    page.set_input_files("input[name=file]", str(signed))
    page.click("[data-lk=upload-form] button[type=submit]")
    page.wait_for_load_state()
    assert "Принят" in page.locator("[data-lk=act-status]").inner_text(), page.inner_text("main")
    with page.expect_download() as download:
        page.click("[data-lk=download-act]")
    accepted = tmp_path / "accepted.pdf"
    download.value.save_as(accepted)
    assert_pdfsig_all_valid(accepted, _nss_trusting(tmp_path, manifest), expected=2)
    context.close()


def test_demo_client_signs_the_reading_act_in_the_browser_with_the_printed_key(demo, browser,
                                                                               tmp_path):
    """The issue's walk-through: the demo client enters readings, opens the act, picks the key
    file the demo printed, types its password, «Подписать и отправить» — the act is accepted
    (the supplier's acceptance signed at once), and the key never left the page."""
    url, output = demo
    key = re.search(r"^\s+(\S+/romashka\.p12)\s+(\S+)\s+123\s*$", output, re.MULTILINE)
    assert key, output
    p12, key_password = key.groups()
    password = re.search(r"^\s+vk123\s+(\S+)\s", output, re.MULTILINE).group(1)
    context = browser.new_context(base_url=url, locale="ru-RU", accept_downloads=True)
    page = context.new_page()
    posted: list[bytes] = []
    page.on("request", lambda r: posted.append(r.post_data_buffer or b"")
            if r.method == "POST" else None)
    login_in_browser(page, "vk123", password)
    page.goto("/readings")
    for label, value in (("Показание прибора учёта № 011070123456789, День", "12400,5"),
                         ("Показание прибора учёта № 011070123456789, Ночь", "5500.2"),
                         ("Показание прибора учёта № 12223773, Круглосуточно", "150.001")):
        page.get_by_label(label, exact=True).fill(value)
    page.click("[data-lk=submit-readings]")
    page.wait_for_url(re.compile(r"/reading-acts/\d+$"))
    page.click("[data-lk=sign-link]")
    page.wait_for_url(re.compile(r"/documents/\d+/sign$"))
    page.set_input_files('[data-lk="key-file"]', p12)
    page.fill('[data-lk="key-password"]', key_password)
    page.click('[data-lk="sign-and-send"]')
    status = page.locator('[data-lk="status"]')
    status.filter(has_text="Принят").wait_for(timeout=60_000)
    assert status.inner_text().strip() == "Принят", page.inner_text("main")
    key_bytes = Path(p12).read_bytes()
    for body in posted:
        assert key_bytes[:64] not in body and key_password.encode() not in body

    # Then the month end: the supplier's signer calculates the period from its board …
    staff = browser.new_context(base_url=url, locale="ru-RU")
    board = staff.new_page()
    board.on("dialog", lambda dialog: dialog.accept())
    signer_password = re.search(r"^\s+signer\s+(\S+)\s", output, re.MULTILINE).group(1)
    login_in_browser(board, "signer", signer_password)
    board.goto("/staff/periods")
    board.locator("[data-lk=period-link]").first.click()
    board.locator("[data-lk=calculation] button", has_text="Рассчитать").click()
    # The board refreshes itself every 5 s while the batch runs.
    progress = board.locator("[data-lk=calculation-progress]")
    expect(progress).to_contain_text("ожидают: 0", timeout=90_000)
    expect(progress).to_contain_text("с ошибкой: 0")
    staff.close()

    # … and the invoice appears in the client's «Счета», signed by the supplier.
    page.goto("/invoices")
    number = page.locator("[data-lk=invoice-number]").first
    number.wait_for()
    with page.expect_download() as download:
        page.locator("[data-lk=invoice-download]").first.click()
    invoice = tmp_path / "invoice.pdf"
    download.value.save_as(invoice)
    manifest = load_manifest(Path(re.search(r"PKI:\s+(\S+) \(trust anchor", output).group(1)))
    assert_pdfsig_all_valid(invoice, _nss_trusting(tmp_path, manifest), expected=1)
    context.close()
