"""The verdict matrix: one document per case, the indication and sub-indication we promise."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json

import pytest
from cryptography.hazmat.primitives import serialization

from signing.validation import (
    ChangesAfter,
    Indication,
    PadesLevel,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SubIndication,
    ValidationSettings,
    validate_pdf,
)

from .conftest import Docs
from .signhelpers import document_timestamp
from .testpki import TestPki

P, F, I = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED, Indication.INDETERMINATE


def verdicts(report) -> list[tuple[Indication, SubIndication | None]]:  # type: ignore[no-untyped-def]
    return [(s.indication, s.sub_indication) for s in report.signatures]


def test_valid_b_t(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("b_t"), settings)
    assert verdicts(r) == [(P, None)]
    s = r.signatures[0]
    assert s.signer is not None and ("INNLE", "7712345671") in s.signer.tax_ids
    assert s.signer.organization == "ООО «Альфа»"
    assert s.pades_level is PadesLevel.B_T
    assert s.timestamp is not None and s.timestamp.valid
    assert s.coverage.covers_whole_file and s.coverage.revision == 2
    assert s.changes_after.kind is ChangesAfter.NONE
    assert s.integrity.digest_ok and s.integrity.signature_ok and s.integrity.signing_certificate_ok
    assert s.chain is not None and s.chain.trusted and len(s.chain.path) == 3
    assert {rv.source for rv in s.chain.revocation} == {RevocationSource.SUPPLIED_CRL}
    assert r.all_passed
    json.loads(r.to_json())


def test_b_lt_validates_offline_with_embedded_data_only(docs: Docs, offline_settings: ValidationSettings) -> None:
    # allow_fetch=True but every fetch fails the test: embedded DSS data must be enough
    r = validate_pdf(docs("b_lt"), offline_settings)
    assert verdicts(r) == [(P, None)]
    s = r.signatures[0]
    assert s.pades_level is PadesLevel.B_LT
    assert s.changes_after.kind is ChangesAfter.LTV_ONLY
    assert s.chain is not None
    assert {rv.source for rv in s.chain.revocation} <= {RevocationSource.EMBEDDED_OCSP, RevocationSource.EMBEDDED_CRL}
    assert RevocationSource.EMBEDDED_OCSP in {rv.source for rv in s.chain.revocation}


def test_b_t_without_any_revocation_info_is_try_later(docs: Docs, pki: TestPki) -> None:
    r = validate_pdf(docs("b_t"), ValidationSettings(trust_roots=(pki.root.asn1_cert,)))
    assert verdicts(r) == [(I, SubIndication.TRY_LATER)]


def test_second_signature_after_the_first_both_pass(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("two_t"), settings)
    assert verdicts(r) == [(P, None), (P, None)]
    first, second = r.signatures
    assert first.changes_after.kind is ChangesAfter.SIGNATURES
    assert first.coverage.revision == 2 and not first.coverage.covers_whole_file
    assert second.coverage.covers_whole_file


def test_two_signature_b_lta_with_document_timestamp(docs: Docs, offline_settings: ValidationSettings) -> None:
    r = validate_pdf(docs("two_lta"), offline_settings)
    assert all(s.indication is P for s in r.signatures), [s.messages for s in r.signatures]
    kinds = [s.kind for s in r.signatures]
    assert kinds.count(SignatureKind.DOCUMENT_TIMESTAMP) == 1
    assert [s.pades_level for s in r.approval_signatures] == [PadesLevel.B_LTA, PadesLevel.B_LTA]


def test_revoked_before_signing(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("revoked_early"), settings)
    assert verdicts(r) == [(F, SubIndication.REVOKED)]
    rv = r.signatures[0].chain.revocation[0]  # type: ignore[union-attr]
    assert rv.status is RevocationStatus.REVOKED and rv.revoked_at is not None


def _late_settings(pki: TestPki, base: ValidationSettings) -> ValidationSettings:
    """Two hours later: the CA has revoked ``revoked_late`` one hour after signing."""
    later = pki.now + dt.timedelta(hours=2)
    crl = pki.crl(pki.ca, pki.now + dt.timedelta(hours=1, minutes=30), later + dt.timedelta(days=7))
    return dataclasses.replace(
        base,
        supplied_crls=(crl.public_bytes(serialization.Encoding.DER),) + base.supplied_crls[1:],
        validation_time=later,
    )


def test_revoked_after_signing_with_timestamp_passes_and_reports_it(
    docs: Docs, pki: TestPki, settings: ValidationSettings
) -> None:
    r = validate_pdf(docs("revoked_late_t"), _late_settings(pki, settings))
    assert verdicts(r) == [(P, None)]
    rv = r.signatures[0].chain.revocation[0]  # type: ignore[union-attr]
    assert rv.revoked_at is not None and rv.status is RevocationStatus.GOOD
    assert any("revoked" in m for m in r.signatures[0].messages)


def test_revoked_after_signing_without_poe_is_indeterminate(
    docs: Docs, pki: TestPki, settings: ValidationSettings
) -> None:
    r = validate_pdf(docs("revoked_late_b"), _late_settings(pki, settings))
    assert verdicts(r) == [(I, SubIndication.REVOKED_NO_POE)]


def test_expired_certificate_at_signing_time(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("expired"), settings)
    assert r.signatures[0].indication is F
    assert r.signatures[0].sub_indication is SubIndication.EXPIRED


def test_untrusted_root(docs: Docs, pki: TestPki, settings: ValidationSettings) -> None:
    other = dataclasses.replace(settings, trust_roots=(pki.fake_root.asn1_cert,))
    r = validate_pdf(docs("b_t"), other)
    assert verdicts(r) == [(I, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)]
    assert not r.signatures[0].chain.trusted  # type: ignore[union-attr]


def test_no_trust_anchor_at_all(docs: Docs) -> None:
    r = validate_pdf(docs("b_t"), ValidationSettings())
    assert verdicts(r) == [(I, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)]


def test_self_signed_signer(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("self_signed"), settings)
    assert verdicts(r) == [(I, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)]


def test_root_with_same_name_but_other_key_is_not_trusted(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("fake_root"), settings)
    assert r.signatures[0].indication is I
    assert r.signatures[0].sub_indication is SubIndication.NO_CERTIFICATE_CHAIN_FOUND
    assert r.signatures[0].integrity.signature_ok  # the CMS itself is fine: only trust fails


def test_certificate_of_another_client(docs: Docs, settings: ValidationSettings) -> None:
    s = dataclasses.replace(settings, expected_tax_id="7712345671")
    r = validate_pdf(docs("client_b"), s)
    assert verdicts(r) == [(P, None)]  # a valid signature...
    auth = r.signatures[0].authorization
    assert auth is not None and not auth.authorized  # ...by someone who does not sign for this client
    r2 = validate_pdf(docs("b_t"), s)
    assert r2.signatures[0].authorization is not None and r2.signatures[0].authorization.authorized


def test_certification_p1_then_another_signature_fails_the_certification(
    docs: Docs, settings: ValidationSettings
) -> None:
    r = validate_pdf(docs("certified_p1_plus"), settings)
    cert_sig, approval = r.signatures
    assert cert_sig.certification_level == 1
    assert (cert_sig.indication, cert_sig.sub_indication) == (F, SubIndication.FORMAT_FAILURE)
    assert any("DocMDP" in v for v in cert_sig.changes_after.violations)
    assert approval.indication is P


def test_certification_p1_alone_passes(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("certified_p1"), settings)
    assert verdicts(r) == [(P, None)]
    assert r.signatures[0].certification_level == 1


def test_certification_p2_allows_filling_an_empty_field(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("certified_p2_plus"), settings)
    assert verdicts(r) == [(P, None), (P, None)]
    assert r.signatures[0].certification_level == 2


def test_certification_p2_refuses_a_signature_field_created_later(
    docs: Docs, settings: ValidationSettings, pki: TestPki
) -> None:
    """P=2 permits filling the fields the certified document has, not adding a signature of
    one's own beside them: the certification fails, the new signature itself is valid."""
    data = docs("certified_p2_new_field")
    r = validate_pdf(data, settings)
    cert_sig, approval = r.signatures
    assert cert_sig.certification_level == 2
    assert (cert_sig.indication, cert_sig.sub_indication) == (F, SubIndication.FORMAT_FAILURE)
    assert cert_sig.changes_after.kind is ChangesAfter.OTHER
    assert any("signature field 'Extra' is created after the certification" in v
               for v in cert_sig.changes_after.violations), cert_sig.changes_after.violations
    assert approval.indication is P, approval.messages
    # pyHanko agrees: the new (visible) field is not a change the certification permits
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    from .signhelpers import validation_context

    reader = PdfFileReader(io.BytesIO(data))
    st = validate_pdf_signature(reader.embedded_signatures[0],
                                signer_validation_context=validation_context(pki))
    assert st.docmdp_ok is False, st.pretty_print_details()


