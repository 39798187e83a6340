"""Invoices from an accepted, client-signed act: amounts as worked out by hand, numbers,
the supplier's signature (valid in our validator, `lk verify` and poppler's `pdfsig`),
idempotence, a corrected act voiding and reissuing, acts whose attachment does not match."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from decimal import Decimal as D
from pathlib import Path

import pytest
from sqlalchemy import func, select

from documents import SUPPLIER
from lk_corporate.calculation.engine import CalculationError
from lk_corporate.core.audit import Actor, verify_chain
from lk_corporate.core.extensions import db
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.operations import issue_invoices_for_act
from signing import Level, signature_level
from signing.validation import ValidationSettings, validate_pdf
from signing.validation.trust import load_trust_roots
from tests.invoicing.conftest import TODAY
from tests.support.acts import Row, accepted_act

ACTOR = Actor.system("tests")


def zmk_like(billing, store, demo_pki, **act_kw):
    """A client with a two-zone meter and a meter behind CT 200/5 and VT 10000/100."""
    firm = billing.client()
    two_zone = billing.meter(firm, zones="day,night", factory_number="0804201234")
    behind_ct = billing.meter(firm, ct_ratio=D(40), vt_ratio=D(100), factory_number="0804205678")
    act = accepted_act(store, billing.supplier, firm, billing.period, [
        Row(two_zone, D("12345.67"), D("12987.43"), zone="day"),
        Row(two_zone, D("4567.89"), D("4801.02"), zone="night"),
        Row(behind_ct, D("123.45"), D("125.70")),
    ], signer=demo_pki.client, **act_kw)
    return firm, act


def issue(store, act, supplier_key, settings, today=TODAY):
    with unit_of_work() as s:
        pair = issue_invoices_for_act(s, store, s.get(Document, act.id), actor=ACTOR,
                                      supplier_key=supplier_key, settings=settings, today=today)
        return pair.invoice.id, pair.tax_invoice.id, pair.created


def report(pdf: bytes, demo_pki):
    roots = load_trust_roots((str(demo_pki.root_pem),))
    # Revocation over the network: the demo PKI's OCSP responder on loopback.
    return validate_pdf(pdf, ValidationSettings(trust_roots=roots, allow_fetch=True,
                                                expected_tax_id="7701234560"))


def test_an_accepted_act_gives_a_signed_pair_with_the_amounts_worked_out_by_hand(
        billing, store, supplier_key, settings, demo_pki):
    firm, act = zmk_like(billing, store, demo_pki)
    invoice_id, tax_id, created = issue(store, act, supplier_key, settings)
    assert created
    invoice, tax = db.session.get(Invoice, invoice_id), db.session.get(Invoice, tax_id)
    # Day 641,76 kWh × 5,4321 = 3 486,10 + VAT 697,22; night 233,13 × 2,7654 = 644,70 + 128,94;
    # behind CT 40 × VT 100: 2,25 × 4 000 = 9 000 kWh × 4,85 = 43 650,00 + 8 730,00.
    # Net 47 780,80; VAT 9 556,16; total 57 336,96.
    for row in (invoice, tax):
        assert (row.net, row.vat, row.total) == (D("47780.80"), D("9556.16"), D("57336.96"))
        assert row.paid == D("0.00") and row.remaining == D("57336.96")
        assert row.act_document_id == act.id and row.client_id == firm.id
        assert row.date == TODAY and row.number == "2026-000001"
        assert row.signature_level == "B-T" and not row.upgrade_pending
        assert row.document.status is DocumentStatus.SENT
        assert row.document.number == row.number and row.document.period_id == billing.period.id
    assert invoice.kind is DocumentKind.INVOICE and tax.kind is DocumentKind.TAX_INVOICE
    assert invoice.due_date == dt.date(2026, 11, 13) and tax.due_date is None
    assert [(line.volume, line.net, line.vat) for line in invoice.charge_lines] == [
        (D("641.76"), D("3486.10"), D("697.22")), (D("233.13"), D("644.70"), D("128.94")),
        (D(9000), D("43650.00"), D("8730.00"))]

    for row in (invoice, tax):
        pdf = store.get(row.document.sha256)
        assert report(pdf, demo_pki).all_passed
        level = signature_level(pdf, SUPPLIER)
        assert level.level is Level.B_T and level.has_signature_timestamp
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf,
                              capture_output=True, check=True).stdout.decode()
        assert "2026-000001" in text and "57 336,96" in text and "9 556,16" in text
        # Volumes, prices and rates as a person writes them, not with the trailing zeros of
        # the database's Numeric columns and their products (641,7600000000000; 20,000000 %).
        for printed in ("641,76", "5,4321", "9 000", "4,85", "20%"):
            assert printed in text, printed
        assert not re.search(r",\d*0000", text), text
    text = subprocess.run(["pdftotext", "-", "-"], input=store.get(invoice.document.sha256),
                          capture_output=True, check=True).stdout.decode()
    assert "Оплатить до:" in text and "13.11.2026" in text
    assert verify_chain(db.session).intact


def test_running_twice_for_one_act_creates_nothing(billing, store, supplier_key, settings,
                                                   demo_pki):
    _firm, act = zmk_like(billing, store, demo_pki)
    first = issue(store, act, supplier_key, settings)
    documents = db.session.scalar(select(func.count(Document.id)))
    second = issue(store, act, supplier_key, settings)
    assert second[:2] == first[:2] and not second[2]
    assert db.session.scalar(select(func.count(Document.id))) == documents
    assert db.session.scalar(select(func.count(Invoice.id))) == 2


def test_numbers_run_per_kind_and_year(billing, store, supplier_key, settings, demo_pki):
    numbers = []
    for _ in range(3):
        _firm, act = zmk_like(billing, store, demo_pki)
        invoice_id, tax_id, _ = issue(store, act, supplier_key, settings)
        numbers.append((db.session.get(Invoice, invoice_id).number,
                        db.session.get(Invoice, tax_id).number))
    assert numbers == [("2026-000001", "2026-000001"), ("2026-000002", "2026-000002"),
                       ("2026-000003", "2026-000003")]
    _firm, act = zmk_like(billing, store, demo_pki)
    invoice_id, _, _ = issue(store, act, supplier_key, settings, today=dt.date(2027, 1, 9))
    assert db.session.get(Invoice, invoice_id).number == "2027-000001"


def test_a_corrected_act_voids_the_earlier_invoices_and_reissues(billing, store, supplier_key,
                                                                 settings, demo_pki):
    firm = billing.client()
    m = billing.meter(firm)
    first = accepted_act(store, billing.supplier, firm, billing.period,
                         [Row(m, D(100), D(200))])
    old_ids = issue(store, first, supplier_key, settings)[:2]
    corrected = accepted_act(store, billing.supplier, firm, billing.period,
                             [Row(m, D(100), D(150))], supersedes=first)
    new_ids = issue(store, corrected, supplier_key, settings)[:2]
    for old_id, new_id in zip(old_ids, new_ids, strict=True):
        old, new = db.session.get(Invoice, old_id), db.session.get(Invoice, new_id)
        assert old.document.status is DocumentStatus.VOIDED
        assert "corrected" in old.document.status_reason and new.number in old.document.status_reason
        assert old.replaced_by_id == new.id and new.document.supersedes_id == old.document.id
        # 50 kWh × 4,85 = 242,50; VAT 48,50; 291,00 (was 100 kWh: 485,00 + 97,00).
        assert (old.total, new.total) == (D("582.00"), D("291.00"))
        assert new.number == "2026-000002" and new.document.status is DocumentStatus.SENT


def _swap_attachment(pdf: bytes, payload: bytes) -> bytes:
    """A later revision that replaces the readings attachment with ``payload`` (its /Size and
    /CheckSum made to fit: only the comparison with the issued act can tell)."""
    import hashlib
    import io

    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    spec = writer.root["/Names"]["/EmbeddedFiles"]["/Names"][1]
    stream = generic.StreamObject({
        generic.NameObject("/Type"): generic.NameObject("/EmbeddedFile"),
        generic.NameObject("/Params"): generic.DictionaryObject({
            generic.NameObject("/Size"): generic.NumberObject(len(payload)),
            generic.NameObject("/CheckSum"): generic.ByteStringObject(
                hashlib.md5(payload, usedforsecurity=False).digest())})}, stream_data=payload)
    ref = writer.add_object(stream)
    spec["/EF"][generic.NameObject("/F")] = ref
    spec["/EF"][generic.NameObject("/UF")] = ref
    writer.update_container(spec)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_an_act_whose_attachment_was_swapped_is_refused(billing, store, supplier_key, settings,
                                                        demo_pki):
    from documents import readings_payload, render_reading_act
    from tests.support.acts import act_data

    firm = billing.client()
    m = billing.meter(firm)
    honest = act_data(billing.supplier, firm, billing.period, [Row(m, D(100), D(200))],
                      number="A-1")
    forged = act_data(billing.supplier, firm, billing.period, [Row(m, D(100), D(110))],
                      number="A-1")
    issued = render_reading_act(honest)
    # Issued with 100 kWh; a later revision of the file says 10 kWh.
    act = accepted_act(store, billing.supplier, firm, billing.period, [], number="A-1",
                       pdf=issued, signed_pdf=_swap_attachment(issued, readings_payload(forged)))
    with pytest.raises(CalculationError, match="does not match the hash printed"):
        issue(store, act, supplier_key, settings)
    # A "signed" file that is not the issued act plus revisions at all.
    other = accepted_act(store, billing.supplier, firm, billing.period, [], number="A-2",
                         pdf=issued, signed_pdf=render_reading_act(forged))
    with pytest.raises(CalculationError, match="does not extend the issued act"):
        issue(store, other, supplier_key, settings)
    assert db.session.scalar(select(func.count(Invoice.id))) == 0


def test_an_act_without_the_clients_valid_signature_is_refused(billing, store, supplier_key,
                                                               settings):
    firm = billing.client()
    m = billing.meter(firm)
    act = accepted_act(store, billing.supplier, firm, billing.period, [Row(m, D(1), D(2))],
                       verdict="TOTAL-FAILED")
    with pytest.raises(CalculationError, match="no valid signature"):
        issue(store, act, supplier_key, settings)


def test_invoices_pass_lk_verify_and_pdfsig(billing, store, supplier_key, settings, demo_pki,
                                            nss_db, tmp_path):
    from tests.signing.helpers import run_pdfsig

    _firm, act = zmk_like(billing, store, demo_pki)
    for row_id in issue(store, act, supplier_key, settings)[:2]:
        row = db.session.get(Invoice, row_id)
        path = tmp_path / f"{row.kind.value}.pdf"
        path.write_bytes(store.get(row.document.sha256))
        lk = subprocess.run([str(Path(sys.executable).parent / "lk"), "verify", str(path),
                             "--trust", str(demo_pki.root_pem), "--tax-id", "7701234560"],
                            capture_output=True, text=True)
        assert lk.returncode == 0, lk.stdout + lk.stderr
        poppler = run_pdfsig(path, nss_db, no_ocsp=True)
        (sig,) = poppler.signatures
        assert sig.signature_valid and sig.field_name == SUPPLIER, poppler.output
