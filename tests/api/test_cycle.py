"""The month cycle over the API: POST /api/v1/readings and POST /api/v1/documents/ID/signed.

These two routes call the readings package (``readings.operations.submit_readings``,
``reading_acts.operations.upload_signed_act``) and exist only in a build that has it
(``api.cycle``); until then this module is skipped as a whole, and runs as soon as the
package is there.
"""

from __future__ import annotations

import pytest

pytest.importorskip("lk_corporate.readings.operations")
pytest.importorskip("lk_corporate.reading_acts.operations")

import datetime as dt
from decimal import Decimal
from typing import Any

import time_machine
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import (
    WerkzeugOpenAPIRequest,
    WerkzeugOpenAPIResponse,
)
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from documents import CLIENT
from lk_corporate.api.spec import openapi
from lk_corporate.clients.models import MeterInstallationReading
from lk_corporate.core.extensions import db
from lk_corporate.core.rights import CLIENT_ACCOUNTANT
from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf
from tests.api.conftest import World, bearer, make_token
from tests.support.factories import create_client_user, create_meter

IN_WINDOW = dt.datetime(2026, 11, 26, 10, tzinfo=dt.UTC)


@pytest.fixture()
def spec() -> OpenAPI:
    return OpenAPI.from_dict(openapi())


@pytest.fixture(autouse=True)
def _readings_window_open(world: World) -> None:
    """The shared world issued client A an invoice for the period, which closes its reading
    window (no readings after the invoice): void it, as a corrected calculation would."""
    from lk_corporate.core.audit import Actor
    from lk_corporate.core.uow import unit_of_work
    from lk_corporate.docflow.operations import get_document, void

    with unit_of_work() as session:
        void(session, get_document(session, world.invoice_a.id, client_id=None),
             reason="test: the period's readings are still being taken", actor=Actor.system())


def _valid(spec: OpenAPI, response: Any) -> Any:
    # The request's body was read by the app; the answer is checked against the operation
    # its method and path name.
    sent = response.request
    again = Request(EnvironBuilder(path=sent.path, method=sent.method,
                                   query_string=sent.query_string).get_environ())
    spec.validate_response(WerkzeugOpenAPIRequest(again), WerkzeugOpenAPIResponse(response))
    return response


def _readings(world: World, **change: Any) -> dict[str, Any]:
    body = {"client_id": world.a.id, "period_id": world.period.id, "readings": [
        {"meter_id": world.meter_a.id, "zone": "day", "value": "120.5"},
        {"meter_id": world.meter_a.id, "zone": "night", "value": "80"}]}
    return {**body, **change}


def test_readings_make_an_act(client, world: World, spec: OpenAPI):
    with time_machine.travel(IN_WINDOW, tick=False):
        r = client.post("/api/v1/readings", json=_readings(world), headers=bearer(world.token_a))
    assert r.status_code == 201, r.get_data(as_text=True)
    _valid(spec, r)
    act = r.get_json()["act"]
    assert act["kind"] == "reading_act" and act["client_id"] == world.a.id
    assert act["period_id"] == world.period.id and act["status"] == "awaiting_signature"
    assert r.headers["Location"].endswith(f"/api/v1/documents/{act['id']}")
    pdf = client.get(f"/api/v1/documents/{act['id']}/file", headers=bearer(world.token_a))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_warnings_until_confirmed(client, world: World, spec: OpenAPI):
    create_meter(world.a, factory_number="ALPHA-0002")  # left out: only some meters sent
    with time_machine.travel(IN_WINDOW, tick=False):
        r = client.post("/api/v1/readings", json=_readings(world), headers=bearer(world.token_a))
        assert r.status_code == 409, r.get_data(as_text=True)
        _valid(spec, r)
        warnings = r.get_json()["warnings"]
        assert warnings and all(w["code"] and w["message"] for w in warnings)
        r = client.post("/api/v1/readings", headers=bearer(world.token_a),
                        json=_readings(world, confirm=sorted({w["code"] for w in warnings})))
    assert r.status_code == 201, r.get_data(as_text=True)


def test_every_warning_the_api_answers_can_be_confirmed_with_its_code(client, world: World,
                                                                    spec: OpenAPI):
    """The codes of the 409 go back verbatim in ``confirm``: those naming a meter and a zone
    too (``over_max_consumption:7:single``, ``verification_expired:7``), which the request
    schema once refused for their colons, so such readings could never be sent."""
    overdue = create_meter(world.a, factory_number="ALPHA-0003", max_consumption=Decimal(100),
                           verification_date=dt.date(2025, 1, 31),
                           installed_on=dt.date(2026, 1, 10))
    overdue.installation_readings = [MeterInstallationReading(zone="single", value=Decimal(0))]
    db.session.commit()
    body = _readings(world)
    body["readings"].append({"meter_id": overdue.id, "zone": "single", "value": "500"})
    with time_machine.travel(IN_WINDOW, tick=False):
        r = client.post("/api/v1/readings", json=body, headers=bearer(world.token_a))
        assert r.status_code == 409, r.get_data(as_text=True)
        _valid(spec, r)
        codes = sorted({w["code"] for w in r.get_json()["warnings"]})
        assert codes == [f"over_max_consumption:{overdue.id}:single",
                         f"verification_expired:{overdue.id}"], codes
        r = client.post("/api/v1/readings", json={**body, "confirm": codes[:1]},
                        headers=bearer(world.token_a))
        assert r.status_code == 409, r.get_data(as_text=True)  # one still unconfirmed
        assert codes[1] in {w["code"] for w in r.get_json()["warnings"]}
        # what is still to confirm is told apart from what this request confirmed
        assert {w["code"]: w["confirmed"] for w in r.get_json()["warnings"]} == {
            code: code == codes[0] for code in codes}
        r = client.post("/api/v1/readings", json={**body, "confirm": codes},
                        headers=bearer(world.token_a))
    assert r.status_code == 201, r.get_data(as_text=True)
    _valid(spec, r)


