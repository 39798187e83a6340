"""The engineer's corrections and confirmations through the operations, on the real act
flow: a correction is a supplier-signed revision of the act carrying ``corrections.json``;
the client's signature stays valid (pdfsig); the calculation charges the corrected value
(worked out by hand); bad input, a stale page and a charged act change nothing."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from decimal import Decimal

import pytest
from sqlalchemy import select

from documents.reading_corrections import extract_corrections_payload
from lk_corporate.calculation.acts import read_act
from lk_corporate.calculation.engine import CalculationError
from lk_corporate.core.audit import AuditEntry, verify_chain
from lk_corporate.core.errors import NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.mail import OutgoingMail
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import void
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.operations import issue_invoices_for_act
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingAct, ReadingCorrection, ReadingSource
from lk_corporate.reading_review.operations import (
    ReviewError,
    confirm_readings,
    period_reviews,
    require_confirmation,
    review_act,
)
from lk_corporate.readings.models import Reading, ReadingStatus
from tests.reading_review.helpers import DAY, ENGINEER, correct, version
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.support.factories import create_client_user
from tests.support.snapshots import row_counts

D = Decimal
SETTINGS = InvoicingSettings(base_url="https://lk.example", payment_days=10)


def _document(accepted) -> Document:
    db.session.expire_all()
    return db.session.get(Document, accepted.document_id)


def _invoice(accepted) -> Invoice:
    with unit_of_work() as s:
        pair = issue_invoices_for_act(s, context.file_store(), s.get(Document, accepted.document_id),
                                      actor=ENGINEER, supplier_key=context.supplier_key(),
                                      settings=SETTINGS, today=dt.date(2026, 12, 1))
        invoice_id = pair.invoice.id
    return db.session.get(Invoice, invoice_id)


def test_a_correction_is_signed_by_the_supplier_and_the_invoice_charges_it(
        accepted, nss_db, tmp_path):
    create_client_user(accepted.world.client, email="buh@romashka.example")
    act_file = _document(accepted).sha256
    correction = correct(accepted, "4580,12", "Контрольное снятие показаний 25.11.2026")
    document = _document(accepted)
    store = context.file_store()
    # The act the client signed is untouched: the same file, both signatures valid (pdfsig).
    assert document.sha256 == act_file and len(document.revisions) == 3
    act_path = tmp_path / "act.pdf"
    act_path.write_bytes(store.get(document.sha256))
    assert_pdfsig_all_valid(act_path, nss_db, 2)
    assert (correction.seq, correction.old_value, correction.new_value) == (
        1, D("4600.12"), D("4580.12"))
    # (4580,12 − 4521,37) × CT 40 × VT 100
    assert correction.new_consumption == D(235000) and correction.old_consumption == D(315000)

    # The correction: a document of its own, signed by the supplier, valid in pdfsig too.
    fix = correction.correction_document
    assert fix.kind is DocumentKind.READING_CORRECTION and fix.status is DocumentStatus.SENT
    assert fix.number == "КП-2026-00001" and fix.client_id == accepted.world.client.id
    [revision] = fix.revisions
    assert revision.source is RevisionSource.SUPPLIER_SIGNATURE
    assert revision.verdict == "TOTAL-PASSED"
    fix_path = tmp_path / "correction.pdf"
    fix_pdf = store.get(fix.sha256)
    fix_path.write_bytes(fix_pdf)
    assert_pdfsig_all_valid(fix_path, nss_db, 1)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=fix_pdf,
                          capture_output=True, check=True).stdout.decode()
    assert "Акт корректировки показаний" in text and document.number in text
    assert "4 600,12" in text and "4 580,12" in text and "Контрольное снятие" in text
    found = extract_corrections_payload(fix_pdf)
    assert found is not None and found.sha256 == correction.payload_sha256
    [entry] = found.json()["corrections"]
    assert (D(entry["old"]["value"]), entry["new"]["value"]) == (D("4600.12"), "4580.12")
    act = db.session.get(ReadingAct, accepted.act_id)
    assert found.json()["act"] == {"number": document.number,
                                   "readings_sha256": act.payload_sha256}

    read = read_act(db.session, context.file_store(), document, supplier_tax_id="7701234560")
    day = next(r for r in read.payload.readings if r.zone == "day")
    assert (day.current, day.consumption) == (D("4580.12"), D(235000))
    assert [c.seq for c in read.corrections] == [1]

    invoice = _invoice(accepted)
    # Day 235 000 kWh × 5,4321 = 1 276 543,50 + VAT 255 308,70; night (2020,55 − 1987,04) ×
    # 4 000 = 134 040 × 2,7654 = 370 674,22 (370 674,216) + 74 134,84; water 171,902 −
    # 145,554 = 26,348 m³ × 40,00 = 1 053,92 + 210,78.
    # Net 1 648 271,64; VAT 329 654,32; total 1 977 925,96 (uncorrected: day 315 000 kWh,
    # 434 568,00 more net).
    assert (invoice.net, invoice.vat, invoice.total) == (
        D("1648271.64"), D("329654.32"), D("1977925.96"))

    # The readings: the corrected one counts from now on (next month's "previous").
    rows = db.session.scalars(select(Reading).where(Reading.document_id == document.id,
                                                    Reading.zone == "day")
                              .order_by(Reading.id)).all()
    assert [(r.value, r.source, r.status) for r in rows] == [
        (D("4600.12"), ReadingSource.CLIENT, ReadingStatus.SUPERSEDED),
        (D("4580.12"), ReadingSource.CORRECTION, ReadingStatus.ACCEPTED)]
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "reading_act.reading_corrected")).all()
    assert len(entries) == 1 and json.loads(entries[0].details)["new"] == "4580.12"
    assert verify_chain(db.session).intact
    [mail] = db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.kind == "readings_corrected")).all()
    assert mail.to == "buh@romashka.example" and document.number in mail.subject
    assert "4600.12 → 4580.12" in mail.body_text and "Контрольное снятие" in mail.body_text

    # Charged: no more corrections.
    before = row_counts()
    with pytest.raises(ReviewError, match="already calculated"):
        correct(accepted, "4590")
    assert row_counts() == before


def test_corrections_accumulate_and_a_later_one_replaces_the_value(accepted):
    correct(accepted, "4580.12")
    second = correct(accepted, "4590.12", "Уточнено по фотографии счётчика")
    assert second.seq == 2 and (second.old_value, second.new_value) == (D("4580.12"),
                                                                          D("4590.12"))
    found = extract_corrections_payload(context.file_store().get(
        second.correction_document.sha256))
    assert [(c["seq"], c["old"]["value"]) for c in found.json()["corrections"]] == [
        (2, "4580.12")]
    review = review_act(db.session, context.file_store(), db.session.get(ReadingAct,
                                                                          accepted.act_id))
    day = next(r for r in review.rows if r.key == DAY)
    assert (day.signed_current, day.current, len(day.corrections)) == (
        D("4600.12"), D("4590.12"), 2)
    assert _invoice(accepted).net == D("1648271.64") + 40000 * D("5.4321")


@pytest.mark.parametrize(("value", "reason", "field", "message"), [
    ("", "причина", "value", "Enter the corrected reading"),
    ("abc", "причина", "value", "must be a number"),
    ("1e400", "причина", "value", "too large"),
    ("NaN", "причина", "value", "must be a number"),
    ("-5", "причина", "value", "cannot be negative"),
    ("99999999", "причина", "value", "does not fit the register"),
    ("4500", "причина", "value", "below the previous"),
    ("4580.1234567", "причина", "value", "digits after the decimal point"),
    ("4600.12", "причина", "value", "nothing to correct"),
    ("4580", "", "reason", "Say why"),
    ("4580", "x" * 1001, "reason", "At most"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(accepted, value, reason,
                                                                    field, message):
    before = row_counts()
    with pytest.raises(ReviewError, match=message) as refused:
        correct(accepted, value, reason)
    assert refused.value.field == field
    assert row_counts() == before


def test_an_unknown_row_is_not_found(accepted):
    before = row_counts()
    with pytest.raises(NotFound):
        correct(accepted, "4580", row="0000000|day")
    assert row_counts() == before


def test_a_stale_page_is_refused_and_changes_nothing(accepted):
    shown = version(accepted)
    correct(accepted, "4580.12", shown=shown)
    before = row_counts()
    with pytest.raises(ReviewError, match="changed meanwhile"):
        correct(accepted, "4570.12", shown=shown)
    assert row_counts() == before
    assert db.session.scalars(select(ReadingCorrection)).one().new_value == D("4580.12")


def test_confirmation_is_recorded_and_a_correction_clears_it(accepted):
    shown = version(accepted)
    with unit_of_work() as s:
        confirm_readings(s, s.get(ReadingAct, accepted.act_id), version=shown, actor=ENGINEER)
    act = db.session.get(ReadingAct, accepted.act_id)
    assert act.confirmed_at is not None and act.confirmed_by == "engineer"
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "reading_act.readings_confirmed")).one().object_id == \
        str(accepted.document_id)
    with pytest.raises(ReviewError, match="changed meanwhile"), unit_of_work() as s:
        confirm_readings(s, s.get(ReadingAct, accepted.act_id), version=shown, actor=ENGINEER)
    with pytest.raises(ReviewError, match="already confirmed"), unit_of_work() as s:
        confirm_readings(s, s.get(ReadingAct, accepted.act_id), version=version(accepted),
                         actor=ENGINEER)
    correct(accepted, "4580.12")
    db.session.expire_all()
    act = db.session.get(ReadingAct, accepted.act_id)
    assert act.confirmed_at is None
    [review] = period_reviews(db.session, context.file_store(), act.period_id)
    assert review.act.id == act.id and len(review.corrections) == 1 and review.editable


def test_a_correction_the_database_does_not_back_is_refused_by_the_calculation(accepted):
    correct(accepted, "4580.12")
    with unit_of_work() as s:
        row = s.scalars(select(ReadingCorrection)).one()
        row.new_value = D("4500.12")
    with pytest.raises(CalculationError, match="differs from the database"):
        read_act(db.session, context.file_store(), _document(accepted),
                 supplier_tax_id="7701234560")
    with unit_of_work() as s:
        row = s.scalars(select(ReadingCorrection)).one()
        row.new_value = D("4580.12")
        row.correction_document.revisions[0].verdict = "TOTAL-FAILED"
    with pytest.raises(CalculationError, match="no valid signature of the supplier"):
        read_act(db.session, context.file_store(), _document(accepted),
                 supplier_tax_id="7701234560")


def test_a_voided_correction_no_longer_counts(accepted):
    correction = correct(accepted, "4580.12")
    with unit_of_work() as s:
        void(s, s.get(Document, correction.correction_document_id), actor=ENGINEER,
             reason="ошибочная корректировка")
    read = read_act(db.session, context.file_store(), _document(accepted),
                    supplier_tax_id="7701234560")
    day = next(r for r in read.payload.readings if r.zone == "day")
    assert day.current == D("4600.12") and read.corrections == ()


def test_a_period_that_requires_the_confirmation_skips_unconfirmed_acts(accepted):
    act = db.session.get(ReadingAct, accepted.act_id)
    with unit_of_work() as s:
        require_confirmation(s, act.period_id, True, actor=ENGINEER)
    with pytest.raises(CalculationError, match="not confirmed by an engineer"):
        _invoice(accepted)
    assert db.session.scalars(select(Invoice)).all() == []
    with unit_of_work() as s:
        confirm_readings(s, s.get(ReadingAct, accepted.act_id), version=version(accepted),
                         actor=ENGINEER)
    correct(accepted, "4580.12")  # a correction after the confirmation needs a new one
    with pytest.raises(CalculationError, match="not confirmed by an engineer"):
        _invoice(accepted)
    with unit_of_work() as s:
        confirm_readings(s, s.get(ReadingAct, accepted.act_id), version=version(accepted),
                         actor=ENGINEER)
    assert _invoice(accepted).net == D("1648271.64")
    assert db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "period.readings_confirmation_required")).one()


def test_an_act_whose_readings_were_edited_in_the_database_is_refused(accepted):
    """The calculation compares the signed act with the rows it was made from and with the
    attachment's hash stored when it was issued: an edit to either refuses the act."""
    read_act(db.session, context.file_store(), _document(accepted), supplier_tax_id="7701234560")
    with unit_of_work() as s:
        row = s.scalars(select(Reading).where(Reading.document_id == accepted.document_id)
                        .order_by(Reading.id)).first()
        original, row.value = row.value, row.value + 1
    with pytest.raises(CalculationError, match="readings in the database differ"):
        read_act(db.session, context.file_store(), _document(accepted),
                 supplier_tax_id="7701234560")
    with unit_of_work() as s:
        row = s.scalars(select(Reading).where(Reading.document_id == accepted.document_id)
                        .order_by(Reading.id)).first()
        row.value = original
        s.get(ReadingAct, accepted.act_id).payload_sha256 = "0" * 64
    with pytest.raises(CalculationError, match="does not match the hash"):
        read_act(db.session, context.file_store(), _document(accepted),
                 supplier_tax_id="7701234560")
