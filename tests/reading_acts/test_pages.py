"""The act's page: download, upload the signed file (multipart), the stored validation
report in plain words, the history; the staff's view with acceptance and rejection."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.reading_acts.operations import issued_file
from lk_corporate.readings.models import Reading, ReadingStatus
from tests.clients.helpers import as_client_user, as_staff, field_error
from tests.reading_acts.test_upload import TAX_IDS, _sign
from tests.readings.helpers import full_entries, make_world, submit
from tests.support.factories import csrf_token


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\xa0", " ")


@pytest.fixture()
def act(pki_app, tmp_path) -> ReadingAct:
    world = make_world(tmp_path, tax_id=TAX_IDS["romashka"])
    world.store = context.file_store()
    done = submit(world, full_entries(world))
    return db.session.get(ReadingAct, done.act.id)


def _upload(client: Any, act: ReadingAct, data: bytes, name: str = "signed.pdf") -> Any:
    page = client.get(f"/reading-acts/{act.document_id}").get_data(as_text=True)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page)
    token = csrf_token(client, f"/reading-acts/{act.document_id}")
    return client.post(f"/reading-acts/{act.document_id}/upload",
                       data={"csrf_token": token, "submission_id": submission.group(1),
                             "file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_the_client_signs_uploads_and_sees_it_accepted(client, act, demo_pki, pki_services):
    as_client_user(client, act.document.client)
    page = client.get(f"/reading-acts/{act.document_id}").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page and "Ожидает подписи" in _text(page)
    downloaded = client.get(f"/reading-acts/{act.document_id}/file").data
    assert downloaded == issued_file(context.file_store(), act.document)
    r = _upload(client, act, _sign(demo_pki, downloaded, "romashka"))
    assert r.status_code == 302, _text(r.get_data(as_text=True))[:3000]
    text = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    for expected in ("Акт № АП-2026-00001 подписан и принят к расчёту.", "Принят",
                     "Принят к расчёту, расчёт № 1/2026", "Подпись потребителя",
                     "Подпись поставщика о принятии", "Действительна (TOTAL-PASSED)",
                     "Иванова Мария Сергеевна", "Да: в сертификате указан ИНН клиента (7712345671)",
                     "Не нарушена", "Только последующие подписи", "Не отозван",
                     "Подписан клиентом", "Подписан поставщиком",
                     "Принято к расчёту, расчёт № 1/2026"):
        assert expected in text, expected
    final = client.get(f"/reading-acts/{act.document_id}/file").data
    assert final.startswith(downloaded) and final.count(b"/ByteRange") == 2
    report = client.get(f"/reading-acts/{act.document_id}/report")
    assert report.mimetype == "application/json" and b'"TOTAL-PASSED"' in report.data
    readings = _text(client.get("/readings").get_data(as_text=True))
    assert "Принято к расчёту" in readings


def test_a_refusal_is_shown_beside_the_file_field(client, act):
    as_client_user(client, act.document.client)
    r = _upload(client, act, issued_file(context.file_store(), act.document))
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "file") == (
        "В файле нет новой подписи. Подпишите акт (например, командой «lk sign … --field "
        "client») и загрузите подписанный файл.")
    r = _upload(client, act, b"GIF89a", name="photo.gif")
    assert field_error(r.get_data(as_text=True), "file") == \
        "Файл не является документом PDF. Загрузите подписанный акт (.pdf)."
    db.session.expire_all()
    assert db.session.get(Document, act.document_id).status is DocumentStatus.AWAITING_SIGNATURE


def test_a_rejection_says_why_and_the_readings_page_invites_a_new_submission(client, act,
                                                                           demo_pki):
    as_client_user(client, act.document.client)
    r = _upload(client, act, _sign(demo_pki, issued_file(context.file_store(), act.document),
                                   "zmk"))
    assert r.status_code == 302
    text = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "Отклонён: Сертификат Петров Сергей Николаевич не подписывает от имени ООО «Ромашка»" \
        in text
    assert "Передайте показания ещё раз" in text
    assert "Нет: в сертификате нет ИНН 7712345671" in text
    # the readings stay pending, and the page offers them again
    assert {r.status for r in db.session.scalars(
        select(Reading).where(Reading.document_id == act.document_id))} == {ReadingStatus.PENDING}
    readings = client.get("/readings").get_data(as_text=True)
    assert 'value="4600,12"' in readings and "Отклонён" in _text(readings)


def test_an_accountant_without_the_signing_right_cannot_upload(client, act, demo_pki):
    as_client_user(client, act.document.client, roles=(CLIENT_ACCOUNTANT,))
    page = client.get(f"/reading-acts/{act.document_id}").get_data(as_text=True)
    assert "upload-form" not in page and "Скачать акт (PDF)" in _text(page)
    assert "Акт подписывает уполномоченный подписант вашей организации" in _text(page)
    token = csrf_token(client, f"/reading-acts/{act.document_id}")
    r = client.post(f"/reading-acts/{act.document_id}/upload", data={"csrf_token": token})
    assert r.status_code == 403


def test_staff_accept_a_received_act_or_reject_its_readings(client, act, demo_pki, pki_app,
                                                            monkeypatch):
    monkeypatch.setitem(pki_app.config, "LK_READING_ACT_AUTO_ACCEPT", False)
    as_client_user(client, act.document.client)
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "romashka")
    assert _upload(client, act, signed).status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, act.document_id).status is DocumentStatus.RECEIVED
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    as_staff(client, SUPPLIER_SIGNER)
    url = f"/staff/clients/{act.client_id}/reading-acts/{act.document_id}"
    page = _text(client.get(url).get_data(as_text=True))
    assert "Принять к расчёту" in page and "Получен" in page
    r = client.post(f"{url}/accept", data={"csrf_token": csrf_token(client, url)})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, act.document_id).status is DocumentStatus.ACCEPTED
    assert "Акт № АП-2026-00001 принят к расчёту." in _text(client.get(url).get_data(as_text=True))
    listing = _text(client.get("/staff/reading-acts").get_data(as_text=True))
    assert "АП-2026-00001" in listing and "1/2026" in listing


def test_staff_reject_needs_a_reason(client, act, demo_pki, pki_app, monkeypatch):
    monkeypatch.setitem(pki_app.config, "LK_READING_ACT_AUTO_ACCEPT", False)
    as_client_user(client, act.document.client)
    _upload(client, act, _sign(demo_pki, issued_file(context.file_store(), act.document),
                               "romashka"))
    client.post("/logout", data={"csrf_token": csrf_token(client, "/profile")})
    as_staff(client, SUPPLIER_OPERATOR)
    url = f"/staff/clients/{act.client_id}/reading-acts/{act.document_id}"
    page = client.get(url).get_data(as_text=True)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    r = client.post(f"{url}/reject", data={"csrf_token": csrf_token(client, url),
                                           "submission_id": submission, "reason": " "})
    assert r.status_code == 422
    assert field_error(r.get_data(as_text=True), "reason") == \
        "Укажите причину отклонения: клиент увидит её."
    r = client.post(f"{url}/reject", data={"csrf_token": csrf_token(client, url),
                                           "submission_id": submission,
                                           "reason": "Показание дневной зоны не сходится с фото"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Document, act.document_id).status is DocumentStatus.REJECTED
    assert {r.status for r in db.session.scalars(
        select(Reading).where(Reading.document_id == act.document_id))} == {ReadingStatus.REJECTED}
