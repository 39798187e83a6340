"""Every error on /api/v1 is JSON with a stable ``code`` and a ``message``: unknown URLs,
wrong methods, huge IDs, bad query strings, bodies that are not JSON or do not fit the
schema, bodies too large, server failures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from lk_corporate.api.http import json_body
from lk_corporate.api.schemas import ReadingsIn
from lk_corporate.core.requests import run_view
from tests.api.conftest import World, bearer

HUGE = "9" * 30
CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)


def _json_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["code"] == code and isinstance(body["message"], str) and body["message"], body
    return body


@pytest.mark.parametrize("url", [
    "/api/v1/nothing", "/api/v1/documents/0", f"/api/v1/documents/{HUGE}",
    f"/api/v1/documents/{2**31}/file", "/api/v1/documents/-1/report", "/api/v1/documents/1e3"])
def test_unknown_urls_and_huge_ids_are_404(client, world: World, url: str):
    body = _json_problem(client.get(url, headers=bearer(world.token_a)), 404, "not_found")
    # in the caller's language (Russian by default), not Werkzeug's English prose
    assert body["message"] == "Не найдено: такого объекта нет, или он относится к другому " \
                              "клиенту.", body


def test_wrong_method_is_405_with_allow(client, world: World):
    r = client.post("/api/v1/clients", headers=bearer(world.token_a), json={})
    _json_problem(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]
    _json_problem(client.delete(f"/api/v1/documents/{world.act_a.id}",
                                headers=bearer(world.token_a)), 405, "method_not_allowed")


@pytest.mark.parametrize(("query", "field"), [
    ("", "query.client_id"),
    ("client_id=abc", "query.client_id"),
    (f"client_id={HUGE}", "query.client_id"),
    ("client_id=0", "query.client_id"),
    ("client_id=1.5", "query.client_id"),
    ("client_id=1&client=2", "query.client"),
])
def test_bad_query_strings_are_422_naming_the_parameter(client, world: World, query: str,
                                                        field: str):
    body = _json_problem(client.get(f"/api/v1/meters?{query}", headers=bearer(world.token_a)),
                         422, "invalid_request")
    assert field in [e["field"] for e in body["errors"]], body


@pytest.mark.parametrize("query", ["kind=letter", "status=lost", "limit=0", "limit=501",
                                   "offset=-1", f"period_id={HUGE}", "unknown=1"])
def test_document_filters_are_checked(client, world: World, query: str):
    _json_problem(client.get(f"/api/v1/documents?{query}", headers=bearer(world.token_a)), 422,
                  "invalid_request")


def test_a_query_parameter_where_none_is_taken_is_refused(client, world: World):
    _json_problem(client.get("/api/v1/clients?client_id=1", headers=bearer(world.token_a)),
                  422, "invalid_request")


def test_another_clients_id_in_a_query_is_404(client, world: World):
    for url in (f"/api/v1/meters?client_id={world.b.id}", f"/api/v1/tariffs?client_id={world.b.id}",
                f"/api/v1/documents?client_id={world.b.id}", "/api/v1/meters?client_id=987654",
                "/api/v1/documents?period_id=987654"):
        body = _json_problem(client.get(url, headers=bearer(world.token_a)), 404, "not_found")
        assert "Бета" not in str(body) and "BETA" not in str(body)


# --- bodies: through the real parser, on an app with one test route that takes a body -----

@pytest.fixture()
def body_app(app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    """The portal with one more /api/ route that reads ``ReadingsIn`` as the readings
    endpoint does (that endpoint is registered only with the readings package), under the
    same request boundary."""
    from lk_corporate.api.http import ApiProblem, problem_response
    from lk_corporate.app import create_app
    from lk_corporate.core.extensions import csrf, db

    application = create_app({**app_config, "TESTING": False, "MAX_CONTENT_LENGTH": 4096},
                             instance_path=str(tmp_path / "instance"))

    def echo() -> Any:
        return json_body(ReadingsIn).model_dump(mode="json")

    def broken() -> Any:
        raise RuntimeError("boom")

    application.add_url_rule("/api/v1/_echo", "_echo", run_view(csrf.exempt(echo)),
                             methods=["POST"])
    application.add_url_rule("/api/v1/_broken", "_broken", run_view(broken))
    application.register_error_handler(ApiProblem, problem_response)
    yield application
    with application.app_context():
        db.engine.dispose()


GOOD = {"client_id": 1, "period_id": 2, "readings": [{"meter_id": 3, "zone": "day",
                                                      "value": "123,45"}]}


def test_a_good_body_is_read_exactly(body_app: Flask):
    client = body_app.test_client()
    r = client.post("/api/v1/_echo", data=b'{"client_id": 1, "period_id": 2, "readings": '
                    b'[{"meter_id": 3, "zone": "day", "value": 0.1}, '
                    b'{"meter_id": 3, "zone": "night", "consumption": "7", "rollover": false}], '
                    b'"confirm": ["large_consumption"]}',
                    content_type="application/json")
    assert r.status_code == 200, r.get_data(as_text=True)
    body = r.get_json()
    # 0.1 as written, not the float 0.1000000000000000055…
    assert body["readings"][0]["value"] == "0.1"
    assert body["readings"][1]["consumption"] == "7" and body["confirm"] == ["large_consumption"]
    assert client.post("/api/v1/_echo", json=GOOD).get_json()["readings"][0]["value"] == "123.45"


@pytest.mark.parametrize("raw", [b"{", b"not json", b'{"client_id": NaN}', b"\xff\xfe",
                                 b"[" * 100000 + b"]" * 100000])
def test_malformed_json_is_400(body_app: Flask, raw: bytes):
    r = body_app.test_client().post("/api/v1/_echo", data=raw[:4000],
                                    content_type="application/json")
    _json_problem(r, 400, "malformed_json")


def test_deep_nesting_is_400_not_a_crash(app_config: dict[str, Any], body_app: Flask):
    raw = b"[" * 2000 + b"]" * 2000
    r = body_app.test_client().post("/api/v1/_echo", data=raw, content_type="application/json")
    assert r.status_code in (400, 413)
    assert r.get_json()["code"] in ("malformed_json", "payload_too_large")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_wrong_content_type_is_400(body_app: Flask, content_type: str | None):
    kwargs: dict[str, Any] = {"data": b'{"client_id": 1}'}
    if content_type:
        kwargs["content_type"] = content_type
    _json_problem(body_app.test_client().post("/api/v1/_echo", **kwargs), 400,
                  "unsupported_content_type")


@pytest.mark.parametrize(("change", "field"), [
    ({"client_id": "1"}, "body.client_id"),
    ({"client_id": True}, "body.client_id"),
    ({"client_id": 2**40}, "body.client_id"),
    ({"period_id": None}, "body.period_id"),
    ({"readings": []}, "body.readings"),
    ({"readings": {"meter_id": 1}}, "body.readings"),
    ({"readings": [{"meter_id": 3, "zone": "day"}]}, "body.readings.0"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": "1", "consumption": "2"}]},
     "body.readings.0"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": None}]}, "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": True}]}, "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": "-5"}]}, "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": "1.2.3"}]}, "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": "1e5"}]}, "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": "1" * 41}]}, "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": "0.0000001"}]},
     "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": 10**15}]}, "body.readings.0.value"),
    ({"readings": [{"meter_id": 3, "zone": "dusk", "value": "1"}]}, "body.readings.0.zone"),
    ({"readings": [{"meter_id": 3, "zone": "day", "consumption": "1", "rollover": True}]},
     "body.readings.0"),
    ({"readings": [{"meter_id": 3, "zone": "day", "value": "1", "rollover": "yes"}]},
     "body.readings.0.rollover"),
    ({"confirm": "large_consumption"}, "body.confirm"),
    ({"confirm": ["DROP TABLE"]}, "body.confirm.0"),
    ({"extra": 1}, "body.extra"),
])
def test_wrong_json_types_are_422_naming_the_field(body_app: Flask, change: dict[str, Any],
                                                   field: str):
    r = body_app.test_client().post("/api/v1/_echo", json={**GOOD, **change})
    body = _json_problem(r, 422, "invalid_request")
    fields = [e["field"] for e in body["errors"]]
    assert field in fields, body
    assert all(e["code"] and e["message"] for e in body["errors"])
    # each field's message in the caller's language (Russian by default), not pydantic's
    assert all(CYRILLIC.search(e["message"]) for e in body["errors"]), body


def test_field_messages_follow_the_language_and_codes_stay(body_app: Flask):
    from lk_corporate.core.i18n import LOCALE_COOKIE

    client = body_app.test_client()
    bad = {**GOOD, "client_id": 2**40, "extra": 1,
           "readings": [{"meter_id": 3, "zone": "dusk", "value": "1.2.3"}]}
    ru = {e["field"]: e for e in _json_problem(client.post("/api/v1/_echo", json=bad), 422,
                                               "invalid_request")["errors"]}
    assert ru["body.client_id"]["message"] == "Значение должно быть не больше 2147483647."
    assert ru["body.extra"]["message"] == "Неизвестное поле: здесь в API такого поля нет."
    assert ru["body.readings.0.zone"]["message"] == \
        "Ожидается одно из значений: 'single', 'day', 'night', 'peak', 'half_peak'."
    assert ru["body.readings.0.value"]["message"] == \
        "ожидаются цифры и один десятичный разделитель (. или ,)"
    client.set_cookie(LOCALE_COOKIE, "en")
    en = {e["field"]: e for e in _json_problem(client.post("/api/v1/_echo", json=bad), 422,
                                               "invalid_request")["errors"]}
    assert en["body.client_id"]["message"] == "The value must be at most 2147483647."
    assert en["body.readings.0.value"]["message"] == \
        "digits and one decimal separator (. or ,) are expected"
    # the codes are pydantic's types in both languages: software keys on them
    assert {f: e["code"] for f, e in ru.items()} == {f: e["code"] for f, e in en.items()} == {
        "body.client_id": "less_than_equal", "body.extra": "extra_forbidden",
        "body.readings.0.zone": "literal_error", "body.readings.0.value": "value_error"}


def test_not_an_object_is_422(body_app: Flask):
    for raw in (b"[]", b'"text"', b"5", b"null"):
        r = body_app.test_client().post("/api/v1/_echo", data=raw,
                                        content_type="application/json")
        _json_problem(r, 422, "invalid_request")


def test_a_body_too_large_is_413(body_app: Flask):
    r = body_app.test_client().post("/api/v1/_echo", data=b" " * 5000,
                                    content_type="application/json")
    _json_problem(r, 413, "payload_too_large")


def test_a_server_failure_is_500_json(body_app: Flask):
    _json_problem(body_app.test_client().get("/api/v1/_broken"), 500, "internal_error")
