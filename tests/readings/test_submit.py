"""``submit_readings``: one operation for the page, the paper form and the API. It checks
everything first and writes nothing when it refuses; it issues the act with the readings
attached and the confirmed warnings printed; a new submission supersedes the unsigned act."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from documents import extract_readings_payload
from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.docflow.operations import issue_document
from lk_corporate.periods.models import PeriodStatus
from lk_corporate.reading_acts.models import ReadingAct, ReadingSource
from lk_corporate.reading_acts.operations import ActError
from lk_corporate.readings.models import Reading, ReadingStatus
from lk_corporate.readings.operations import (
    AlreadySubmitted,
    NeedsConfirmation,
    ReadingRefused,
    ReadingWindowClosed,
)
from lk_corporate.readings.rules import Entry, EntryMode
from tests.readings.helpers import ACTOR, D, full_entries, make_world, submit
from tests.support.snapshots import row_counts


@pytest.fixture()
def world(session, tmp_path):
    return make_world(tmp_path)


def _readings(document_id: int) -> dict[tuple[int, str], Reading]:
    db.session.expire_all()
    rows = db.session.scalars(select(Reading).where(Reading.document_id == document_id))
    return {(r.meter_id, r.zone): r for r in rows}


def test_submission_issues_the_act_with_the_readings_attached(world):
    power, water = world.meters["power"], world.meters["water"]
    done = submit(world, full_entries(world))
    document = done.document
    assert document.kind is DocumentKind.READING_ACT
    assert document.status is DocumentStatus.AWAITING_SIGNATURE
    assert document.number == "АП-2026-00001" and document.period_id == world.period.id
    rows = _readings(document.id)
    assert {k: (r.value, r.consumption, r.status) for k, r in rows.items()} == {
        # (4600.12 − 4521.37) × 40 × 100 and (2020.55 − 1987.04) × 40 × 100
        (power.id, "day"): (D("4600.12"), D("315000"), ReadingStatus.PENDING),
        (power.id, "night"): (D("2020.55"), D("134040"), ReadingStatus.PENDING),
        # a new meter: counted from its installation reading
        (water.id, "single"): (D("171.902"), D("26.348"), ReadingStatus.PENDING),
    }
    day = rows[(power.id, "day")]
    assert (day.previous_value, day.previous_date, day.previous_source) == (
        D("4521.37"), dt.date(2026, 10, 25), "client")
    assert day.entered == "4600,12" and day.mode is EntryMode.READING
    assert day.source is ReadingSource.CLIENT and day.reading_date == dt.date(2026, 11, 26)
    water_row = rows[(water.id, "single")]
    assert (water_row.previous_source, water_row.previous_date) == ("installation",
                                                                   dt.date(2026, 9, 1))
    # the file: the readings attached, exactly as recorded, and their hash kept
    pdf = world.store.get(document.sha256)
    act = db.session.scalars(select(ReadingAct).where(ReadingAct.document_id == document.id)).one()
    payload = extract_readings_payload(pdf, expected_sha256=act.payload_sha256).json()
    assert payload["act"]["number"] == "АП-2026-00001" and payload["act"]["period"] == "2026-11"
    assert payload["client"]["tax_id"] == "7712345671"
    assert [(r["factory_number"], r["zone"], r["current"]["value"], r["consumption"])
            for r in payload["readings"]] == [
        ("0804201234", "day", "4600.12", "315000"),
        ("0804201234", "night", "2020.55", "134040"),
        ("12223773", "single", "171.902", "26.348"),
    ]
    assert payload["confirmed_warnings"] == []
    assert act.source is ReadingSource.CLIENT and act.verify_token


def test_partial_submission_asks_first_and_prints_the_confirmation(world):
    power = world.meters["power"]
    entries = [Entry(power.id, "day", "4600.12"), Entry(power.id, "night", "2020.55")]
    before = row_counts()
    with pytest.raises(NeedsConfirmation) as asked:
        submit(world, entries)
    assert row_counts() == before
    [warning] = asked.value.as_list(locale="ru")
    assert warning["code"] == "partial_submission" and warning["meter_id"] is None
    assert warning["message"].startswith("Вы передаёте показания по 1 из 2 приборов учёта")
    done = submit(world, entries, confirm=frozenset({"partial_submission"}))
    payload = extract_readings_payload(world.store.get(done.document.sha256)).json()
    assert payload["confirmed_warnings"] == [warning["message"]]
    assert all(json.loads(r.confirmed) == ["partial_submission"] for r in done.readings)


def test_consumption_above_the_maximum_needs_a_confirmation_that_is_recorded(world):
    power = world.meters["power"]
    power.max_consumption = D(200000)
    db.session.commit()
    code = f"over_max_consumption:{power.id}:day"
    with pytest.raises(NeedsConfirmation) as asked:
        submit(world, full_entries(world))
    assert [w.code for w in asked.value.warnings] == [code]
    # confirming something else is not confirming this
    with pytest.raises(NeedsConfirmation):
        submit(world, full_entries(world), confirm=frozenset({"partial_submission"}))
    done = submit(world, full_entries(world), confirm=frozenset({code}))
    rows = _readings(done.document.id)
    assert json.loads(rows[(power.id, "day")].confirmed) == [code]
    assert json.loads(rows[(power.id, "night")].confirmed) == []
    act = db.session.scalars(select(ReadingAct)).one()
    [printed] = act.confirmed_warnings
    assert printed["code"] == code
    printed["text"] = printed["text"].replace("\xa0", " ")
    assert "0804201234" in printed["text"] and "День" in printed["text"]
    assert "315 000" in printed["text"] and "200 000" in printed["text"]


def test_every_row_refused_is_named_and_nothing_is_saved(world):
    power, nameless, removed = (world.meters[k] for k in ("power", "nameless", "removed"))
    before = row_counts()
    entries = [*full_entries(world, day="4500", night="2020,5,5"),
               Entry(nameless.id, "single", "12"), Entry(removed.id, "single", "500"),
               Entry(987654, "single", "1")]
    with pytest.raises(ReadingRefused) as refused:
        submit(world, entries)
    assert row_counts() == before
    errors = {(e["meter_id"], e["zone"]): (e["code"], e["message"].replace("\xa0", " "))
              for e in refused.value.as_list(locale="ru")}
    assert errors == {
        (power.id, "day"): ("below_previous", (
            "Показание меньше предыдущего (4 521,37). Если счётный механизм прошёл максимум и "
            "начал счёт с нуля, отметьте «переход через ноль».")),
        (power.id, "night"): ("format", ("Введите цифры и не более одного десятичного "
                                         "разделителя (. или ,).")),
        (nameless.id, "single"): ("no_factory_number", ("Показания по прибору учёта без "
                                                        "заводского номера не принимаются.")),
        (removed.id, "single"): ("not_in_service", ("Нельзя передать показания по прибору "
                                                    "учёта, который не в работе.")),
        (987654, "single"): ("unknown_meter", "Такого прибора учёта нет."),
    }


def test_nothing_entered(world):
    with pytest.raises(ReadingRefused) as refused:
        submit(world, [Entry(world.meters["power"].id, "day", "  ")])
    assert [e.code for e in refused.value.errors] == ["nothing_entered"]


@pytest.mark.parametrize("case", ["before_calculation_date", "closed", "invoice_issued"])
def test_outside_the_reading_window_nothing_is_accepted(world, case):
    now = dt.datetime(2026, 11, 26, 9, 0, tzinfo=dt.UTC)
    expected = ""
    if case == "before_calculation_date":
        now = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
        expected = "Показания за 11.2026 принимаются с 25.11.2026."
    elif case == "closed":
        world.period.status = PeriodStatus.CLOSED
        db.session.commit()
        expected = "Период 11.2026 не открыт для передачи показаний."
    else:
        issue_document(db.session, world.store, kind=DocumentKind.INVOICE, number="С-1",
                       client_id=world.client.id, period_id=world.period.id,
                       date=dt.date(2026, 11, 26), pdf=b"%PDF-1.7 invoice", actor=ACTOR)
        db.session.commit()
        expected = "Счёт за 11.2026 выставлен: приём показаний за этот период закрыт."
    before = row_counts()
    with pytest.raises(ReadingWindowClosed) as closed:
        submit(world, full_entries(world), now=now)
    assert row_counts() == before
    from lk_corporate.core.i18n import message_text

    assert message_text(closed.value.message, closed.value.params, locale="ru") == expected


def test_paper_readings_go_through_the_same_operation(world):
    done = submit(world, full_entries(world), source=ReadingSource.PAPER)
    assert {r.source for r in done.readings} == {ReadingSource.PAPER}
    assert done.act.source is ReadingSource.PAPER
    with pytest.raises(ReadingRefused):
        submit(world, full_entries(world, day="1"), source=ReadingSource.PAPER)


def test_a_new_submission_supersedes_the_unsigned_act(world):
    first = submit(world, full_entries(world))
    second = submit(world, full_entries(world, day="4600.50"))
    db.session.expire_all()
    old = db.session.get(Document, first.document.id)
    new = db.session.get(Document, second.document.id)
    assert old.status is DocumentStatus.SUPERSEDED and new.status is DocumentStatus.AWAITING_SIGNATURE
    assert new.supersedes_id == old.id and new.number == "АП-2026-00002"
    assert {r.status for r in _readings(old.id).values()} == {ReadingStatus.SUPERSEDED}
    assert {r.status for r in _readings(new.id).values()} == {ReadingStatus.PENDING}


def test_the_same_readings_again_make_no_second_act(world):
    first = submit(world, full_entries(world))
    before = row_counts()
    with pytest.raises(AlreadySubmitted) as again:
        submit(world, full_entries(world))
    assert again.value.act.document_id == first.document.id
    assert row_counts() == before


def test_an_act_needs_the_contract_date(session, tmp_path):
    world = make_world(tmp_path, contract_date=None)
    before = row_counts()
    with pytest.raises(ActError):
        submit(world, full_entries(world))
    assert row_counts() == before
