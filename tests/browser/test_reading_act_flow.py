"""The whole cycle in Chromium, as the demo client does it: enter the readings, get the act,
download it, sign it with ``lk sign`` and the demo client's ``.p12``, upload it, see it
«Принят» — and the file carries two valid signatures for poppler's ``pdfsig``.

Screenshots (LK_SCREENSHOT_DIR): ``lk-flow-*.png``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.clients.models import Meter
from lk_corporate.core.extensions import db
from lk_corporate.demo.seed import seed_demo
from tests.browser.conftest import login_in_browser
from tests.reading_acts.conftest import pki_config
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.signing.test_sign_cli import lk

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))


@pytest.fixture()
def demo_with_pki(request: pytest.FixtureRequest, clean_app: Any, live_server: Any,
                  crl_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The demo's data, and the served app configured as ``lk demo`` configures it (trust
    roots, CRL index, TSA, the supplier's key for the acceptance)."""
    pki = request.getfixturevalue("demo_pki")
    for key, value in pki_config(pki, crl_index, tmp_path / "files").items():
        monkeypatch.setitem(live_server.app.config, key, value)
    monkeypatch.setitem(live_server.app.config, "LK_DEMO", True)
    seeded = seed_demo(db.session)
    db.session.commit()
    return seeded


def _meter_ids() -> dict[str, int]:
    return {m.factory_number: m.id for m in db.session.scalars(select(Meter))
            if m.factory_number}


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"lk-flow-{name}.png"), full_page=True)


def test_enter_readings_sign_with_lk_sign_upload_accepted(demo_with_pki: Any, make_page: Any,
                                                          request: pytest.FixtureRequest,
                                                          tmp_path: Path) -> None:
    pki = request.getfixturevalue("demo_pki")
    nss = request.getfixturevalue("nss_db")
    password = next(u.password for u in demo_with_pki.logins if u.login == "vk123")
    ids = _meter_ids()
    power, water = ids["011070123456789"], ids["12223773"]
    page = make_page(width=1366, height=900)
    login_in_browser(page, "vk123", password)
    page.goto("/readings")
    # a refusal first: a reading below the previous one, shown beside its row
    page.fill(f"input[name='v-{power}-day']", "12000")
    page.fill(f"input[name='v-{power}-night']", "5500,2")
    page.fill(f"input[name='v-{water}-single']", "150.001")
    page.click("[data-lk=submit-readings]")
    page.wait_for_load_state()
    error = page.locator(f"[data-lk='error-{power}-day']")
    assert "Показание меньше предыдущего (12 345,6)" in error.inner_text().replace("\xa0", " ")
    _shot(page, "refused-row")
    page.fill(f"input[name='v-{power}-day']", "12400.5")
    page.click("[data-lk=submit-readings]")
    page.wait_for_url(re.compile(r"/reading-acts/\d+$"))
    assert "Ожидает подписи" in page.locator("[data-lk=act-status]").inner_text()
    _shot(page, "act-awaiting")

    with page.expect_download() as download:
        page.click("[data-lk=download-act]")
    act = tmp_path / download.value.suggested_filename
    download.value.save_as(act)
    assert act.name.startswith("АП-") and act.read_bytes().startswith(b"%PDF-")

    # an unsigned file: refused beside the field, nothing changes
    page.set_input_files("input[name=file]", str(act))
    page.click("[data-lk=upload-form] button[type=submit]")
    page.wait_for_load_state()
    assert "В файле нет новой подписи" in page.locator("#file-error").inner_text()
    assert "Ожидает подписи" in page.locator("[data-lk=act-status]").inner_text()

    client = pki.identity("romashka")
    signed = tmp_path / "signed.pdf"
    proc = lk("sign", act, signed, "--p12", client.p12, "--password-file", client.password_file,
              "--field", "client", env_extra={"LK_TSA_URL": pki.tsa_url})
    assert proc.returncode == 0, proc.stderr
    page.set_input_files("input[name=file]", str(signed))
    page.click("[data-lk=upload-form] button[type=submit]")
    page.wait_for_load_state()
    status = page.locator("[data-lk=act-status]").inner_text()
    assert "Принят" in status and "расчёт №" in status, status
    assert "подписан и принят к расчёту" in page.inner_text("main")
    client_sig = page.locator("[data-lk=signature-client]").inner_text()
    assert "Действительна (TOTAL-PASSED)" in client_sig and "Иванова Мария Сергеевна" in client_sig
    _shot(page, "act-accepted")

    with page.expect_download() as download:
        page.click("[data-lk=download-act]")
    accepted = tmp_path / "accepted.pdf"
    download.value.save_as(accepted)
    assert accepted.read_bytes().startswith(signed.read_bytes())
    assert_pdfsig_all_valid(accepted, nss, expected=2)

    page.goto("/readings")
    assert "Принято к расчёту" in page.inner_text("main")
    _shot(page, "readings-accepted")
