"""The client's signed act: taken only when it is exactly the issued act plus one signature
of someone who signs for the client, with a trusted, valid, unrevoked certificate; then the
supplier's acceptance is signed into the same file and both signatures stay valid (pdfsig).

Refusals (the file is not a candidate) change nothing; rejections (the signature does not
count) keep the file and its report, the act becomes «Отклонён», the readings stay pending.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import select

from documents import SUPPLIER
from lk_corporate.certificates.operations import register_certificate
from lk_corporate.core.extensions import db
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentStatus, RevisionSource
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingAct
from lk_corporate.reading_acts.operations import (
    UploadRefused,
    UploadResult,
    accepted_acts,
    issued_file,
    upload_signed_act,
)
from lk_corporate.reading_acts.settings import ActSettings
from lk_corporate.readings.models import Reading, ReadingStatus
from signing import Level, SigningOptions, load_pkcs12_identity, sign_pdf
from signing.validation import Indication, ValidationSettings, validate_pdf
from signing.validation.trust import load_certificates
from tests.readings.helpers import ACTOR, full_entries, make_world, submit
from tests.signing.helpers import assert_pdfsig_all_valid
from tests.signing.test_sign_cli import lk
from tests.signing.validation.tamper import first_page_num, incremental_update, raw_object
from tests.support.snapshots import row_counts

TAX_IDS = {"romashka": "7712345671", "zmk": "5029012343", "gp5": "7703456784"}


@pytest.fixture()
def make_act(pki_app, tmp_path):
    """``make_act(tax_id=...)``: a client with that tax ID submits its readings; the act."""

    def make(tax_id: str = TAX_IDS["romashka"]) -> ReadingAct:
        world = make_world(tmp_path, tax_id=tax_id)
        world.store = context.file_store()
        done = submit(world, full_entries(world))
        db.session.expire_all()
        return db.session.get(ReadingAct, done.act.id)

    return make


def _sign(demo_pki: Any, pdf: bytes, identity: str, *, field: str = "client",
          level: str = "B-T", **options: Any) -> bytes:
    ident = demo_pki.identity(identity)
    signer = load_pkcs12_identity(ident.p12, ident.password)
    opts = SigningOptions(level=Level(level), tsa_url=demo_pki.tsa_url,
                          trust_roots=(demo_pki.root_pem,), field_name=field, **options)
    return sign_pdf(pdf, signer, opts).pdf


def _upload(act: ReadingAct, data: bytes, **overrides: Any) -> UploadResult:
    settings = overrides.pop("settings", None) or context.act_settings()
    validation = overrides.pop("validation", None) or context.validation_settings()
    with unit_of_work() as session:
        act = session.get(ReadingAct, act.id)
        return upload_signed_act(session, context.file_store(), act, data, actor=ACTOR,
                                 validation=validation, settings=settings,
                                 supplier_key=overrides.pop("supplier_key", context.supplier_key()))


def _refused(act: ReadingAct, data: bytes, code: str, **overrides: Any) -> None:
    before = row_counts()
    with pytest.raises(UploadRefused) as refused:
        _upload(act, data, **overrides)
    assert refused.value.reason.code == code
    assert refused.value.field == "file"
    assert row_counts() == before
    db.session.expire_all()
    assert db.session.get(Document, act.document_id).status is DocumentStatus.AWAITING_SIGNATURE


def _readings(act: ReadingAct) -> set[ReadingStatus]:
    db.session.expire_all()
    return {r.status for r in db.session.scalars(select(Reading).where(
        Reading.document_id == act.document_id))}


def test_signed_with_lk_sign_it_is_received_then_accepted(make_act, demo_pki, pki_services,
                                                          nss_db, tmp_path):
    act = make_act()
    issued = issued_file(context.file_store(), act.document)
    src, signed = tmp_path / "act.pdf", tmp_path / "signed.pdf"
    src.write_bytes(issued)
    client = demo_pki.identity("romashka")
    proc = lk("sign", src, signed, "--p12", client.p12, "--password-file", client.password_file,
              "--field", "client", env_extra={"LK_TSA_URL": demo_pki.tsa_url})
    assert proc.returncode == 0, proc.stderr
    result = _upload(act, signed.read_bytes())
    document = result.document
    assert document.status is DocumentStatus.ACCEPTED and result.reason is None
    assert [r.source for r in document.revisions] == [
        RevisionSource.ISSUED, RevisionSource.CLIENT_SIGNATURE, RevisionSource.SUPPLIER_SIGNATURE]
    assert document.revisions[1].verdict == "TOTAL-PASSED"
    client_report = json.loads(document.revisions[1].report)
    [sig] = client_report["signatures"]
    assert sig["authorization"]["authorized"] and sig["authorization"]["matched_by"] == "INN"
    # the file itself carries the acceptance, and the client's signature stays valid
    final = context.file_store().get(document.sha256)
    assert final.startswith(signed.read_bytes())
    out = tmp_path / "accepted.pdf"
    out.write_bytes(final)
    report = assert_pdfsig_all_valid(out, nss_db, expected=2)
    assert sorted(s.field_name for s in report.signatures if s.signed) == ["client", SUPPLIER]
    reader = PdfFileReader(io.BytesIO(final))
    supplier_sig = next(s for s in reader.embedded_signatures if s.field_name == SUPPLIER)
    db.session.expire_all()
    act = db.session.get(ReadingAct, act.id)
    assert act.calculation_number == "1/2026" and act.accepted_at is not None
    assert str(supplier_sig.sig_object["/Reason"]) == "Принято к расчёту, расчёт № 1/2026"
    ours = validate_pdf(final, ValidationSettings(
        trust_roots=tuple(load_certificates(demo_pki.root_pem.read_bytes())), allow_fetch=True))
    assert [s.indication for s in ours.signatures] == [Indication.TOTAL_PASSED] * 2
    # the readings count now, and the calculation finds exactly what was signed
    assert _readings(act) == {ReadingStatus.ACCEPTED}
    [accepted] = accepted_acts(db.session, act.period_id)
    assert accepted.act.id == act.id
    payload = accepted.payload(context.file_store()).json()
    assert [r["current"]["value"] for r in payload["readings"]] == ["4600.12", "2020.55",
                                                                  "171.902"]
    # the same file again: refused, nothing changes
    with pytest.raises(UploadRefused) as again:
        _upload(act, signed.read_bytes())
    assert again.value.reason.code == "already_accepted"


def test_unsigned_act_is_refused(make_act):
    act = make_act()
    _refused(act, issued_file(context.file_store(), act.document), "unsigned")


def test_not_a_pdf_truncated_empty_or_too_large_is_refused(make_act, demo_pki):
    act = make_act()
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "romashka")
    _refused(act, b"PK\x03\x04 not a pdf at all", "not_pdf")
    _refused(act, b"", "empty")
    _refused(act, signed[: len(signed) * 9 // 10], "unreadable")
    _refused(act, signed, "too_large", settings=replace(ActSettings(), max_upload_bytes=1024))


def test_another_document_or_a_resaved_act_is_refused(make_act, demo_pki):
    act = make_act()
    issued = issued_file(context.file_store(), act.document)
    resaved = issued.replace(b"ReportLab", b"ReportLaX", 1)
    assert resaved != issued
    _refused(act, _sign(demo_pki, resaved, "romashka"), "not_issued")


def test_act_modified_after_signing_is_refused(make_act, demo_pki):
    act = make_act()
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "romashka")
    # an incremental update after the signature that rewrites the first page
    page = first_page_num(signed)
    body = raw_object(signed, page).replace(b"/Contents", b"/Rotate 90 /Contents", 1)
    _refused(act, incremental_update(signed, {page: body}), "modified")
    # a byte changed in the issued part, or in the signature's own revision
    issued_length = len(issued_file(context.file_store(), act.document))
    middle = issued_length // 2
    _refused(act, signed[:middle] + bytes([signed[middle] ^ 1]) + signed[middle + 1:],
             "not_issued")
    # the signing time's year in the signature dictionary, «/M (D:2026…»
    stamp = signed.index(b"20", re.compile(rb"/M\s*\(D").search(signed, issued_length).end())
    _refused(act, signed[:stamp] + (b"1" if signed[stamp:stamp + 1] != b"1" else b"2")
             + signed[stamp + 1:], "modified")
    # an appended metadata revision (what a viewer's "save" does after signing)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"):
                                              generic.TextStringObject("изменено")}))
    out = io.BytesIO()
    writer.write(out)
    _refused(act, out.getvalue(), "modified")


def test_signed_in_the_suppliers_box_is_refused(make_act, demo_pki):
    act = make_act()
    _refused(act, _sign(demo_pki, issued_file(context.file_store(), act.document), "romashka",
                        field=SUPPLIER), "supplier_field")


def test_revocation_unknown_is_try_later(make_act, demo_pki):
    act = make_act()
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "romashka")
    without_index = replace(context.validation_settings(), crl_index=None)
    _refused(act, signed, "try_later", validation=without_index)


def _rejected(act: ReadingAct, data: bytes, code: str, words: str) -> dict[str, Any]:
    result = _upload(act, data)
    assert result.reason is not None and result.reason.code == code, result.reason
    db.session.expire_all()
    document = db.session.get(Document, act.document_id)
    assert document.status is DocumentStatus.REJECTED
    assert words in document.status_reason, document.status_reason
    # the evidence is kept: the signed file and its report
    revision = document.current_revision
    assert revision.source is RevisionSource.CLIENT_SIGNATURE and revision.report
    assert context.file_store().get(revision.sha256) == data
    assert _readings(act) == {ReadingStatus.PENDING}
    assert accepted_acts(db.session, act.period_id) == []
    return json.loads(revision.report)


def test_another_clients_certificate_is_rejected(make_act, demo_pki):
    act = make_act()
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "zmk")
    report = _rejected(act, signed, "not_authorized",
                      "не подписывает от имени ООО «Ромашка»: в нём указан ИНН 5029012343, а не "
                      "7712345671")
    assert report["signatures"][0]["authorization"]["authorized"] is False


def test_a_registered_certificate_of_a_third_party_is_accepted(make_act, demo_pki):
    act = make_act()
    zmk = demo_pki.identity("zmk")
    with unit_of_work() as session:
        register_certificate(session, act.document.client, zmk.cert.read_bytes(), actor=ACTOR)
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "zmk")
    result = _upload(act, signed)
    assert result.document.status is DocumentStatus.ACCEPTED, result.reason
    sig = json.loads(result.document.revisions[1].report)["signatures"][0]
    assert sig["authorization"]["matched_by"] == "fingerprint"


def test_revoked_certificate_is_rejected(make_act, demo_pki):
    act = make_act()
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "romashka-revoked",
                   level="B-B")
    _rejected(act, signed, "revoked", "Сертификат подписанта отозван")


def test_expired_certificate_is_rejected(make_act, demo_pki):
    act = make_act(tax_id=TAX_IDS["zmk"])
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "zmk-expired",
                   level="B-B", check_validity=False)
    _rejected(act, signed, "expired", "не действовал в момент подписания")


def test_untrusted_ca_is_rejected(make_act, demo_pki):
    act = make_act(tax_id=TAX_IDS["gp5"])
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "gp5-untrusted",
                   level="B-B", check_validity=False)
    _rejected(act, signed, "untrusted", "выдан не доверенным поставщиком удостоверяющим центром")


def test_without_a_supplier_key_the_act_waits_received(make_act, demo_pki):
    act = make_act()
    signed = _sign(demo_pki, issued_file(context.file_store(), act.document), "romashka")
    result = _upload(act, signed, supplier_key=None)
    assert result.document.status is DocumentStatus.RECEIVED
    assert _readings(act) == {ReadingStatus.PENDING}
    assert accepted_acts(db.session, act.period_id) == []


def test_a_newer_accepted_act_supersedes_the_accepted_one(make_act, demo_pki, tmp_path):
    first = make_act()
    _upload(first, _sign(demo_pki, issued_file(context.file_store(), first.document), "romashka"))
    world_client = first.document.client
    from tests.readings.helpers import World

    period = first.document.period
    world = World(world_client, period, period, context.file_store())
    from lk_corporate.clients.operations import client_meters

    meters = {m.factory_number: m for m in client_meters(db.session, world_client.id)}
    world.meters.update(power=meters["0804201234"], water=meters["12223773"])
    second = submit(world, full_entries(world, day="4601"))
    db.session.expire_all()
    # the accepted act stays in force until its correction is accepted
    assert db.session.get(Document, first.document_id).status is DocumentStatus.ACCEPTED
    act2 = db.session.get(ReadingAct, second.act.id)
    _upload(act2, _sign(demo_pki, issued_file(context.file_store(), act2.document), "romashka"))
    db.session.expire_all()
    assert db.session.get(Document, first.document_id).status is DocumentStatus.SUPERSEDED
    assert _readings(first) == {ReadingStatus.SUPERSEDED}
    assert [a.act.id for a in accepted_acts(db.session, period.id)] == [act2.id]
    assert db.session.get(ReadingAct, act2.id).calculation_number == "2/2026"