def test_certification_p2_refuses_an_invisible_field_created_later(docs: Docs, settings: ValidationSettings) -> None:
    # stricter than pyHanko, which lets an invisible new field pass as an LTV-level change:
    # an approval signature in it is still a signature the certifier did not lay out
    cert_sig, approval = validate_pdf(docs("certified_p2_new_invisible_field"), settings).signatures
    assert (cert_sig.indication, cert_sig.sub_indication) == (F, SubIndication.FORMAT_FAILURE)
    assert any("'Extra' is created after the certification" in v for v in cert_sig.changes_after.violations)
    assert approval.indication is P


def test_certification_p2_then_document_timestamp_passes(docs: Docs, settings: ValidationSettings) -> None:
    # a document timestamp comes in a new field of its own: LTV data, permitted at every level
    r = validate_pdf(docs("certified_p2_timestamped"), settings)
    cert_sig, dts = r.signatures
    assert cert_sig.certification_level == 2
    assert cert_sig.indication is P, cert_sig.messages
    assert cert_sig.changes_after.kind is ChangesAfter.LTV_ONLY
    assert dts.kind is SignatureKind.DOCUMENT_TIMESTAMP and dts.indication is P, dts.messages


@pytest.mark.parametrize("certified", ["certified_p1", "certified_p2"])
def test_a_document_timestamp_does_not_carry_a_new_field_past_a_certification(
    certified: str, docs: Docs, pki: TestPki, settings: ValidationSettings
) -> None:
    data = document_timestamp(docs(certified), pki, with_empty_field="Later")
    cert_sig = validate_pdf(data, settings).signatures[0]
    assert (cert_sig.indication, cert_sig.sub_indication) == (F, SubIndication.FORMAT_FAILURE)
    assert cert_sig.changes_after.kind is ChangesAfter.OTHER, cert_sig.changes_after


def test_fieldmdp_locked_field_filled_later_fails_the_locking_signature(
    docs: Docs, settings: ValidationSettings
) -> None:
    r = validate_pdf(docs("locked_then_filled"), settings)
    locking, filler = r.signatures
    assert "Client" in locking.locked_fields
    assert (locking.indication, locking.sub_indication) == (F, SubIndication.FORMAT_FAILURE)
    assert any("locked field 'Client'" in v for v in locking.changes_after.violations)
    assert filler.indication is P


def test_unsigned_document_has_no_signature(docs: Docs, settings: ValidationSettings) -> None:
    r = validate_pdf(docs("base"), settings)
    assert r.signatures == () and not r.all_passed
    assert r.indication is F
