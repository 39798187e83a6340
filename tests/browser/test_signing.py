"""Signing in the browser, in Debian's Chromium, as the demo client does it: open the document,
choose the key file, type its password, Sign, Send — «Получен». The key file and the password
never travel: every request body the page sends is recorded and searched for them.

The portal runs on the live server with the demo PKI's CRL/OCSP/TSA on loopback and a CRL
index the revocation job filled. PKCS#12 files as OpenSSL 3 exports them (defaults,
-legacy, -nomac, without the chain, Cyrillic names, ECDSA P-256) are signed with; those the
browser cannot use are refused with their reason, and so are a revoked certificate and
another client's certificate — before anything is signed.

Screenshots go to LK_SCREENSHOT_DIR (default /tmp) as ``lk-signing-*.png``.
"""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docsign import operations as ops
from lk_corporate.docsign.models import SigningSession
from tests.browser.conftest import login_in_browser
from tests.docsign.fixtures import GP5, ROMASHKA, ZMK, configure, document_state, issue_act
from tests.support.factories import PASSWORD, create_client, create_client_user, create_supplier

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(os.environ.get("LK_SCREENSHOT_DIR", "/tmp"))
NAMES = {ROMASHKA: "ООО «Ромашка»", GP5: "ГБУЗ «ГП № 5»", ZMK: "АО «ЗМК»"}


@pytest.fixture()
def portal(clean_app: Any, live_server: Any, demo_pki: Any, pki_services: Any, crl_index: Path,
           monkeypatch: pytest.MonkeyPatch) -> Any:
    """The live portal pointed at the demo PKI, with the supplier in place."""
    configure(live_server.app.config, demo_pki, crl_index, monkeypatch)
    create_supplier()
    return clean_app


class Traffic:
    """Every request the page makes: method, URL and body."""

    def __init__(self, page: Any) -> None:
        self.requests: list[tuple[str, str, bytes]] = []
        page.on("request", lambda r: self.requests.append((r.method, r.url, r.post_data_buffer or b"")))

    def posts(self, part: str) -> list[tuple[str, str, bytes]]:
        return [r for r in self.requests if r[0] == "POST" and part in r[1]]

    def assert_never_sent(self, secret_file: bytes, password: str) -> None:
        """Neither the key file (any 24 bytes of it, raw or in base64 at any alignment) nor
        the password (raw, JSON-escaped, URL-encoded) is in any request body or URL."""
        from urllib.parse import quote, quote_plus

        assert self.requests, "no traffic recorded"
        b64 = [base64.b64encode(secret_file[k:]) for k in range(3)]
        pieces = [secret_file[i:i + 24] for i in range(0, len(secret_file) - 24, 16)]
        pieces += [b[j:j + 32] for b in b64 for j in range(0, len(b) - 32, 16)]
        words = {password.encode(), password.encode("unicode_escape"), quote(password).encode(),
                 quote_plus(password).encode()}
        for method, url, body in self.requests:
            blob = body + url.encode()
            assert not any(w in blob for w in words), f"the password in {method} {url}"
            leaked = next((p for p in pieces if p in blob), None)
            assert leaked is None, f"part of the key file in {method} {url}"


def _user(tax_id: str, login: str) -> tuple[Any, int]:
    firm = create_client(name=NAMES[tax_id], short_name=NAMES[tax_id], tax_id=tax_id)
    create_client_user(firm, login=login)
    return firm, firm.id


def _open(page: Any, login: str, document_id: int) -> None:
    login_in_browser(page, login, PASSWORD)
    page.goto(f"/documents/{document_id}/sign")
    expect(page.locator('[data-lk="pdf-preview"] canvas').first).to_be_visible()


def _choose_key(page: Any, p12: Path, password: str) -> None:
    page.set_input_files('[data-lk="key-file"]', str(p12))
    page.fill('[data-lk="key-password"]', password)


def _shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"lk-signing-{name}.png"), full_page=True)


