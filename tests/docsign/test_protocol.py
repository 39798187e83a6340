"""The staged signing protocol over HTTP, as accounting software holding its own key uses it
(and the signing page's script does): start with the certificate chain, sign the returned
signed attributes, finish with the signature value only; then send or cancel.

The keys are held by the test (RSA PKCS#1 v1.5, RSA-PSS, ECDSA P-256 from the demo PKI);
the portal runs for real on its test database with the demo CRL/OCSP/TSA on loopback.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import time_machine
from asn1crypto import cms

from documents import render_limit_request
from lk_corporate.core.audit import Actor, AuditEntry
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import run_now, wait_idle
from lk_corporate.core.rights import CLIENT_ACCOUNTANT
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.demo.samples import sample_limit_request
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import issue_document
from lk_corporate.docsign import operations as ops
from lk_corporate.docsign.models import SessionStatus, SigningSession
from signing.remote import Scheme
from tests.clients.helpers import as_client_user
from tests.docsign.fixtures import (
    GP5,
    ROMASHKA,
    ZMK,
    browser_sign,
    client_key,
    document_state,
    issue_act,
)
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.support.factories import create_client, create_supplier

B64 = base64.b64encode


def _b64(data: bytes) -> str:
    return B64(data).decode("ascii")


class Api:
    """A logged-in client user talking JSON to the signing endpoints, with the CSRF header the
    page's script sends."""

    def __init__(self, client: Any, document_id: int) -> None:
        self.client = client
        self.document_id = document_id
        page = client.get(f"/documents/{document_id}/sign")
        assert page.status_code == 200, page.status_code
        self.token = re.search(r'data-csrf="([^"]+)"', page.get_data(as_text=True)).group(1)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"/documents/{self.document_id}{path}", json=body,
                                headers={"X-CSRFToken": self.token})

    def start(self, chain: tuple[bytes, ...], **extra: Any) -> Any:
        return self.post("/signing", {"certificates": [_b64(c) for c in chain], **extra})

    def finish(self, session: str, signature: bytes) -> Any:
        return self.post(f"/signing/{session}", {"signature": _b64(signature)})


@pytest.fixture()
def firm(session: Any) -> Any:
    create_supplier()
    return create_client(name="ООО «Ромашка»", short_name="ООО «Ромашка»", tax_id=ROMASHKA)


def _signed(api: Api, key: Any, chain: tuple[bytes, ...], scheme: str = Scheme.RSA_PKCS1) -> Any:
    started = api.start(chain, **({"signature_algorithm": scheme} if scheme == Scheme.RSA_PSS else {}))
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    return api.finish(body["session"], browser_sign(key, base64.b64decode(body["to_be_signed"]), scheme))


CASES = [("romashka", ROMASHKA, Scheme.RSA_PKCS1), ("romashka", ROMASHKA, Scheme.RSA_PSS),
         ("gp5", GP5, Scheme.ECDSA)]


