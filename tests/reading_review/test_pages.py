"""The engineer's pages: the period's acts, one act with a correction form per reading; bad
input shown beside its field with nothing saved; the client sees the correction on the act's
page, the readings page and among its documents; two engineers (or a double submit) at once
correct once."""

from __future__ import annotations

import html
import re
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import SUPPLIER_ENGINEER, SUPPLIER_OPERATOR
from lk_corporate.reading_acts.models import ReadingAct, ReadingCorrection
from tests.clients.helpers import as_client_user, as_staff
from tests.reading_acts.conftest import pki_config
from tests.reading_review.helpers import DAY, accepted_world
from tests.support.factories import PASSWORD, create_staff_user, csrf_token
from tests.support.live import LiveSession, run_together
from tests.support.snapshots import row_counts


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\xa0", " ")


def _row_form(page: str, key: str) -> dict[str, str]:
    """The hidden fields of the correction form of row ``key``."""
    block = page[page.index(f'data-lk="row-{key}"'):]
    block = block[:block.index("</form>")]
    fields = dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"', block))
    fields.update(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', block))
    return fields


def _post_correction(client: Any, document_id: int, value: str, reason: str,
                     key: str = DAY) -> Any:
    url = f"/staff/reading-review/{document_id}"
    page = client.get(url).get_data(as_text=True)
    data = {**_row_form(page, key), "value": value, "reason": reason,
            "csrf_token": csrf_token(client, url)}
    return client.post(f"{url}/correct", data=data)


def test_the_engineer_corrects_and_the_client_sees_it(client, accepted):
    as_staff(client, SUPPLIER_ENGINEER)
    act = db.session.get(ReadingAct, accepted.act_id)
    period_page = _text(client.get(f"/staff/reading-review?period={act.period_id}")
                        .get_data(as_text=True))
    assert act.document.number in period_page and "ООО «Ромашка»" in period_page
    assert "Не подтверждены" in period_page and "0804201234" in period_page

    before = row_counts()
    r = _post_correction(client, accepted.document_id, "сорок", "Контрольное снятие")
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert "Показание должно быть числом" in _text(page)
    assert 'data-lk="value-error"' in page and "Контрольное снятие" in page
    r = _post_correction(client, accepted.document_id, "4580,12", "")
    assert r.status_code == 422 and "Укажите причину исправления" in _text(r.get_data(as_text=True))
    assert row_counts() == before

    r = _post_correction(client, accepted.document_id, "4580,12",
                         "Контрольное снятие показаний 25.11.2026")
    assert r.status_code == 302, _text(r.get_data(as_text=True))[:2000]
    page = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "исправлено на 4580,12" in page and "КП-2026-00001" in page
    assert "Контрольное снятие показаний 25.11.2026" in page
    correction = db.session.scalars(select(ReadingCorrection)).one()
    assert correction.new_value == Decimal("4580.12")

    r = client.post(f"/staff/reading-review/{accepted.document_id}/confirm", data={
        **dict(re.findall(r'name="(\w+)" type="hidden" value="([^"]*)"',
                          client.get(f"/staff/reading-review/{accepted.document_id}")
                          .get_data(as_text=True).split('data-lk="confirm-form"')[1]
                          .split("</form>")[0])),
        "csrf_token": csrf_token(client, f"/staff/reading-review/{accepted.document_id}")})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(ReadingAct, accepted.act_id).confirmed_at is not None

    client = client.application.test_client()
    as_client_user(client, accepted.world.client)
    for url in (f"/reading-acts/{accepted.document_id}", "/readings"):
        page = _text(client.get(url).get_data(as_text=True))
        assert "Показания исправлены поставщиком" in page, url
        assert "4 600,12" in page and "4 580,12" in page, url
        assert "Контрольное снятие показаний 25.11.2026" in page, url
        assert "КП-2026-00001" in page, url
    correction_page = client.get(f"/documents/{correction.correction_document_id}")
    assert correction_page.status_code == 200
    assert "Корректировка показаний" in _text(correction_page.get_data(as_text=True))
    pdf = client.get(f"/documents/{correction.correction_document_id}/file")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_who_may_see_the_pages_and_unknown_ids(client, accepted):
    as_client_user(client, accepted.world.client)
    assert client.get("/staff/reading-review").status_code == 403
    client = client.application.test_client()
    as_staff(client, SUPPLIER_OPERATOR)
    assert client.get("/staff/reading-review").status_code == 403
    client = client.application.test_client()
    as_staff(client, SUPPLIER_ENGINEER)
    assert client.get("/staff/reading-review/999999").status_code == 404
    before = row_counts()
    # a row the act does not have (another client's meter, a made-up key): refused, nothing
    # saved
    r = _post_correction(client, accepted.document_id, "4590", "причина")
    assert r.status_code == 302  # sanity: the form works …
    url = f"/staff/reading-review/{accepted.document_id}"
    page = client.get(url).get_data(as_text=True)
    data = {**_row_form(page, DAY), "row": "9999999|day", "value": "4595", "reason": "x",
            "csrf_token": csrf_token(client, url)}
    after_first = row_counts()
    assert after_first != before
    r = client.post(f"{url}/correct", data=data)
    assert r.status_code == 422 and "В акте нет такого показания" in _text(r.get_data(as_text=True))
    assert row_counts() == after_first


@pytest.mark.parametrize("same_form", [False, True], ids=["two-engineers", "double-submit"])
def test_two_corrections_at_once_correct_once(request, pki_app, live_server, crl_index,
                                             tmp_path, monkeypatch, same_form):
    pki = request.getfixturevalue("demo_pki")
    request.getfixturevalue("pki_services")
    for key, value in pki_config(pki, crl_index, tmp_path / "files").items():
        monkeypatch.setitem(live_server.app.config, key, value)
    accepted = accepted_world(pki, tmp_path)
    engineers = [create_staff_user(SUPPLIER_ENGINEER) for _ in range(1 if same_form else 2)]
    url = f"/staff/reading-review/{accepted.document_id}"
    tabs = [LiveSession(live_server) for _ in range(2)]
    forms = []
    for i, tab in enumerate(tabs):
        tab.login(engineers[0 if same_form else i].login, PASSWORD)
        page = tab.get(url).text
        forms.append({**_row_form(page, DAY), "value": f"458{i}", "reason": f"причина {i}",
                      "csrf_token": tab.token(url)})
    if same_form:
        forms[1] = {**forms[0], "csrf_token": forms[1]["csrf_token"]}

    def post(i: int) -> Any:
        return tabs[i].http.post(f"{tabs[i].base}{url}/correct", data=forms[i],
                                 headers={"Referer": tabs[i].base + url},
                                 allow_redirects=False, timeout=120)

    results = run_together([lambda i=i: post(i) for i in range(2)])
    codes = sorted(getattr(r, "status_code", r) for r in results)
    db.session.expire_all()
    corrections = db.session.scalars(select(ReadingCorrection)).all()
    assert len(corrections) == 1, codes
    if same_form:
        assert codes[0] in (302, 303) and all(c in (302, 303) for c in codes), codes
    else:
        assert codes == [302, 422], codes
        loser = next(r for r in results if r.status_code == 422)
        assert "изменён за это время" in _text(loser.text)


def test_the_engineer_sets_the_periods_rule(client, accepted):
    as_staff(client, SUPPLIER_ENGINEER)
    act = db.session.get(ReadingAct, accepted.act_id)
    url = f"/staff/reading-review?period={act.period_id}"
    page = _text(client.get(url).get_data(as_text=True))
    assert "начисления по всем принятым актам" in page
    r = client.post(f"/staff/reading-review/periods/{act.period_id}/rule",
                    data={"required": "1", "csrf_token": csrf_token(client, url)})
    assert r.status_code == 302
    page = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "начисления только по показаниям, подтверждённым инженером" in page
