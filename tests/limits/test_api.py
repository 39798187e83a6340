"""Limit requests over ``/api/v1`` from request to decision: the client's accounting
software requests limits, signs the request with its own key and sends it; a supplier
signer's token approves it (countersigned: both signatures valid in pdfsig, the limits in
force) or an operator's rejects it with a reason (required; the client is told by e-mail;
a corrected request supersedes it). Scopes and rights as on the pages."""

from __future__ import annotations

import base64
from decimal import Decimal as D
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, SUPPLIER_OPERATOR, SUPPLIER_SIGNER
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.limits import operations as ops
from signing.remote import Scheme
from tests.api.conftest import bearer, make_token
from tests.docsign.fixtures import ROMASHKA, browser_sign, client_key, configure
from tests.limits.helpers import make_firm
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.support.factories import create_client_user, create_staff_user


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _post(client: Any, token: str, path: str, body: Any = None) -> Any:
    return client.post(f"/api/v1{path}", json=body, headers=bearer(token))


@pytest.fixture()
def world(pki_app, demo_pki, crl_index, tmp_path, monkeypatch) -> dict[str, Any]:
    configure(pki_app.config, demo_pki, crl_index, monkeypatch)
    firm = make_firm(tmp_path, name="ООО «Ромашка»", short_name="ООО «Ромашка»", tax_id=ROMASHKA)
    return {"firm": firm, "client_token": make_token(create_client_user(firm.client)),
            "signer_token": make_token(create_staff_user(SUPPLIER_SIGNER)),
            "operator_token": make_token(create_staff_user(SUPPLIER_OPERATOR))}


def _request(client: Any, world: dict[str, Any], volume: str = "1250.5") -> Any:
    firm = world["firm"]
    return _post(client, world["client_token"], "/limit-requests", {
        "client_id": firm.client.id, "year": 2027,
        "points": [{"point_id": firm.main.point_id, "months": [volume] * 12},
                   {"point_id": firm.second.point_id, "months": [str(m) for m in range(12)]}]})


def _sign_and_send(client: Any, token: str, document_id: int, demo_pki: Any) -> Any:
    key, chain = client_key(demo_pki, "romashka")
    started = _post(client, token, f"/documents/{document_id}/signing",
                    {"certificates": [_b64(c) for c in chain]})
    assert started.status_code == 201, started.get_json()
    body = started.get_json()
    signature = browser_sign(key, base64.b64decode(body["to_be_signed"]), Scheme.RSA_PKCS1)
    finished = _post(client, token, f"/documents/{document_id}/signing/{body['session']}",
                     {"signature": _b64(signature)})
    assert finished.status_code == 201, finished.get_json()
    sent = _post(client, token, f"/documents/{document_id}/send", {"idempotency_key": "lr-1"})
    assert sent.status_code == 200, sent.get_json()
    return sent.get_json()


def test_requested_signed_sent_and_approved(client, world, demo_pki, nss_db, tmp_path: Path):
    created = _request(client, world)
    assert created.status_code == 201, created.get_json()
    document = created.get_json()["document"]
    assert created.headers["Location"] == f"/api/v1/documents/{document['id']}"
    assert (document["kind"], document["status"]) == ("limit_request", "awaiting_signature")
    firm = world["firm"]
    assert ops.approved_limits(db.session, firm.client.id, 2027) == {}

    sent = _sign_and_send(client, world["client_token"], document["id"], demo_pki)
    assert sent["status"] == "received"  # limits are the supplier's decision: never automatic
    assert ops.approved_limits(db.session, firm.client.id, 2027) == {}

    # the client cannot approve its own request; an operator lacks limits.approve
    assert _post(client, world["client_token"], f"/documents/{document['id']}/approve").status_code == 403
    assert _post(client, world["operator_token"], f"/documents/{document['id']}/approve").status_code == 403
    approved = _post(client, world["signer_token"], f"/documents/{document['id']}/approve")
    assert approved.status_code == 200, approved.get_json()
    assert approved.get_json()["status"] == "accepted"
    assert approved.get_json()["signatures"] == 2
    again = _post(client, world["signer_token"], f"/documents/{document['id']}/approve")
    assert again.status_code == 200 and again.get_json()["sha256"] == approved.get_json()["sha256"]

    db.session.expire_all()
    limits = ops.approved_limits(db.session, firm.client.id, 2027)
    assert limits == {firm.main.point_id: [D("1250.5")] * 12,
                      firm.second.point_id: [D(m) for m in range(12)]}
    pdf = client.get(f"/api/v1/documents/{document['id']}/file",
                     headers=bearer(world["client_token"])).data
    path = tmp_path / "approved.pdf"
    path.write_bytes(pdf)
    assert_pdfsig_all_valid(path, nss_db, expected=2)  # the client's and the supplier's