@pytest.mark.parametrize("name,tax_id,scheme", CASES, ids=["rsa-pkcs1", "rsa-pss", "ecdsa-p256"])
def test_api_signs_with_a_key_the_caller_holds(app, client, session, signing_config, demo_pki,
                                               supplier_act, nss_db, tmp_path, name, tax_id,
                                               scheme):
    create_supplier()
    firm = create_client(tax_id=tax_id)
    document_id = issue_act(app, firm.id, supplier_act, f"АП-{name}-{scheme}")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, name)

    started = api.start(chain, **({"signature_algorithm": scheme} if scheme == Scheme.RSA_PSS else {}))
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["signature_algorithm"] == scheme and body["digest_algorithm"] == "SHA-256"
    assert set(body) >= {"session", "to_be_signed", "webcrypto", "expires_at"}
    tbs = base64.b64decode(body["to_be_signed"])
    cms.CMSAttributes.load(tbs).native  # noqa: B018 - the DER signed attributes, nothing else
    assert document_state(session, document_id)[0] == "awaiting_signature"  # nothing moved yet

    finished = api.finish(body["session"], browser_sign(key, tbs, scheme))
    assert finished.status_code == 201, finished.get_json()
    doc = finished.get_json()
    assert doc["status"] == "signed" and doc["status_label"] == "Подписан"
    assert doc["signing"]["level"] == "B-T" and not doc["signing"]["upgrade_pending"]
    client_sig = next(s for s in doc["signatures"] if s["field"] == "client")
    assert client_sig["indication"] == "TOTAL-PASSED" and client_sig["authorized"] is True
    assert client_sig["level"] == "B-T"
    supplier_sig = next(s for s in doc["signatures"] if s["field"] == "supplier")
    assert supplier_sig["indication"] == "TOTAL-PASSED" and supplier_sig["changes_after"] == "signatures"

    db.session.expire_all()
    document = db.session.get(Document, document_id)
    revision = document.current_revision
    assert revision.source is RevisionSource.CLIENT_SIGNATURE and revision.verdict == "TOTAL-PASSED"
    pdf = tmp_path / "signed.pdf"
    pdf.write_bytes(FileStore(Path(app.config["LK_STORAGE_DIR"])).get(revision.sha256))
    assert_pdfsig_all_valid(pdf, nss_db, expected=2)  # poppler agrees: both signatures valid

    sent = api.post("/send", {"idempotency_key": "k-1"})
    assert sent.status_code == 200, sent.get_json()
    assert sent.get_json()["status"] == "received" and sent.get_json()["status_label"] == "Получен"


def test_a_chain_sent_without_its_issuers_is_completed(app, client, session, firm, signing_config,
                                                       demo_pki, supplier_act):
    document_id = issue_act(app, firm.id, supplier_act, "АП-leaf-only")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    started = api.start(chain[:1])
    assert started.status_code == 201 and started.get_json()["chain_length"] == 3
    body = started.get_json()
    done = api.finish(body["session"], browser_sign(key, base64.b64decode(body["to_be_signed"]),
                                                    Scheme.RSA_PKCS1))
    client_sig = next(s for s in done.get_json()["signatures"] if s["field"] == "client")
    assert client_sig["indication"] == "TOTAL-PASSED" and client_sig["trusted"]


def test_a_second_finish_of_one_session_changes_nothing(app, client, session, firm, signing_config,
                                                        demo_pki, supplier_act):
    document_id = issue_act(app, firm.id, supplier_act, "АП-twice")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    body = api.start(chain).get_json()
    signature = browser_sign(key, base64.b64decode(body["to_be_signed"]), Scheme.RSA_PKCS1)
    assert api.finish(body["session"], signature).status_code == 201
    after_first = document_state(session, document_id)
    again = api.finish(body["session"], signature)
    assert again.status_code == 200 and again.get_json()["status"] == "signed"
    other = browser_sign(key, base64.b64decode(body["to_be_signed"]) + b"x", Scheme.RSA_PKCS1)
    refused = api.finish(body["session"], other)
    assert refused.status_code == 422 and refused.get_json()["code"] == "session_finished"
    assert document_state(session, document_id) == after_first
    actions = db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.object_id == str(document_id))).all()
    assert actions.count("document.signed") == 1


def test_a_session_expires(app, client, session, firm, signing_config, demo_pki, supplier_act):
    document_id = issue_act(app, firm.id, supplier_act, "АП-late")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    body = api.start(chain).get_json()
    signature = browser_sign(key, base64.b64decode(body["to_be_signed"]), Scheme.RSA_PKCS1)
    before = document_state(session, document_id)
    with time_machine.travel(db.session.scalar(db.select(SigningSession.expires_at)), tick=False):
        late = api.finish(body["session"], signature)
    assert late.status_code == 422 and late.get_json()["code"] == "session_expired"
    assert document_state(session, document_id) == before
    # The hourly job drops what an abandoned session kept (a prepared copy of the document).
    assert len(db.session.scalar(db.select(SigningSession.state))) > 0
    with time_machine.travel(db.session.scalar(db.select(SigningSession.expires_at)), tick=False):
        assert run_now(ops.FORGET_JOB) == 1
    db.session.expire_all()
    assert db.session.scalar(db.select(SigningSession.state)) == b""


