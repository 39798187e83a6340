"""The staged signing protocol over ``/api/v1`` with a bearer token, as accounting software
holding its own key drives it: the same operations as the signing page, the token's scope and
rights, and the answers the OpenAPI description promises.
"""

from __future__ import annotations

import base64
from typing import Any

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import CLIENT_ACCOUNTANT
from lk_corporate.docflow.models import Document, DocumentStatus
from signing.remote import Scheme
from tests.api.conftest import bearer, make_token
from tests.docsign.fixtures import ROMASHKA, browser_sign, client_key, issue_act
from tests.support.factories import create_client, create_client_user, create_supplier


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _post(client: Any, token: str, path: str, body: Any = None, **headers: str) -> Any:
    return client.post(f"/api/v1{path}", json=body, headers={**bearer(token), **headers})


def test_sign_send_over_the_api(app, client, session, signing_config, demo_pki, supplier_act):
    create_supplier()
    firm = create_client(tax_id=ROMASHKA)
    document_id = issue_act(app, firm.id, supplier_act, "АП-api")
    token = make_token(create_client_user(firm, login="onec"))
    key, chain = client_key(demo_pki, "romashka")

    started = _post(client, token, f"/documents/{document_id}/signing",
                    {"certificates": [_b64(c) for c in chain]})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    assert body["signature_algorithm"] == Scheme.RSA_PKCS1 and body["digest_algorithm"] == "SHA-256"
    signature = browser_sign(key, base64.b64decode(body["to_be_signed"]), Scheme.RSA_PKCS1)

    finished = _post(client, token, f"/documents/{document_id}/signing/{body['session']}",
                     {"signature": _b64(signature)})
    assert finished.status_code == 201 and finished.get_json()["status"] == "signed"
    again = _post(client, token, f"/documents/{document_id}/signing/{body['session']}",
                  {"signature": _b64(signature)})
    assert again.status_code == 200 and again.get_json()["status"] == "signed"

    sent = _post(client, token, f"/documents/{document_id}/send", {},
                 **{"Idempotency-Key": "1c-send-1"})
    assert sent.status_code == 200 and sent.get_json()["status"] == "received", sent.get_json()
    repeat = _post(client, token, f"/documents/{document_id}/send", {"idempotency_key": "1c-send-1"})
    assert repeat.status_code == 200 and repeat.get_json()["status"] == "received"
    assert db.session.get(Document, document_id).status is DocumentStatus.RECEIVED
    # The signed file, downloaded over the API, is what was validated.
    assert client.get(f"/api/v1/documents/{document_id}/file",
                      headers=bearer(token)).data.startswith(b"%PDF")


def test_api_refusals(app, client, session, signing_config, demo_pki, supplier_act):
    create_supplier()
    firm = create_client(tax_id=ROMASHKA)
    other = create_client(tax_id="7700000018")
    own = issue_act(app, firm.id, supplier_act, "АП-api-own")
    foreign = issue_act(app, other.id, supplier_act, "АП-api-foreign")
    signer = make_token(create_client_user(firm, login="signer1c"))
    reader = make_token(create_client_user(firm, login="reader1c", roles=(CLIENT_ACCOUNTANT,)))
    _key, chain = client_key(demo_pki, "romashka")
    certificates = {"certificates": [_b64(c) for c in chain]}

    # Another client's document does not exist for this token; a reader may not sign.
    assert _post(client, signer, f"/documents/{foreign}/signing", certificates).status_code == 404
    assert _post(client, reader, f"/documents/{own}/signing", certificates).status_code == 403
    # No token, or a cookie instead of a token: 401, never the signing itself.
    assert client.post(f"/api/v1/documents/{own}/signing", json=certificates).status_code == 401
    # A malformed body: 422 with the field; an unknown session: 404; nothing signed: refused.
    bad = _post(client, signer, f"/documents/{own}/signing", {"certificates": "x"})
    assert bad.status_code == 422 and bad.is_json
    assert _post(client, signer, f"/documents/{own}/signing/nope",
                 {"signature": _b64(b"x")}).status_code == 404
    unsent = _post(client, signer, f"/documents/{own}/send", {})
    assert unsent.status_code == 422 and unsent.get_json()["code"] == "not_signed"
    assert db.session.get(Document, own).status is DocumentStatus.AWAITING_SIGNATURE
