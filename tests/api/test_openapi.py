"""The OpenAPI description against the implementation: it is a valid OpenAPI 3.1 document,
it lists exactly the routes the app serves under /api/v1, real answers (successes and
errors) validate against it (openapi-core), and the request schema it publishes accepts and
refuses the same bodies the API does."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema
import pytest
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from pydantic import ValidationError

from lk_corporate.api.blueprint import cycle_available
from lk_corporate.api.schemas import ReadingsIn
from lk_corporate.api.spec import OPERATIONS, PREFIX, openapi
from lk_corporate.core.rights import CLIENT_SIGNER, SUPPLIER_OPERATOR
from tests.api.conftest import World, bearer, make_token
from tests.api.test_errors import GOOD
from tests.support.factories import create_client_user, create_staff_user

CYCLE = {"submit_readings", "upload_signed"}


@pytest.fixture(scope="module")
def spec() -> OpenAPI:
    return OpenAPI.from_dict(openapi())  # validates the document itself (3.1)


def test_the_description_is_served_without_a_token(client):
    r = client.get(f"{PREFIX}/openapi.json")
    assert r.status_code == 200 and r.get_json() == openapi()
    assert r.get_json()["openapi"] == "3.1.0"


def test_every_route_is_described_and_every_description_served(app):
    served = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(PREFIX + "/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    described = openapi()["paths"]
    as_openapi = {(op.path, op.method) for op in OPERATIONS}
    flask_to_openapi = {op.rule: op.path for op in OPERATIONS}
    for rule, method in served:
        path = flask_to_openapi.get(rule[len(PREFIX):])
        assert path is not None and method.lower() in described[path], (rule, method)
    missing = as_openapi - {(flask_to_openapi[r[len(PREFIX):]], m) for r, m in served}
    expected_missing = set() if cycle_available() else {
        (op.path, op.method) for op in OPERATIONS if op.operation_id in CYCLE}
    assert missing == expected_missing


def _check(spec: OpenAPI, response: Any) -> Any:
    spec.validate_response(WerkzeugOpenAPIRequest(response.request),
                           WerkzeugOpenAPIResponse(response))
    return response


def test_real_answers_validate_against_the_description(client, world: World, spec: OpenAPI):
    a, ta = world.a.id, world.token_a
    calls = [
        ("/api/v1/clients", ta, 200), ("/api/v1/periods", ta, 200),
        (f"/api/v1/tariffs?client_id={a}", ta, 200),
        (f"/api/v1/tariffs?client_id={a}&period_id={world.period.id}", ta, 200),
        (f"/api/v1/meters?client_id={a}", ta, 200),
        ("/api/v1/documents", ta, 200),
        (f"/api/v1/documents?client_id={a}&kind=reading_act&status=superseded&limit=1", ta, 200),
        (f"/api/v1/documents/{world.act_a.id}", ta, 200),
        (f"/api/v1/documents/{world.invoice_a.id}", ta, 200),
        (f"/api/v1/documents/{world.act_a.id}/file", ta, 200),
        (f"/api/v1/documents/{world.act_a.id}/report", ta, 200),
        # errors
        ("/api/v1/clients", None, 401), ("/api/v1/clients", "lk_" + "x" * 43, 401),
        (f"/api/v1/meters?client_id={world.b.id}", ta, 404),
        (f"/api/v1/documents/{world.act_b.id}", ta, 404),
        (f"/api/v1/documents/{world.act_b.id}/file", ta, 404),
        (f"/api/v1/documents/{world.act_a2.id}/report", ta, 404),
        ("/api/v1/meters?client_id=abc", ta, 422), ("/api/v1/documents?kind=x", ta, 422),
    ]
    for url, token, status in calls:
        r = client.get(url, headers=bearer(token) if token else {})
        assert r.status_code == status, (url, r.get_data(as_text=True)[:300])
        _check(spec, r)
    signer = make_token(create_client_user(world.a, login="signer", roles=(CLIENT_SIGNER,)))
    _check(spec, client.get(f"/api/v1/tariffs?client_id={a}", headers=bearer(signer)))
    staff = make_token(create_staff_user(SUPPLIER_OPERATOR, login="operator7"))
    _check(spec, client.get(f"/api/v1/meters?client_id={world.b.id}", headers=bearer(staff)))


def test_a_rate_limited_answer_validates(app, client, world: World, spec: OpenAPI, monkeypatch):
    monkeypatch.setitem(app.config, "LK_API_RATE_LIMIT", "1 per hour")
    client.get("/api/v1/periods", headers=bearer(world.token_a))
    r = client.get("/api/v1/periods", headers=bearer(world.token_a))
    assert r.status_code == 429
    _check(spec, r)


def test_good_requests_validate_against_the_description(client, world: World, spec: OpenAPI):
    r = client.get(f"/api/v1/documents?client_id={world.a.id}&kind=invoice&limit=5",
                   headers=bearer(world.token_a))
    spec.validate_request(WerkzeugOpenAPIRequest(r.request))


BODIES = [
    (GOOD, True),
    ({**GOOD, "readings": [{"meter_id": 3, "zone": "night", "consumption": 12.5}],
      "confirm": ["large_consumption"]}, True),
    ({**GOOD, "readings": [{"meter_id": 3, "zone": "day", "value": "1", "rollover": True}]},
     True),
    ({**GOOD, "client_id": "1"}, False),
    ({**GOOD, "readings": []}, False),
    ({**GOOD, "readings": [{"meter_id": 3, "zone": "day"}]}, False),
    ({**GOOD, "readings": [{"meter_id": 3, "zone": "day", "value": "1", "consumption": "2"}]},
     False),
    ({**GOOD, "readings": [{"meter_id": 3, "zone": "day", "value": None}]}, False),
    ({**GOOD, "readings": [{"meter_id": 3, "zone": "dusk", "value": "1"}]}, False),
    ({**GOOD, "readings": [{"meter_id": 3, "zone": "day", "value": "-1"}]}, False),
    ({**GOOD, "extra": True}, False),
    ({**GOOD, "confirm": ["DROP TABLE"]}, False),
]


@pytest.mark.parametrize(("body", "valid"), BODIES)
def test_the_published_body_schema_agrees_with_the_validation(body: dict[str, Any],
                                                              valid: bool):
    document = openapi()
    schema = {"$ref": "#/components/schemas/ReadingsIn", "components": document["components"]}
    published = jsonschema.Draft202012Validator(schema).is_valid(body)
    try:
        # As the API reads a body: JSON numbers as Decimal (api.http.json_body).
        ReadingsIn.model_validate(json.loads(json.dumps(body), parse_float=Decimal))
        accepted = True
    except ValidationError:
        accepted = False
    assert (published, accepted) == (valid, valid)