def _settle(page: Any) -> None:
    """Wait until the page has rendered its PDF and sends nothing more: the next test empties
    the tables, and a request still running in the live server would deadlock with that on
    PostgreSQL."""
    expect(page.locator('[data-lk="pdf-preview"][data-pages]')).to_have_count(1)
    page.wait_for_load_state("networkidle")


def _fits(page: Any, width: int) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"the page is {scroll} px wide on a {width} px screen"


# --- the demo client's walk -----------------------------------------------------------------------

def test_demo_client_signs_and_sends_and_the_key_never_travels(portal, make_page, demo_pki,
                                                                supplier_act):
    _firm, client_id = _user(ROMASHKA, "vk123")
    document_id = issue_act(portal, client_id, supplier_act, "АП-123-2026-10")
    romashka = demo_pki.identity("romashka")
    page = make_page(width=1366, height=900)
    traffic = Traffic(page)
    login_in_browser(page, "vk123", PASSWORD)

    page.goto("/documents")
    page.locator('[data-lk="sign-link"]').click()  # «Подписать» in the document's row
    expect(page.locator('[data-lk="status"]')).to_have_text("Ожидает подписи")
    expect(page.locator('[data-lk="pdf-preview"] canvas').first).to_be_visible()
    expect(page.locator('[data-lk="signature"]')).to_have_count(1)  # the supplier's, already there
    expect(page.locator('[data-lk="signature"]').first).to_contain_text("Действительна")
    _choose_key(page, romashka.p12, romashka.password)
    page.locator('[data-lk="open-key"]').click()
    certificate = page.locator('[data-lk="certificate"]')
    expect(certificate).to_contain_text("Иванова Мария Сергеевна")
    expect(certificate).to_contain_text("ООО «Ромашка»")
    expect(certificate).to_contain_text(ROMASHKA)
    expect(page.locator('[data-lk="cert-verdict"]')).to_have_text("Этим сертификатом можно подписать документ.")
    _shot(page, "before-1366")

    page.locator('[data-lk="sign"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Подписан", timeout=30_000)
    # "After": the signed PDF and every signature's report.
    expect(page.locator('[data-lk="signature"]')).to_have_count(2)
    expect(page.locator('[data-lk="signature"]').nth(1)).to_contain_text("Иванова Мария Сергеевна")
    expect(page.locator('[data-lk="signature"]').nth(1)).to_contain_text("Действительна")
    expect(page.locator('[data-lk="pdf-preview"] canvas').first).to_be_visible()
    _shot(page, "after-1366")

    page.locator('[data-lk="send"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Получен", timeout=30_000)
    expect(page.locator('[data-lk="pdf-preview"] canvas').first).to_be_visible()
    _shot(page, "received-1366")
    page.goto("/documents")
    expect(page.locator("#documents tbody tr").first).to_contain_text("Получен")

    starts, finishes = traffic.posts("/signing"), traffic.posts("/signing/")
    assert len(starts) == 2 and len(finishes) == 1  # start + finish; then the send
    assert set(json.loads(finishes[0][2])) == {"signature"}
    traffic.assert_never_sent(romashka.p12.read_bytes(), romashka.password)
    assert document_state(db.session, document_id)[0] == "received"
    page.wait_for_load_state("networkidle")


def test_sign_and_send_in_one_step_on_a_phone(portal, make_page, demo_pki, supplier_act):
    _firm, client_id = _user(GP5, "vk905")
    document_id = issue_act(portal, client_id, supplier_act, "АП-905-2026-10")
    gp5 = demo_pki.identity("gp5")  # an ECDSA P-256 key
    page = make_page(width=390, height=844, is_mobile=True, has_touch=True)
    traffic = Traffic(page)
    _open(page, "vk905", document_id)
    _fits(page, 390)
    _shot(page, "before-390")
    _choose_key(page, gp5.p12, gp5.password)
    page.locator('[data-lk="sign-and-send"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Получен", timeout=30_000)
    expect(page.locator('[data-lk="signature"]')).to_have_count(2)
    expect(page.locator('[data-lk="pdf-preview"] canvas').first).to_be_visible()
    _fits(page, 390)
    _shot(page, "received-390")
    traffic.assert_never_sent(gp5.p12.read_bytes(), gp5.password)
    _settle(page)


# --- PKCS#12 files as real tools export them ------------------------------------------------------------

SIGNABLE = ["openssl3", "legacy", "legacy-3des", "nomac", "no-chain", "cyrillic", "ecdsa",
            "ecdsa-legacy"]


@pytest.mark.parametrize("variant", SIGNABLE)
def test_pkcs12_variant_signs(portal, make_page, p12_variants, supplier_act, variant):
    p12 = p12_variants[variant]
    _firm, client_id = _user(p12.tax_id, "signer")
    document_id = issue_act(portal, client_id, supplier_act, f"АП-{variant}")
    page = make_page()
    _open(page, "signer", document_id)
    _choose_key(page, p12.path, p12.password)
    page.locator('[data-lk="sign"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Подписан", timeout=30_000)
    client_signature = page.locator('[data-lk="signature"]').nth(1)
    expect(client_signature).to_contain_text("Действительна")
    expect(client_signature).to_contain_text("сертификат выдан доверенным УЦ")
    assert document_state(db.session, document_id)[0] == "signed"
    _settle(page)


REFUSED = [
    ("p384", None, "ECDSA P-384"),
    ("no-key", None, "нет закрытого ключа"),
    ("no-cert", None, "нет сертификата"),
    ("openssl3", "wrong-password", "Пароль не подходит"),
    ("nomac", "wrong-password", "Пароль не подходит"),
]


@pytest.mark.parametrize("variant,password,reason", REFUSED,
                         ids=["p384", "no-key", "no-cert", "wrong-password", "nomac-wrong-password"])
def test_pkcs12_refused_with_its_reason(portal, make_page, p12_variants, supplier_act, variant,
                                        password, reason):
    p12 = p12_variants[variant]
    _firm, client_id = _user(p12.tax_id, "signer")
    document_id = issue_act(portal, client_id, supplier_act, f"АП-refused-{variant}")
    before = document_state(db.session, document_id)
    page = make_page()
    traffic = Traffic(page)
    _open(page, "signer", document_id)
    _choose_key(page, p12.path, password or p12.password)
    page.locator('[data-lk="sign"]').click()
    expect(page.locator('[data-lk="message"]')).to_contain_text(reason, timeout=30_000)
    assert traffic.posts("/documents/") == []
    assert document_state(db.session, document_id) == before
    _settle(page)


def test_revoked_and_foreign_certificates_refused_before_signing(portal, make_page, demo_pki,
                                                                 supplier_act):
    _firm, client_id = _user(ROMASHKA, "vk123")
    document_id = issue_act(portal, client_id, supplier_act, "АП-refusals")
    before = document_state(db.session, document_id)
    page = make_page()
    traffic = Traffic(page)
    _open(page, "vk123", document_id)
    # Another client's certificate: refused in the page, nothing is asked of the portal.
    zmk = demo_pki.identity("zmk")
    _choose_key(page, zmk.p12, zmk.password)
    page.locator('[data-lk="sign"]').click()
    expect(page.locator('[data-lk="message"]')).to_contain_text("выдан на ИНН 5029012343")
    expect(page.locator('[data-lk="cert-verdict"]')).to_contain_text("подписать им этот документ нельзя")
    assert traffic.posts("/documents/") == []
    # A revoked certificate (as the CRL index knows): the portal refuses it before preparing.
    revoked = demo_pki.identity("romashka-revoked")
    _choose_key(page, revoked.p12, revoked.password)
    page.locator('[data-lk="sign"]').click()
    expect(page.locator('[data-lk="message"]')).to_contain_text("отозван", timeout=30_000)
    expect(page.locator('[data-lk="cert-verdict"]')).to_contain_text("отозван")
    _shot(page, "revoked-1280")
    assert [r[1].endswith("/signing") for r in traffic.posts("/documents/")] == [True]
    assert document_state(db.session, document_id) == before
    assert db.session.scalar(db.select(db.func.count(SigningSession.id))) == 0
    expect(page.locator('[data-lk="status"]')).to_have_text("Ожидает подписи")
    _settle(page)


# --- a send that fails on the server -------------------------------------------------------------------

@pytest.fixture()
def failing_send() -> Iterator[dict[str, Any]]:
    """A fault injected through the send-handler registry (the test's, not the product's):
    the first ``fail`` sends of a reconciliation act wait for ``gate`` and then raise; later ones
    do what the portal does without a handler."""
    control: dict[str, Any] = {"fail": 1, "calls": 0, "gate": threading.Event()}

    def handler(context: ops.SendContext) -> None:
        control["calls"] += 1
        if control["calls"] <= control["fail"]:
            control["gate"].wait(20)
            raise RuntimeError("fault injected by the test")
        ops.receive_if_valid(context)

    previous = ops.register_send_handler(DocumentKind.RECONCILIATION_ACT, handler)
    try:
        yield control
    finally:
        if previous is None:
            ops.unregister_send_handler(DocumentKind.RECONCILIATION_ACT)
        else:
            ops.register_send_handler(DocumentKind.RECONCILIATION_ACT, previous)


def _signed_page(portal: Any, make_page: Any, demo_pki: Any, supplier_act: bytes,
                 number: str) -> tuple[Any, int]:
    _firm, client_id = _user(ROMASHKA, "vk123")
    document_id = issue_act(portal, client_id, supplier_act, number)
    romashka = demo_pki.identity("romashka")
    page = make_page()
    _open(page, "vk123", document_id)
    _choose_key(page, romashka.p12, romashka.password)
    page.locator('[data-lk="sign"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Подписан", timeout=30_000)
    return page, document_id


def test_a_failed_send_shows_progress_then_retry_succeeds(portal, make_page, demo_pki,
                                                          supplier_act, failing_send):
    page, document_id = _signed_page(portal, make_page, demo_pki, supplier_act, "АП-retry")
    page.locator('[data-lk="send"]').click()
    expect(page.locator('[data-lk="send-progress"]')).to_be_visible()  # the row shows progress
    expect(page.locator('[data-lk="send"]')).to_be_hidden()
    _shot(page, "sending-1280")
    failing_send["gate"].set()
    expect(page.locator('[data-lk="retry"]')).to_be_visible(timeout=30_000)
    expect(page.locator('[data-lk="cancel"]')).to_be_visible()
    expect(page.locator('[data-lk="send-progress"]')).to_be_hidden()
    expect(page.locator('[data-lk="message"]')).to_contain_text("Отправить документ не удалось")
    _shot(page, "send-failed-1280")
    assert document_state(db.session, document_id)[0] == "signed"
    page.locator('[data-lk="retry"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Получен", timeout=30_000)
    assert failing_send["calls"] == 2
    _settle(page)


def test_a_failed_send_then_cancel_restores_the_document(portal, make_page, demo_pki, supplier_act,
                                                         failing_send):
    failing_send["fail"] = 99
    failing_send["gate"].set()
    _firm, client_id = _user(ROMASHKA, "vk123")
    document_id = issue_act(portal, client_id, supplier_act, "АП-cancel")
    issued = document_state(db.session, document_id)
    romashka = demo_pki.identity("romashka")
    page = make_page()
    _open(page, "vk123", document_id)
    _choose_key(page, romashka.p12, romashka.password)
    page.locator('[data-lk="sign-and-send"]').click()
    expect(page.locator('[data-lk="retry"]')).to_be_visible(timeout=30_000)
    assert document_state(db.session, document_id)[0] == "signed"
    page.locator('[data-lk="cancel"]').click()
    expect(page.locator('[data-lk="status"]')).to_have_text("Ожидает подписи", timeout=30_000)
    expect(page.locator('[data-lk="key-file"]')).to_be_visible()
    expect(page.locator('[data-lk="signature"]')).to_have_count(1)
    assert document_state(db.session, document_id) == issued
    _settle(page)