def test_a_wrong_signature_stores_nothing_and_the_right_one_still_can(app, client, session, firm,
                                                                      signing_config, demo_pki,
                                                                      supplier_act):
    document_id = issue_act(app, firm.id, supplier_act, "АП-wrong")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    other_key, _ = client_key(demo_pki, "zmk")
    body = api.start(chain).get_json()
    tbs = base64.b64decode(body["to_be_signed"])
    bad = api.finish(body["session"], browser_sign(other_key, tbs, Scheme.RSA_PKCS1))
    assert bad.status_code == 422 and bad.get_json()["code"] == "bad_signature"
    assert document_state(session, document_id)[0] == "awaiting_signature"
    good = api.finish(body["session"], browser_sign(key, tbs, Scheme.RSA_PKCS1))
    assert good.status_code == 201


REFUSALS = [
    # (identity, the client's tax ID, code, words of the message)
    ("zmk-expired", ZMK, "certificate_expired", "истёк"),
    ("zmk", ROMASHKA, "certificate_not_authorized", "5029012343"),
    ("romashka-revoked", ROMASHKA, "certificate_revoked", "отозван"),
    ("gp5-untrusted", GP5, "certificate_untrusted", "не доверяет"),
]


@pytest.mark.parametrize("name,tax_id,code,words", REFUSALS,
                         ids=["expired", "another-client", "revoked", "untrusted"])
def test_refused_before_signing_nothing_changes(app, client, session, signing_config, demo_pki,
                                                supplier_act, name, tax_id, code, words):
    create_supplier()
    firm = create_client(tax_id=tax_id)
    document_id = issue_act(app, firm.id, supplier_act, f"АП-{name}")
    as_client_user(client, firm)
    api = Api(client, document_id)
    _key, chain = client_key(demo_pki, name)
    before = document_state(session, document_id)
    refused = api.start(chain)
    assert refused.status_code == 422, refused.get_json()
    assert refused.get_json()["code"] == code and words in refused.get_json()["message"]
    assert document_state(session, document_id) == before
    assert db.session.scalar(db.select(db.func.count(SigningSession.id))) == 0


def test_garbage_is_refused_with_json(app, client, session, firm, signing_config, supplier_act):
    document_id = issue_act(app, firm.id, supplier_act, "АП-garbage")
    as_client_user(client, firm)
    api = Api(client, document_id)
    for body, code in (({"certificates": ["not base64!"]}, "invalid_request"),
                       ({"certificates": [_b64(b"0\x03\x02\x01\x00")]}, "certificate_unreadable"),
                       ({"certificates": []}, "certificate_unreadable"),
                       ([1, 2], "invalid_request"),
                       ({"certificates": "x"}, "invalid_request")):
        r = api.post("/signing", body)
        assert r.status_code == 422 and r.get_json()["code"] == code, (body, r.get_json())
    r = api.post("/signing/nonexistent", {"signature": _b64(b"x")})
    assert r.status_code == 404 and r.is_json
    no_csrf = client.post(f"/documents/{document_id}/signing", json={"certificates": []})
    assert no_csrf.status_code == 400


def test_send_is_idempotent_and_cancel_restores(app, client, session, firm, signing_config,
                                                demo_pki, supplier_act):
    key, chain = client_key(demo_pki, "romashka")
    as_client_user(client, firm)
    # Cancel: back to «Ожидает подписи» with the file as issued; then it can be signed again.
    first = issue_act(app, firm.id, supplier_act, "АП-cancel")
    api = Api(client, first)
    issued = document_state(session, first)
    assert _signed(api, key, chain).status_code == 201
    # The page after signing: Send and Cancel come disabled, for signing.js to enable once it
    # has wired them (a click while the page still loads would otherwise do nothing).
    page = client.get(f"/documents/{first}/sign").get_data(as_text=True)
    for hook in ("send", "cancel", "retry"):
        assert re.search(rf'<button[^>]*data-lk="{hook}" disabled>', page), hook
    cancelled = api.post("/cancel-signature", {})
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "awaiting_signature"
    assert document_state(session, first) == issued
    assert db.session.scalar(db.select(SigningSession.status)) is SessionStatus.DISCARDED
    assert api.post("/cancel-signature", {}).get_json()["code"] == "not_signed"
    assert _signed(api, key, chain).status_code == 201
    # Send twice with one key: the second changes nothing and answers the same.
    sent = api.post("/send", {"idempotency_key": "send-1"})
    assert sent.status_code == 200 and sent.get_json()["status"] == "received"
    after = document_state(session, first)
    again = api.post("/send", {"idempotency_key": "send-1"})
    assert again.status_code == 200 and again.get_json()["status"] == "received"
    assert document_state(session, first) == after
    other = client.post(f"/documents/{first}/send", headers={
        "X-CSRFToken": api.token, "Accept": "application/json", "Idempotency-Key": "send-2"})
    assert other.status_code == 422 and other.get_json()["code"] == "not_signed"
    received = db.session.scalars(db.select(AuditEntry.action).where(
        AuditEntry.object_id == str(first), AuditEntry.action == "document.received")).all()
    assert len(received) == 1
    history = client.get(f"/documents/{first}").get_data(as_text=True)
    assert "Подписание начато" in history and "Документ получен" in history


