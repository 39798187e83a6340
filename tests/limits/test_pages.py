"""The client's limit request pages: the form starts from last year's actuals, a bad cell is
refused beside itself with nothing created, the same form sent twice makes one request, the
list and the request's page show the status; the staff's queue lists a sent request."""

from __future__ import annotations

import re
from decimal import Decimal as D
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.docflow.states import transition
from lk_corporate.limits.models import LimitRequest
from tests.clients.helpers import as_client_user
from tests.limits.helpers import ACTOR, make_firm, reading
from tests.support.factories import csrf_token


@pytest.fixture()
def firm(session, tmp_path, monkeypatch, app):
    monkeypatch.setitem(app.config, "LK_STORAGE_DIR", str(tmp_path / "files"))
    return make_firm(tmp_path)


def _form(client: Any, year: int = 2027) -> tuple[str, dict[str, str]]:
    page = client.get(f"/limits/new?year={year}").get_data(as_text=True)
    sid = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    return page, {"csrf_token": csrf_token(client, "/limits/new"), "submission_id": sid,
                  "year": str(year)}


def _cells(firm: Any, value: str = "100") -> dict[str, str]:
    return {f"p{p}_m{m}": value for p in (firm.main.point_id, firm.second.point_id)
            for m in range(1, 13)}


def test_the_form_starts_from_last_years_actuals(client, firm):
    reading(firm.main, 2026, 3, D("1234.5"))
    db.session.commit()
    as_client_user(client, firm.client)
    page, _ = _form(client)
    assert f'name="p{firm.main.point_id}_m3"' in page
    assert re.search(rf'name="p{firm.main.point_id}_m3" id="[^"]+" value="1234.5"', page)
    assert re.search(rf'name="p{firm.main.point_id}_m4" id="[^"]+" value=""', page)
    assert f'name="p{firm.water.point_id}_m1"' not in page  # water: no kWh limits


def test_a_bad_cell_is_refused_beside_itself(client, firm):
    as_client_user(client, firm.client)
    _, data = _form(client)
    cells = _cells(firm)
    bad = f"p{firm.second.point_id}_m7"
    cells[bad] = "12,5,1"
    r = client.post("/limits/new", data={**data, **cells})
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert re.search(rf'is-invalid"[^>]*name="{bad}"', page)
    assert "Введите число" in page or "Enter a number" in page
    assert db.session.scalars(select(Document)).all() == []


def test_created_once_listed_and_shown_with_its_status(client, firm):
    as_client_user(client, firm.client)
    _, data = _form(client)
    cells = _cells(firm, "1 500,25")
    first = client.post("/limits/new", data={**data, **cells})
    assert first.status_code == 302, first.get_data(as_text=True)[:1000]
    again = client.post("/limits/new", data={**data, **cells})  # a double click
    assert again.status_code == 302
    requests = db.session.scalars(select(LimitRequest)).all()
    assert len(requests) == 1
    document_id = requests[0].document_id
    assert first.headers["Location"].endswith(f"/limits/{document_id}")
    detail = client.get(f"/limits/{document_id}").get_data(as_text=True)
    assert f'href="/documents/{document_id}/sign" data-lk="sign-link"' in detail
    assert "Ожидает подписи" in detail
    listing = client.get("/limits").get_data(as_text=True)
    assert requests[0].document.number in listing
    # the signing page takes a limit request
    assert client.get(f"/documents/{document_id}/sign").status_code == 200


def test_staff_see_a_sent_request_in_the_queue(client, firm):
    from lk_corporate.core.rights import SUPPLIER_SIGNER
    from tests.limits.helpers import create
    from tests.support.factories import create_staff_user, login

    request = create(firm)
    transition(db.session, db.session.get(Document, request.document_id),
               DocumentStatus.RECEIVED, actor=ACTOR)
    db.session.commit()
    staff = create_staff_user(SUPPLIER_SIGNER)
    assert login(client, staff.login).status_code == 302
    page = client.get("/staff/countersign?kind=limit_request").get_data(as_text=True)
    assert request.document.number in page
    assert f'value="{request.document_id}"' in page
    assert client.get(f"/staff/countersign/{request.document_id}/reject").status_code == 200
