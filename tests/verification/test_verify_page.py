"""The public verification page: any PDF in, the report out (page, JSON or PDF), nothing
stored; tampered, foreign, huge and hostile files answered with a clear message; a file the
portal issued recognised and linked to its public summary."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from lk_corporate.core.audit import Actor
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.operations import issue_document, new_public_token
from tests.support.factories import create_client, create_client_user, create_supplier, login
from tests.support.snapshots import row_counts


@pytest.fixture()
def portal(clean_app, demo_pki, monkeypatch):
    monkeypatch.setitem(clean_app.config, "LK_TRUST_ROOTS", str(demo_pki.root_pem))
    monkeypatch.setitem(clean_app.config, "LK_PKI_DIR", str(demo_pki.directory))
    create_supplier()
    return clean_app


def _post(client, data: bytes, name: str = "act.pdf", **fields: str):
    return client.post("/verify", data={"file": (io.BytesIO(data), name), **fields},
                       content_type="multipart/form-data")


def test_a_valid_file_is_explained_and_nothing_is_stored(portal, client, sign_sample):
    # B-LT: the revocation data travels in the file (the portal never fetches any).
    signed = sign_sample("B-LT")
    before = row_counts()
    page = _post(client, signed)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'data-lk="verify-result"' in text and "TOTAL-PASSED" in text
    assert "Действительна" in text and "добавлены только данные для проверки" in text
    assert row_counts() == before


def test_json_for_scripts_without_a_csrf_token(portal, client, sign_sample):
    signed = sign_sample("B-LT", field_name="client", certify=True)
    r = client.post("/verify", data={"file": (io.BytesIO(signed), "a.pdf")},
                    headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert r.status_code == 200 and r.is_json
    body = r.get_json()
    assert body["indication"] == "TOTAL-PASSED" and body["all_passed"] is True
    assert body["report"]["signatures"][0]["signer"]["organization"]
    assert body["issued_by_portal"] is None


def test_a_tampered_file_fails(portal, client, sign_sample):
    signed = bytearray(sign_sample("B-B"))
    at = signed.index(b"Cyrillic") if b"Cyrillic" in signed else len(signed) // 3
    signed[at] ^= 0x01
    r = client.post("/verify", data={"file": (io.BytesIO(bytes(signed)), "t.pdf")},
                    headers={"Accept": "application/json"}, content_type="multipart/form-data")
    assert r.status_code in (200, 422)
    assert r.get_json().get("indication", "TOTAL-FAILED") != "TOTAL-PASSED"


@pytest.mark.parametrize("data, message", [
    (b"just text, not a PDF at all", "не PDF"),
    (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog", "повреждён"),
    (b"%PDF-1.7\n" + b"[" * 200_000 + b"\n%%EOF\n", "повреждён"),
])
def test_hostile_files_get_a_clear_message(portal, client, data, message):
    page = _post(client, data)
    assert page.status_code == 422
    assert message in page.get_data(as_text=True) or "подпис" in page.get_data(as_text=True)


def test_a_sixty_megabyte_file_is_refused_before_it_is_read(portal, client):
    data = b"%PDF-1.7\n" + b"0" * (60 * 1024 * 1024)
    r = client.post("/verify", data={"file": (io.BytesIO(data), "big.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 413


def test_a_file_the_portal_issued_is_recognised(portal, client, sign_sample):
    firm = create_client(name="ООО «Ромашка»")
    signed = sign_sample("B-B")
    token = new_public_token()
    with unit_of_work() as s:
        issue_document(s, FileStore(Path(portal.config["LK_STORAGE_DIR"])),
                       kind=DocumentKind.INVOICE, number="2026-000042", client_id=firm.id,
                       period_id=None, date=dt.date(2026, 11, 30), pdf=signed,
                       actor=Actor.system(), public_token=token)
    text = _post(client, signed).get_data(as_text=True)
    assert 'data-lk="issued-by-portal"' in text and "2026-000042" in text
    summary = client.get(f"/verify/invoice/{token}")
    assert summary.status_code == 200 and "ООО «Ромашка»" in summary.get_data(as_text=True)
    assert client.get("/verify/invoice/wrong-token").status_code == 404
    assert client.get(f"/verify/reading-act/{token}").status_code == 404
    # Its client, signed in, is offered the way into the portal.
    user = create_client_user(firm)
    login(client, user.login)
    assert "Открыть документ в портале" in client.get(f"/verify/invoice/{token}").get_data(
        as_text=True)


def test_the_report_as_pdf(portal, client, sign_sample, tmp_path):
    r = _post(client, sign_sample("B-LT"), format="pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    out = tmp_path / "report.pdf"
    out.write_bytes(r.data)
    import subprocess

    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True).stdout
    assert "Протокол проверки электронных подписей" in text and "TOTAL-PASSED" in text


def test_the_trust_kit(portal, client, demo_pki):
    page = client.get("/trust").get_data(as_text=True)
    assert "root-ca.pem" in page and "Adobe" in page
    cert = client.get("/trust/root-ca.pem")
    assert cert.status_code == 200 and cert.data == demo_pki.root_pem.read_bytes()
    assert client.get("/trust/secret_key").status_code == 404