def test_send_rejects_with_the_reason_in_words(app, client, session, firm, signing_config, demo_pki,
                                               supplier_act):
    """The client's tax ID changed after signing: the signature no longer signs for it."""
    document_id = issue_act(app, firm.id, supplier_act, "АП-reject")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    assert _signed(api, key, chain).status_code == 201
    firm.tax_id = "7701234560"
    db.session.commit()
    sent = api.post("/send", {})
    assert sent.status_code == 200, sent.get_json()
    doc = sent.get_json()
    assert doc["status"] == "rejected" and "не на ИНН клиента" in doc["status_reason"]


def test_send_waits_while_revocation_cannot_be_checked(app, client, session, firm, signing_config,
                                                       demo_pki, supplier_act, monkeypatch,
                                                       tmp_path):
    document_id = issue_act(app, firm.id, supplier_act, "АП-later")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    assert _signed(api, key, chain).status_code == 201
    monkeypatch.setitem(app.config, "LK_CRL_INDEX", str(tmp_path / "no-index.sqlite3"))
    later = api.post("/send", {"idempotency_key": "x"})
    assert later.status_code == 422 and later.get_json()["code"] == "try_later"
    assert document_state(session, document_id)[0] == "signed"


def test_a_registered_send_handler_decides(app, client, session, firm, signing_config, demo_pki,
                                           supplier_act):
    from lk_corporate.docflow.states import transition

    seen = []

    def accept(context: ops.SendContext) -> None:
        seen.append(context.signature.indication.value if context.signature else None)
        transition(context.session, context.document, DocumentStatus.RECEIVED, actor=context.actor)
        transition(context.session, context.document, DocumentStatus.ACCEPTED, actor=context.actor)

    document_id = issue_act(app, firm.id, supplier_act, "АП-handler")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    assert _signed(api, key, chain).status_code == 201
    previous = ops.register_send_handler(DocumentKind.RECONCILIATION_ACT, accept)
    try:
        sent = api.post("/send", {})
    finally:
        if previous is None:
            ops.unregister_send_handler(DocumentKind.RECONCILIATION_ACT)
        else:
            ops.register_send_handler(DocumentKind.RECONCILIATION_ACT, previous)
    assert sent.get_json()["status"] == "accepted" and seen == ["TOTAL-PASSED"]


