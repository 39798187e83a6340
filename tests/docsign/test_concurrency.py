"""Real concurrent requests against the live server: a double-clicked finish stores one
signature, a send repeated at the same moment with one idempotency key moves the document
once. Both answers are successes; the audit log has one move each."""

from __future__ import annotations

import base64
import re

from lk_corporate.core.audit import AuditEntry
from lk_corporate.core.extensions import db
from signing.remote import Scheme
from tests.docsign.fixtures import (
    ROMASHKA,
    browser_sign,
    client_key,
    configure,
    document_state,
    issue_act,
)
from tests.support.factories import PASSWORD, create_client, create_client_user, create_supplier
from tests.support.live import LiveSession, run_together


def _moves(document_id: int, action: str) -> int:
    db.session.expire_all()
    return len(db.session.scalars(db.select(AuditEntry.id).where(
        AuditEntry.object_id == str(document_id), AuditEntry.action == action)).all())


def test_double_finish_and_double_send_move_the_document_once(app, session, live_server, demo_pki,
                                                              pki_services, crl_index, supplier_act,
                                                              monkeypatch):
    configure(live_server.app.config, demo_pki, crl_index, monkeypatch)
    create_supplier()
    firm = create_client(tax_id=ROMASHKA)
    create_client_user(firm, login="twice")
    document_id = issue_act(app, firm.id, supplier_act, "АП-twice-live")
    browser = LiveSession(live_server)
    browser.login("twice", PASSWORD)
    token = re.search(r'data-csrf="([^"]+)"', browser.get(f"/documents/{document_id}/sign").text).group(1)
    base = f"{live_server.url}/documents/{document_id}"

    def post(path: str, body: dict) -> int:
        r = browser.http.post(base + path, json=body, timeout=60,
                              headers={"X-CSRFToken": token, "Referer": live_server.url + "/"})
        return r.status_code

    key, chain = client_key(demo_pki, "romashka")
    started = browser.http.post(base + "/signing", timeout=60,
                                json={"certificates": [base64.b64encode(c).decode() for c in chain]},
                                headers={"X-CSRFToken": token}).json()
    signature = base64.b64encode(browser_sign(key, base64.b64decode(started["to_be_signed"]),
                                              Scheme.RSA_PKCS1)).decode()
    finishes = run_together([lambda: post(f"/signing/{started['session']}", {"signature": signature})] * 2)
    assert sorted(finishes) == [200, 201], finishes
    assert document_state(db.session, document_id)[::2] == ("signed", 2)
    assert _moves(document_id, "document.signed") == 1

    sends = run_together([lambda: post("/send", {"idempotency_key": "one-click"})] * 2)
    assert sends == [200, 200], sends
    assert document_state(db.session, document_id)[0] == "received"
    assert _moves(document_id, "document.received") == 1