def test_refusals_name_the_meter_and_zone(client, world: World, spec: OpenAPI):
    nameless = create_meter(world.a, factory_number=None)
    body = _readings(world)
    body["readings"].append({"meter_id": nameless.id, "zone": "single", "value": "5"})
    with time_machine.travel(IN_WINDOW, tick=False):
        r = client.post("/api/v1/readings", json=body, headers=bearer(world.token_a))
    assert r.status_code == 422, r.get_data(as_text=True)
    _valid(spec, r)
    errors = r.get_json()["errors"]
    assert any(e["meter_id"] == nameless.id for e in errors)
    assert all({"meter_id", "zone", "code", "message"} <= set(e) for e in errors)


def test_scope_right_and_shape(client, world: World):
    with time_machine.travel(IN_WINDOW, tick=False):
        foreign = client.post("/api/v1/readings", json=_readings(world, client_id=world.b.id),
                              headers=bearer(world.token_a))
        assert foreign.status_code == 404 and "BETA" not in foreign.get_data(as_text=True)
        viewer = make_token(create_client_user(world.a, login="viewer", roles=("client_signer",)))
        assert client.post("/api/v1/readings", json=_readings(world),
                           headers=bearer(viewer)).status_code == 403
        bad = client.post("/api/v1/readings", data=b"{", content_type="application/json",
                          headers=bearer(world.token_a))
        assert bad.status_code == 400 and bad.get_json()["code"] == "malformed_json"
        typed = client.post("/api/v1/readings", json=_readings(world, readings="all"),
                            headers=bearer(world.token_a))
        assert typed.status_code == 422 and typed.get_json()["errors"][0]["field"] == \
            "body.readings"


def test_signed_act_upload(client, world: World, demo_pki: Any, pki_app: Any,
                           spec: OpenAPI):
    from lk_corporate.clients.models import Client
    from lk_corporate.core.extensions import db

    firm = db.session.get(Client, world.a.id)
    firm.tax_id = demo_pki.client.tax_id  # the demo client's certificate signs for it
    db.session.commit()
    with time_machine.travel(IN_WINDOW, tick=True):
        act = client.post("/api/v1/readings", json=_readings(world),
                          headers=bearer(world.token_a)).get_json()["act"]
    issued = client.get(f"/api/v1/documents/{act['id']}/file", headers=bearer(world.token_a)).data
    identity = load_pkcs12_identity(demo_pki.client.p12, demo_pki.client.password)
    signed = sign_pdf(issued, identity, SigningOptions(
        level=Level.B_T, tsa_url=demo_pki.tsa_url, field_name=CLIENT)).pdf
    url = f"/api/v1/documents/{act['id']}/signed"
    accountant = make_token(create_client_user(world.a, login="acc", roles=(CLIENT_ACCOUNTANT,)))
    assert client.post(url, data=signed, content_type="application/pdf",
                       headers=bearer(accountant)).status_code == 403  # no right to sign
    garbage = client.post(url, data=b"%PDF-1.7 not signed", content_type="application/pdf",
                          headers=bearer(world.token_a))
    assert garbage.status_code == 422 and garbage.get_json()["code"], garbage.get_json()
    _valid(spec, garbage)
    r = client.post(url, data=signed, content_type="application/pdf",
                    headers=bearer(world.token_a))
    assert r.status_code == 200, r.get_data(as_text=True)
    _valid(spec, r)
    # Validly signed by the client: received, and accepted at once with the supplier's
    # acceptance signature (auto-acceptance, the demo's and the default setting).
    assert r.get_json()["status"] == "accepted" and r.get_json()["signatures"] == 2
    report = client.get(f"/api/v1/documents/{act['id']}/report", headers=bearer(world.token_a))
    assert report.status_code == 200 and report.get_json()
    foreign = client.post(f"/api/v1/documents/{world.act_b.id}/signed", data=signed,
                          content_type="application/pdf", headers=bearer(world.token_a))
    assert foreign.status_code == 404
    invoice = client.post(f"/api/v1/documents/{world.invoice_a.id}/signed", data=signed,
                          content_type="application/pdf", headers=bearer(world.token_a))
    assert invoice.status_code in (403, 422)
