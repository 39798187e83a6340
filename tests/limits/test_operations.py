"""Limit requests through their operations: the form's starting values from last year's
accepted readings, the checks, the PDF, superseding, and the limits in force (only approved
requests count; the newest approved wins) with the months over them."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from documents import CLIENT, SUPPLIER
from lk_corporate.clients.models import MeterStatus
from lk_corporate.core.errors import NotFound
from lk_corporate.core.extensions import db
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.docflow.states import transition
from lk_corporate.limits import operations as ops
from lk_corporate.readings.models import ReadingStatus
from lk_corporate.supplier.operations import get_settings
from tests.limits.helpers import ACTOR, create, make_firm, reading, twelve
from tests.support.factories import create_meter


@pytest.fixture()
def firm(session, tmp_path):
    return make_firm(tmp_path)


def _approve(request) -> None:
    """Received and accepted by hand (the countersigning itself: tests/countersign)."""
    document = db.session.get(Document, request.document_id)
    transition(db.session, document, DocumentStatus.RECEIVED, actor=ACTOR)
    transition(db.session, document, DocumentStatus.ACCEPTED, actor=ACTOR)
    db.session.commit()


def test_prefill_is_last_years_accepted_consumption_per_point(firm):
    reading(firm.main, 2026, 1, D("700.5"), zone="day")
    reading(firm.main, 2026, 1, D(300), zone="night")
    reading(firm.main, 2026, 2, D(999), status=ReadingStatus.PENDING)  # not accepted
    reading(firm.second, 2026, 12, D(42))
    reading(firm.water, 2026, 1, D(5))  # water: not in kWh, not a limit point
    reading(firm.main, 2025, 3, D(1))  # the year before last
    db.session.commit()
    values = ops.prefill(db.session, firm.client.id, 2027)
    assert set(values) == {firm.main.point_id, firm.second.point_id}
    assert values[firm.main.point_id] == [D("1000.5")] + [None] * 11
    assert values[firm.second.point_id] == [None] * 11 + [D(42)]
    # no readings at all: every month empty
    assert ops.prefill(db.session, firm.client.id, 2030)[firm.main.point_id] == [None] * 12


def test_a_request_is_a_document_awaiting_the_clients_signature(firm):
    request = create(firm, main=twelve(*range(100, 1300, 100)), second=twelve("0.125"))
    document = request.document
    assert document.kind is DocumentKind.LIMIT_REQUEST
    assert document.status is DocumentStatus.AWAITING_SIGNATURE
    assert document.number == "ЗЛ-2026-00001"
    assert ops.request_volumes(request) == {
        firm.main.point_id: [D(v) for v in range(100, 1300, 100)],
        firm.second.point_id: [D("0.125")] * 12}
    pdf = firm.store.get(document.sha256)
    assert pdf.startswith(b"%PDF")
    fields = {name: value for name, value, _ in enumerate_sig_fields(PdfFileReader(io.BytesIO(pdf)))}
    assert fields == {CLIENT: None, SUPPLIER: None}  # both boxes empty
    # not signed, not approved: no limits
    assert ops.approved_limits(db.session, firm.client.id, 2027) == {}


@pytest.mark.parametrize(("months", "field", "code"), [
    (twelve("-1"), "m1", "limit_request_refused"),
    (twelve(10**9 + 1), "m1", "limit_request_refused"),
    (twelve("1.0001"), "m1", "limit_request_refused"),
    ([D(1)] * 11, "points", "limit_request_refused"),
    ([D(1)] * 11 + [D("NaN")], "m12", "limit_request_refused"),
])
def test_volumes_are_checked(firm, months, field, code):
    with pytest.raises(ops.LimitError) as refused:
        create(firm, main=months)
    assert refused.value.code == code
    assert refused.value.field.endswith(field)
    db.session.rollback()
    assert db.session.query(Document).count() == 0


def test_typed_cells_name_the_bad_one():
    assert ops.parse_months(7, ["1 234,5"] + ["0"] * 11)[0] == D("1234.5")
    with pytest.raises(ops.LimitError) as refused:
        ops.parse_months(7, ["1"] * 5 + ["abc"] + ["1"] * 6)
    assert refused.value.field == "p7_m6"
    with pytest.raises(ops.LimitError) as refused:
        ops.parse_months(7, ["1"] * 11 + [""])
    assert refused.value.field == "p7_m12"


def test_another_clients_point_is_not_found_and_the_year_is_bounded(firm, tmp_path):
    other = make_firm(tmp_path / "other")
    with pytest.raises(NotFound):
        ops.check_volumes(db.session, firm.client.id,
                          [ops.PointVolumes(other.main.point_id, twelve(1))])
    with pytest.raises(NotFound):  # water only: no limits in kWh there
        ops.check_volumes(db.session, firm.client.id,
                          [ops.PointVolumes(firm.water.point_id, twelve(1))])
    removed = create_meter(firm.client, status=MeterStatus.REMOVED)
    assert removed.point_id not in {p.id for p in ops.limit_points(db.session, firm.client.id)}
    for year in (2025, 2029):
        with pytest.raises(ops.LimitError) as refused:
            create(firm, year=year)
        assert refused.value.field == "year"
        db.session.rollback()


def test_a_new_request_supersedes_the_unapproved_ones_of_its_year(firm):
    first = create(firm)
    approved = create(firm, main=twelve(500))
    _approve(approved)
    db.session.expire_all()
    assert db.session.get(Document, first.document_id).status is DocumentStatus.SUPERSEDED
    third = create(firm, main=twelve(700))
    other_year = create(firm, year=2028)
    db.session.expire_all()
    # the approved one stays in force until its successor is approved
    assert db.session.get(Document, approved.document_id).status is DocumentStatus.ACCEPTED
    assert third.document.supersedes_id is None
    assert db.session.get(Document, other_year.document_id).status is DocumentStatus.AWAITING_SIGNATURE
    assert ops.approved_limits(db.session, firm.client.id, 2027) == {
        firm.main.point_id: [D(500)] * 12}


def test_rejected_and_unsigned_requests_set_no_limits_the_newest_approved_wins(firm):
    older = create(firm, main=twelve(100), second=twelve(5))
    _approve(older)
    newer = create(firm, main=twelve(200))
    document = db.session.get(Document, newer.document_id)
    transition(db.session, document, DocumentStatus.RECEIVED, actor=ACTOR)
    transition(db.session, document, DocumentStatus.REJECTED, actor=ACTOR, reason="too much")
    db.session.commit()
    assert ops.approved_limits(db.session, firm.client.id, 2027) == {
        firm.main.point_id: [D(100)] * 12, firm.second.point_id: [D(5)] * 12}
    newest = create(firm, main=twelve(300))
    _approve(newest)
    limits = ops.approved_limits(db.session, firm.client.id, 2027)
    assert limits[firm.main.point_id] == [D(300)] * 12
    # a point only the older approved request named keeps its limits
    assert limits[firm.second.point_id] == [D(5)] * 12


def test_months_over_limit_compare_accepted_consumption(firm):
    request = create(firm, year=2026, main=twelve(*([1000] * 12)), second=twelve(50))
    _approve(request)
    reading(firm.main, 2026, 3, D(600), zone="day")
    reading(firm.main, 2026, 3, D(500), zone="night")  # 1100 > 1000
    reading(firm.main, 2026, 4, D(1000))  # equal: not over
    reading(firm.main, 2026, 5, D(5000), status=ReadingStatus.PENDING)  # not accepted
    reading(firm.second, 2026, 11, D("50.001"))
    db.session.commit()
    over = ops.months_over_limit(db.session, firm.client.id, 2026)
    assert {(o.point_id, o.month, o.limit, o.actual, o.excess) for o in over} == {
        (firm.main.point_id, 3, D(1000), D(1100), D(100)),
        (firm.second.point_id, 11, D(50), D("50.001"), D("0.001"))}
    assert ops.months_over_limit(db.session, firm.client.id, 2027) == []


def test_dates_are_the_suppliers_local_dates(firm):
    late = dt.datetime(2026, 12, 31, 22, 30, tzinfo=dt.UTC)  # 1 January in Moscow
    request = ops.create_limit_request(
        db.session, firm.store, client=firm.client, year=2027,
        points=[ops.PointVolumes(firm.main.point_id, twelve(1))],
        supplier=get_settings(db.session), actor=ACTOR, base_url="https://lk.example", now=late)
    assert request.document.date == dt.date(2027, 1, 1)
    assert request.document.number.startswith("ЗЛ-2027-")
