"""The «Показания» page and the operator's paper readings: the table as seed 002 draws it,
each refusal beside its row, the confirmation step, the read-only state outside the window,
and the act's page the submission leads to."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
import time_machine
from sqlalchemy import select

from lk_corporate.core.extensions import db
from lk_corporate.core.rights import CLIENT_ACCOUNTANT, CLIENT_SIGNER, SUPPLIER_OPERATOR
from lk_corporate.docflow.models import Document, DocumentStatus
from lk_corporate.periods.models import PeriodStatus
from lk_corporate.reading_acts.models import ReadingAct, ReadingSource
from tests.clients.helpers import as_client_user, as_staff, field_error
from tests.readings.helpers import NOW, World, make_world
from tests.support.factories import create_client, create_client_user, csrf_token, login
from tests.support.snapshots import row_counts


@pytest.fixture()
def world(session, tmp_path, clean_app, monkeypatch) -> Iterator[World]:
    # (monkeypatched: the app outlives this test, and a later test's files must go where the
    # live server, built from the suite's configuration, looks for them)
    monkeypatch.setitem(clean_app.config, "LK_STORAGE_DIR", str(tmp_path / "files"))
    with time_machine.travel(NOW, tick=False):
        yield make_world(tmp_path)


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))).replace("\xa0", " ")


def _form(world: World, **values: str) -> dict[str, str]:
    power, water = world.meters["power"], world.meters["water"]
    data = {f"v-{power.id}-day": "4600,12", f"v-{power.id}-night": "2020.55",
            f"m-{power.id}-day": "reading", f"m-{power.id}-night": "reading",
            f"v-{water.id}-single": "171.902", f"m-{water.id}-single": "reading"}
    data.update(values)
    return data


def _post(client, url: str, data: dict[str, str], *, confirm: tuple[str, ...] = ()):
    page = client.get(url).get_data(as_text=True)
    token = csrf_token(client, url)
    submission = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="submission_id"[^>]*value="([^"]+)"', page)
    payload = {**data, "csrf_token": token, "submission_id": submission.group(1) if submission else ""}
    if confirm:
        payload["confirm"] = list(confirm)  # type: ignore[assignment]
    return client.post(url, data=payload)


def test_the_table_shows_every_meter_as_seed_002_draws_it(client, world):
    as_client_user(client, world.client)
    page = client.get("/readings")
    assert page.status_code == 200
    text = _text(page.get_data(as_text=True))
    for expected in ("Показания приборов учёта", "Расчётный период: 11.2026", "Заводской номер",
                     "Дата поверки", "Предыдущее показание", "ТТ", "ТН",
                     "Передано в этом периоде", "0804201234", "4 521,37", "25.10.2026",
                     "12223773", "145,554", "При установке", "01.09.2026", "нет заводского номера",
                     "Снят", "Передать показания"):
        assert expected in text, expected
    assert 'class="table-responsive lk-table-wrap' in page.get_data(as_text=True)


def test_the_page_reads_the_same_number_of_statements_for_more_meters(client, world):
    """No query per meter (each meter's point comes with the meters): a client with dozens
    of meters costs the page what a client with four does."""
    from tests.support.factories import create_meter
    from tests.support.statements import statements

    as_client_user(client, world.client)
    assert client.get("/readings").status_code == 200  # the caches warm
    with statements() as few:
        assert client.get("/readings").status_code == 200
    for _ in range(8):
        create_meter(world.client)
    db.session.commit()
    with statements() as more:
        assert client.get("/readings").status_code == 200
    assert len(more) == len(few)


def test_submitting_leads_to_the_act_page(client, world):
    as_client_user(client, world.client)
    r = _post(client, "/readings", _form(world))
    assert r.status_code == 302, _text(r.get_data(as_text=True))[:2000]
    act = db.session.scalars(select(ReadingAct)).one()
    assert r.headers["Location"].endswith(f"/reading-acts/{act.document_id}")
    page = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "Акт предоставления показаний № АП-2026-00001" in page
    assert "Ожидает подписи" in page and "Загрузить подписанный акт" in page
    assert "Показания переданы: сформирован акт № АП-2026-00001" in page
    pdf = client.get(f"/reading-acts/{act.document_id}/file")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    assert pdf.mimetype == "application/pdf"
    # the readings page now shows what was sent and points at the act
    readings = _text(client.get("/readings").get_data(as_text=True))
    assert "АП-2026-00001" in readings and "акт ещё не принят" in readings
    # the act is in the client's list
    assert "АП-2026-00001" in _text(client.get("/reading-acts").get_data(as_text=True))


def test_each_refusal_beside_its_row_and_nothing_saved(client, world):
    as_client_user(client, world.client)
    power, nameless, removed = (world.meters[k] for k in ("power", "nameless", "removed"))
    before = row_counts()
    r = _post(client, "/readings", _form(world, **{
        f"v-{power.id}-day": "12.3.4", f"v-{nameless.id}-single": "10",
        f"v-{removed.id}-single": "900"}))
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert field_error(page, f"v-{power.id}-day") == \
        "Введите цифры и не более одного десятичного разделителя (. или ,)."
    assert field_error(page, f"v-{nameless.id}-single") == \
        "Показания по прибору учёта без заводского номера не принимаются."
    assert field_error(page, f"v-{removed.id}-single") == \
        "Нельзя передать показания по прибору учёта, который не в работе."
    assert field_error(page, f"v-{power.id}-night") is None
    assert 'value="12.3.4"' in page  # what was typed stays
    assert row_counts() == {**before, "form_submissions": before["form_submissions"]}


def test_partial_submission_asks_for_confirmation_first(client, world):
    as_client_user(client, world.client)
    water = world.meters["water"]
    data = _form(world, **{f"v-{water.id}-single": ""})
    r = _post(client, "/readings", data)
    assert r.status_code == 409
    page = r.get_data(as_text=True)
    assert "Вы передаёте показания по 1 из 2 приборов учёта" in _text(page)
    assert 'name="confirm" value="partial_submission"' in page
    assert db.session.scalars(select(ReadingAct)).first() is None
    r = _post(client, "/readings", data, confirm=("partial_submission",))
    assert r.status_code == 302


def test_outside_the_window_the_page_is_read_only(client, world):
    world.period.status = PeriodStatus.CLOSED
    db.session.commit()
    as_client_user(client, world.client)
    page = client.get("/readings").get_data(as_text=True)
    closed = "Нет открытого расчётного периода: показания сейчас не принимаются."
    assert closed in _text(page)
    assert "Передать показания" not in _text(page) and " disabled" in page
    before = row_counts()
    r = _post(client, "/readings", _form(world))
    assert r.status_code == 422
    assert closed in _text(r.get_data(as_text=True))
    assert row_counts() == before


def test_a_signer_without_the_entry_right_sees_but_cannot_submit(client, world):
    as_client_user(client, world.client, roles=(CLIENT_SIGNER,))
    page = _text(client.get("/readings").get_data(as_text=True))
    assert "Ваша роль позволяет просматривать показания, но не передавать их." in page
    token = csrf_token(client, "/readings")
    assert client.post("/readings", data={**_form(world), "csrf_token": token}).status_code == 403


def test_the_operator_enters_paper_readings(client, world):
    as_staff(client, SUPPLIER_OPERATOR)
    detail = _text(client.get(f"/staff/clients/{world.client.id}").get_data(as_text=True))
    assert "Ввести показания с бумажного бланка" in detail
    url = f"/staff/clients/{world.client.id}/readings"
    r = _post(client, url, _form(world))
    assert r.status_code == 302, _text(r.get_data(as_text=True))[:1500]
    act = db.session.scalars(select(ReadingAct)).one()
    assert act.source is ReadingSource.PAPER
    assert r.headers["Location"].endswith(f"/staff/clients/{world.client.id}/reading-acts/"
                                          f"{act.document_id}")
    page = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "Бумажный бланк (внесён поставщиком)" in page
    # the same rules: a refusal beside its row
    power = world.meters["power"]
    r = _post(client, url, _form(world, **{f"v-{power.id}-day": "1"}))
    assert r.status_code == 422
    assert "Показание меньше предыдущего" in field_error(r.get_data(as_text=True),
                                                          f"v-{power.id}-day")


def test_another_clients_act_is_not_found(client, world):
    from tests.readings.helpers import full_entries, submit

    theirs = submit(world, full_entries(world))
    stranger = create_client()
    create_client_user(stranger, login="stranger", roles=(CLIENT_ACCOUNTANT, CLIENT_SIGNER))
    login(client, "stranger")
    for url in (f"/reading-acts/{theirs.document.id}", f"/reading-acts/{theirs.document.id}/file",
                f"/reading-acts/{theirs.document.id}/report"):
        assert client.get(url).status_code == 404, url
    token = csrf_token(client, "/readings")
    r = client.post(f"/reading-acts/{theirs.document.id}/upload", data={"csrf_token": token})
    assert r.status_code == 404
    assert db.session.get(Document, theirs.document.id).status is DocumentStatus.AWAITING_SIGNATURE


def test_the_cabinet_links_the_readings_and_the_periods_act(client, world):
    as_client_user(client, world.client)
    cabinet = _text(client.get("/cabinet").get_data(as_text=True))
    assert "Показания за этот период ещё не переданы." in cabinet and "Передача показаний" in cabinet
    assert _post(client, "/readings", _form(world)).status_code == 302
    act = db.session.scalars(select(ReadingAct)).one()
    page = client.get("/cabinet").get_data(as_text=True)
    assert f'href="/reading-acts/{act.document_id}"' in page
    text = _text(page)
    assert "Акт предоставления показаний № АП-2026-00001 : Ожидает подписи" in text


def test_in_english_the_rules_speak_english(client, world):
    as_client_user(client, world.client)
    client.get("/lang/en")
    power = world.meters["power"]
    page = client.get("/readings").get_data(as_text=True)
    assert "Meter readings" in page and "Previous reading" in page
    r = _post(client, "/readings", _form(world, **{f"v-{power.id}-day": "4500"}))
    assert field_error(r.get_data(as_text=True), f"v-{power.id}-day") == (
        "The reading is below the previous one (4,521.37). If the register passed its maximum "
        "and started from zero, tick «roll-over».")
    r = _post(client, "/readings", _form(world))
    act_page = _text(client.get(r.headers["Location"]).get_data(as_text=True))
    assert "Reading act № АП-2026-00001" in act_page and "Awaiting signature" in act_page