def test_rejected_with_a_reason_then_superseded_by_a_corrected_one(client, world, demo_pki):
    document_id = _request(client, world).get_json()["document"]["id"]
    path = f"/documents/{document_id}/reject"
    # not sent yet: nothing to decide
    early = _post(client, world["operator_token"], path, {"reason": "Завышено"})
    assert early.status_code == 422 and early.get_json()["code"] == "not_awaiting_decision"
    _sign_and_send(client, world["client_token"], document_id, demo_pki)
    assert _post(client, world["client_token"], path, {"reason": "x"}).status_code == 403
    empty = _post(client, world["operator_token"], path, {"reason": "   "})
    assert empty.status_code == 422 and empty.get_json()["code"] == "reason_required"
    assert _post(client, world["operator_token"], path, {}).status_code == 422
    rejected = _post(client, world["operator_token"], path,
                     {"reason": "Объём в январе завышен втрое"})
    assert rejected.status_code == 200, rejected.get_json()
    assert rejected.get_json()["status"] == "rejected"
    assert rejected.get_json()["status_reason"] == "Объём в январе завышен втрое"
    mail = db.session.scalars(select(OutgoingMail)).all()
    assert any("Объём в январе завышен втрое" in m.body_text for m in mail)
    assert ops.approved_limits(db.session, world["firm"].client.id, 2027) == {}

    corrected = _request(client, world, "400").get_json()["document"]
    assert corrected["supersedes"] == document_id
    db.session.expire_all()
    assert db.session.get(Document, document_id).status is DocumentStatus.SUPERSEDED


@pytest.mark.parametrize(("change", "status"), [
    ({"year": "2027"}, 422),
    ({"year": 2031}, 422),
    ({"points": []}, 422),
    ({"months": ["1"] * 11}, 422),
    ({"months": ["-1"] * 12}, 422),
    ({"months": [None] * 12}, 422),
    ({"months": ["1e3"] * 12}, 422),
])
def test_a_request_that_does_not_fit_is_refused(client, world, change, status):
    firm = world["firm"]
    point = {"point_id": firm.main.point_id, "months": change.get("months", ["1"] * 12)}
    body = {"client_id": firm.client.id, "year": change.get("year", 2027),
            "points": change.get("points", [point])}
    r = _post(client, world["client_token"], "/limit-requests", body)
    assert r.status_code == status, r.get_json()
    assert db.session.scalars(select(Document)).all() == []


def test_scope_another_clients_point_or_client_is_not_found(client, world, tmp_path):
    other = make_firm(tmp_path / "other")
    firm = world["firm"]
    foreign_point = _post(client, world["client_token"], "/limit-requests", {
        "client_id": firm.client.id, "year": 2027,
        "points": [{"point_id": other.main.point_id, "months": ["1"] * 12}]})
    assert foreign_point.status_code == 404
    foreign_client = _post(client, world["client_token"], "/limit-requests", {
        "client_id": other.client.id, "year": 2027,
        "points": [{"point_id": other.main.point_id, "months": ["1"] * 12}]})
    assert foreign_client.status_code == 404
    # both client roles hold the right to request limits (seed 004: the accountant fills
    # the request in, the signer signs it)
    signer_only = make_token(create_client_user(firm.client, roles=("client_signer",)))
    accountant = make_token(create_client_user(firm.client, roles=(CLIENT_ACCOUNTANT,)))
    body = {"client_id": firm.client.id, "year": 2027,
            "points": [{"point_id": firm.main.point_id, "months": ["1"] * 12}]}
    assert _post(client, accountant, "/limit-requests", body).status_code == 201
    assert _post(client, signer_only, "/limit-requests", body).status_code == 201


def test_the_operations_are_in_the_openapi_description(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/limit-requests"]
    assert "post" in paths["/api/v1/documents/{document_id}/approve"]
    assert "post" in paths["/api/v1/documents/{document_id}/reject"]