def test_tsa_down_signs_at_b_b_and_the_job_completes_it(app, client, session, firm, signing_config,
                                                        demo_pki, supplier_act, monkeypatch):
    document_id = issue_act(app, firm.id, supplier_act, "АП-tsa-down")
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    monkeypatch.setitem(app.config, "LK_TSA_URL", "http://127.0.0.1:9/tsa")  # nothing listens
    done = _signed(api, key, chain)
    assert done.status_code == 201, done.get_json()
    assert wait_idle(app)  # the completion job the finish dispatched: the TSA is still down
    assert done.get_json()["signing"] == {**done.get_json()["signing"], "level": "B-B",
                                          "upgrade_pending": True}
    page = client.get(f"/documents/{document_id}/sign").get_data(as_text=True)
    assert 'data-lk="completion-pending"' in page and "без штампа времени" in page
    with app.app_context():
        assert run_now(ops.UPGRADE_JOB) == 0  # the TSA is still down: nothing to store
    monkeypatch.setitem(app.config, "LK_TSA_URL", demo_pki.tsa_url)
    with app.app_context():
        assert run_now(ops.UPGRADE_JOB) == 1
    assert 'data-lk="completion-pending"' not in client.get(f"/documents/{document_id}/sign").get_data(as_text=True)
    db.session.expire_all()
    document = db.session.get(Document, document_id)
    assert [r.source for r in document.revisions][-2:] == [RevisionSource.CLIENT_SIGNATURE,
                                                          RevisionSource.UPGRADE]
    report = json.loads(document.current_revision.report)
    client_sig = next(s for s in report["signatures"] if s["field_name"] == "client")
    assert client_sig["pades_level"] == "B-T" and client_sig["indication"] == "TOTAL-PASSED"
    assert document.status is DocumentStatus.SIGNED
    assert db.session.scalar(db.select(SigningSession.upgrade_pending)) is False
    # Cancelling now discards the signature and its completion together.
    assert api.post("/cancel-signature", {}).get_json()["revisions"][-1]["source"] == "issued"


def test_scope_and_rights(app, client, session, firm, signing_config, demo_pki, supplier_act):
    other = create_client(tax_id="7700000018")
    foreign = issue_act(app, other.id, supplier_act, "АП-foreign")
    own = issue_act(app, firm.id, supplier_act, "АП-own")
    as_client_user(client, firm, roles=(CLIENT_ACCOUNTANT,))  # may view, may not sign
    assert client.get(f"/documents/{own}/sign").status_code == 403
    assert client.post(f"/documents/{own}/signing", json={}).status_code in (400, 403)
    list_page = client.get("/documents").get_data(as_text=True)
    assert 'data-lk="sign-link"' not in list_page
    signer_client = app.test_client()
    as_client_user(signer_client, firm)
    assert signer_client.get(f"/documents/{foreign}/sign").status_code == 404
    listing = signer_client.get("/documents").get_data(as_text=True)
    assert f'href="/documents/{own}/sign"' in listing and "Подписать" in listing
    detail = signer_client.get(f"/documents/{own}").get_data(as_text=True)
    assert f'href="/documents/{own}/sign"' in detail


def test_the_page_shows_the_document_and_its_signatures(app, client, session, firm, signing_config,
                                                        supplier_act):
    document_id = issue_act(app, firm.id, supplier_act, "АП-page")
    as_client_user(client, firm)
    page = client.get(f"/documents/{document_id}/sign").get_data(as_text=True)
    for hook in ("key-file", "key-password", "sign", "sign-and-send", "send", "retry", "cancel",
                 "status", "pdf-preview"):
        assert f'data-lk="{hook}"' in page, hook
    assert "Ожидает подписи" in page and "Смирнов Алексей Викторович" in page  # the supplier
    assert "Действительна" in page
    assert 'name="' not in page.split('data-lk="key-form"')[1].split("</form>")[0]


def test_the_first_signature_certifies_a_document_the_client_signs_first(app, client, session,
                                                                          firm, signing_config,
                                                                          demo_pki):
    """A limit request: the client signs first, so the client's signature certifies it
    (further signatures only), and the supplier's field stays signable."""
    with unit_of_work() as s:
        document_id = issue_document(
            s, FileStore(Path(app.config["LK_STORAGE_DIR"])), kind=DocumentKind.LIMIT_REQUEST,
            number="ЗЛ-1", client_id=firm.id, period_id=None, date=dt.date(2026, 11, 1),
            pdf=render_limit_request(sample_limit_request()), actor=Actor.system("tests")).document.id
    as_client_user(client, firm)
    api = Api(client, document_id)
    key, chain = client_key(demo_pki, "romashka")
    assert _signed(api, key, chain).status_code == 201
    db.session.expire_all()
    report = json.loads(db.session.get(Document, document_id).current_revision.report)
    (signature,) = report["signatures"]
    assert signature["field_name"] == "client" and signature["certification_level"] == 2
    assert signature["indication"] == "TOTAL-PASSED"
