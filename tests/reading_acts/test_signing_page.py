"""A reading act signed on the portal's own signing page (``docsign``) and sent: the same
acceptance as an uploaded act — the supplier's signature «Принято к расчёту», the readings
accepted — and, without the supplier's key, «Получен» waiting for a supplier signer.

The key is held by the test and the page's JSON protocol is driven as its script drives it
(the browser itself: tests/browser/test_signing.py).
"""

from __future__ import annotations

import base64

import pytest
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.readings.models import Reading, ReadingStatus
from signing.remote import Scheme
from tests.clients.helpers import as_client_user
from tests.docsign.fixtures import browser_sign, client_key, configure
from tests.docsign.test_protocol import Api
from tests.reading_acts.test_upload import TAX_IDS
from tests.readings.helpers import full_entries, make_world, submit
from tests.signing.helpers import assert_pdfsig_all_valid


@pytest.fixture()
def act(pki_app, demo_pki, crl_index, tmp_path, monkeypatch) -> ReadingAct:
    configure(pki_app.config, demo_pki, crl_index, monkeypatch)
    world = make_world(tmp_path, tax_id=TAX_IDS["romashka"])
    world.store = context.file_store()
    done = submit(world, full_entries(world))
    return db.session.get(ReadingAct, done.act.id)


def _sign_and_send(client, act: ReadingAct, demo_pki) -> dict:
    as_client_user(client, act.document.client)
    page = client.get(f"/reading-acts/{act.document_id}").get_data(as_text=True)
    assert f'href="/documents/{act.document_id}/sign" data-lk="sign-link"' in page
    api = Api(client, act.document_id)
    key, chain = client_key(demo_pki, "romashka")
    started = api.start(chain)
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    signature = browser_sign(key, base64.b64decode(body["to_be_signed"]), Scheme.RSA_PKCS1)
    assert api.finish(body["session"], signature).status_code == 201
    sent = api.post("/send", {"idempotency_key": "act-send"})
    assert sent.status_code == 200, sent.get_json()
    return sent.get_json()


def _readings(act: ReadingAct) -> set[ReadingStatus]:
    db.session.expire_all()
    return set(db.session.scalars(select(Reading.status).where(Reading.document_id == act.document_id)))


def test_signed_on_the_page_it_is_accepted_like_an_upload(client, act, demo_pki, nss_db,
                                                          tmp_path):
    assert _readings(act) == {ReadingStatus.PENDING}
    sent = _sign_and_send(client, act, demo_pki)
    assert sent["status"] == "accepted"
    db.session.expire_all()
    document = db.session.get(Document, act.document_id)
    assert document.status is DocumentStatus.ACCEPTED
    assert db.session.get(ReadingAct, act.id).calculation_number == "1/2026"
    assert _readings(act) == {ReadingStatus.ACCEPTED}
    final = client.get(f"/reading-acts/{act.document_id}/file").data
    path = tmp_path / "accepted.pdf"
    path.write_bytes(final)
    assert_pdfsig_all_valid(path, nss_db, expected=2)  # the client's and the acceptance


def test_without_the_suppliers_key_it_waits_received(client, act, demo_pki, monkeypatch):
    monkeypatch.setitem(client.application.config, "LK_SUPPLIER_P12", "")
    monkeypatch.setitem(client.application.config, "LK_SUPPLIER_P12_PASSWORD_FILE", "")
    monkeypatch.setitem(client.application.config, "LK_PKI_DIR", "/nonexistent")
    assert _sign_and_send(client, act, demo_pki)["status"] == "received"
    assert _readings(act) == {ReadingStatus.PENDING}
