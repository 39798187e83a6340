"""Server-side signing: every level, stamp, certification + countersignature,
cross-checked with pdfsig (NSS), openssl cms and pyHanko's validator."""

from __future__ import annotations

import io
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.fields import enumerate_sig_fields

from signing import (
    CertificateValidityError,
    FieldAlreadySignedError,
    Level,
    NotAPdfError,
    SigningOptions,
    load_pkcs12_identity,
    sign_pdf,
)
from tests.signing.helpers import (
    assert_pdfsig_all_valid,
    pyhanko_validate_all,
    run_pdfsig,
    signed_byte_ranges,
    verify_signed_range,
)


@pytest.fixture(scope="module")
def signed_levels(sign_sample):
    return {level: sign_sample(level.value) for level in Level}


@pytest.mark.parametrize("level", [Level.B_B, Level.B_T, Level.B_LT])
def test_pdfsig_valid_and_trusted(signed_levels, level, nss_db, tmp_path):
    path = tmp_path / f"{level}.pdf"
    path.write_bytes(signed_levels[level])
    report = assert_pdfsig_all_valid(path, nss_db, expected=1)
    sig = report.signatures[0]
    assert sig.signature_type == "ETSI.CAdES.detached"
    assert sig.signer == "Смирнов Алексей Викторович"
    if level in (Level.B_B, Level.B_T):
        assert sig.whole_document


def test_pdfsig_fails_on_tampering(signed_levels, nss_db, tmp_path):
    pdf = bytearray(signed_levels[Level.B_B])
    i = pdf.index(b"/Count 1")  # inside the signed range
    pdf[i:i + 8] = b"/Count 2"
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(pdf))
    report = run_pdfsig(path, nss_db)
    assert not report.signatures[0].signature_valid, report.output


def test_pdfsig_untrusted_without_root(signed_levels, tmp_path):
    empty = tmp_path / "nss"
    empty.mkdir()
    subprocess.run(["certutil", "-N", "-d", f"sql:{empty}", "--empty-password"], check=True,
                   capture_output=True)
    path = tmp_path / "b.pdf"
    path.write_bytes(signed_levels[Level.B_B])
    report = run_pdfsig(path, f"sql:{empty}")
    assert report.signatures[0].signature_valid
    assert report.signatures[0].certificate_status != "Certificate is Trusted.", report.output


@pytest.mark.parametrize("level", list(Level))
def test_openssl_cms_verifies_each_signature(signed_levels, level, demo_pki, tmp_path):
    ranges = signed_byte_ranges(signed_levels[level])
    assert len(ranges) == (2 if level is Level.B_LTA else 1)
    for rng in ranges:
        verify_signed_range(rng, demo_pki.root_pem, tmp_path)
    if level is Level.B_LTA:
        assert ranges[-1].is_document_timestamp


@pytest.mark.parametrize("level", list(Level))
def test_pyhanko_validation_agrees(signed_levels, level, demo_pki, pki_services):
    statuses = pyhanko_validate_all(signed_levels[level], demo_pki.root_pem)
    for outcome in statuses:
        assert outcome.ok, outcome.details()
    sig_status = statuses[0].status
    assert (sig_status.timestamp_validity is not None) == level.needs_timestamp
    if level is Level.B_LTA:
        assert len(statuses) == 2  # the document timestamp


@pytest.mark.parametrize("level", [Level.B_LT, Level.B_LTA])
def test_lt_validates_offline_from_dss(signed_levels, level, demo_pki):
    # No network allowed: every certificate's revocation data must be in the DSS.
    statuses = pyhanko_validate_all(signed_levels[level], demo_pki.root_pem, offline=True)
    assert all(s.ok for s in statuses), [s.details() for s in statuses]
    reader = PdfFileReader(io.BytesIO(signed_levels[level]))
    dss = reader.root["/DSS"]
    assert len(dss["/OCSPs"]) >= 2 or len(dss.get("/CRLs", [])) >= 1


def test_bb_has_no_timestamp_and_bt_has_one(signed_levels):
    def sig_ts(pdf: bytes):
        sig = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
        return sig.signer_info["unsigned_attrs"].native if sig.signer_info[
            "unsigned_attrs"].native else None

    assert sig_ts(signed_levels[Level.B_B]) is None
    assert "signature_time_stamp_token" in str(sig_ts(signed_levels[Level.B_T]))


def test_certify_then_countersign(sign_sample, demo_pki, nss_db, tmp_path):
    first = sign_sample("B-T", certify=True, add_empty_fields=("Client",))
    reader = PdfFileReader(io.BytesIO(first))
    sig = reader.embedded_signatures[0]
    # DocMDP P=2 on the certification signature.
    ref = sig.sig_object["/Reference"][0]
    assert ref["/TransformMethod"] == "/DocMDP"
    assert ref["/TransformParams"]["/P"] == 2
    second = sign_sample("B-T", identity="romashka", pdf=first, field_name="Client")
    assert second.startswith(first)  # an incremental revision: the first stays intact
    path = tmp_path / "two.pdf"
    path.write_bytes(second)
    report = assert_pdfsig_all_valid(path, nss_db, expected=2)
    assert {s.signer for s in report.signatures} == {"Смирнов Алексей Викторович",
                                                     "Иванова Мария Сергеевна"}
    statuses = pyhanko_validate_all(second, demo_pki.root_pem)
    assert all(s.ok for s in statuses), [s.details() for s in statuses]
    # The certification signature sees only allowed changes after it (form filling).
    assert statuses[0].status.modification_level.name in ("FORM_FILLING", "LTA_UPDATES")
    for rng in signed_byte_ranges(second):
        verify_signed_range(rng, demo_pki.root_pem, tmp_path)


def test_fields_are_locked_after_signing(sign_sample, demo_pki):
    pdf = sign_sample("B-B", certify=True, add_empty_fields=("Client",))
    pdf = sign_sample("B-B", identity="romashka", pdf=pdf, field_name="Client")
    reader = PdfFileReader(io.BytesIO(pdf))
    for sig in reader.embedded_signatures:
        field = sig.sig_field
        assert field["/Lock"]["/Action"] == "/Include"
        assert list(field["/Lock"]["/Fields"]) == [sig.field_name]
        methods = [r["/TransformMethod"] for r in sig.sig_object["/Reference"]]
        assert "/FieldMDP" in methods, methods
    with pytest.raises(FieldAlreadySignedError):
        sign_sample("B-B", identity="zmk", pdf=pdf, field_name="Client")


def test_lta_after_client_keeps_all_valid(sign_sample, demo_pki, pki_services):
    first = sign_sample("B-LT", certify=True, add_empty_fields=("Client",))
    second = sign_sample("B-LTA", identity="gp5", pdf=first, field_name="Client")  # ECDSA
    statuses = pyhanko_validate_all(second, demo_pki.root_pem)
    assert len(statuses) == 3 and all(s.ok for s in statuses), [s.details() for s in statuses]


def test_existing_empty_field_is_kept_not_duplicated(sign_sample):
    """``add_empty_fields`` naming a field that exists keeps it (the contract: an empty
    field for a later signer is exactly what is there); a signed one is refused."""
    pdf = sign_sample("B-B", add_empty_fields=("Client",))
    again = sign_sample("B-B", identity="zmk", pdf=pdf, add_empty_fields=("Client",))
    reader = PdfFileReader(io.BytesIO(again))
    names = sorted((str(n), v is not None) for n, v, _ in enumerate_sig_fields(reader))
    assert names == [("Client", False), ("Signature1", True), ("Signature2", True)]
    both = sign_sample("B-B", identity="romashka", pdf=pdf, field_name="Client")
    with pytest.raises(FieldAlreadySignedError):
        sign_sample("B-B", identity="zmk", pdf=both, add_empty_fields=("Client",))


def test_not_a_pdf_refused(sign_sample):
    with pytest.raises(NotAPdfError):
        sign_sample("B-B", pdf=b"hello, not a pdf")
    with pytest.raises(NotAPdfError):
        sign_sample("B-B", pdf=b"%PDF-1.7\n garbage without xref")


def test_expired_certificate_refused(sign_sample):
    with pytest.raises(CertificateValidityError):
        sign_sample("B-B", identity="zmk-expired")


def test_revoked_certificate_detected_by_pdfsig_via_ocsp(sign_sample, nss_db, tmp_path):
    # B-B does not consult revocation while signing; the verifier must catch it online.
    pdf = sign_sample("B-B", identity="romashka-revoked")
    path = tmp_path / "revoked.pdf"
    path.write_bytes(pdf)
    report = run_pdfsig(path, nss_db)
    assert report.signatures[0].signature_valid
    assert report.signatures[0].certificate_status == "Certificate has been Revoked.", \
        report.output
    # ... and only through OCSP: without it NSS has no way to know.
    offline = run_pdfsig(path, nss_db, no_ocsp=True)
    assert offline.signatures[0].certificate_status == "Certificate is Trusted.", offline.output


def test_revoked_certificate_refused_at_lt(sign_sample):
    from signing import CertificateNotTrustedError

    with pytest.raises(CertificateNotTrustedError):
        sign_sample("B-LT", identity="romashka-revoked", degrade=False)


def test_untrusted_certificate_refused_at_lt(demo_pki, sample_pdf, pki_services):
    from signing import CertificateNotTrustedError

    ident = demo_pki.identity("gp5-untrusted")
    identity = load_pkcs12_identity(ident.p12, ident.password)
    with pytest.raises(CertificateNotTrustedError):
        sign_pdf(sample_pdf, identity, SigningOptions(level=Level.B_LT, tsa_url=demo_pki.tsa_url,
                                                      trust_roots=(demo_pki.root_pem,)))


def test_visible_stamp_is_drawn(signed_levels, tmp_path):
    path = tmp_path / "stamp.pdf"
    path.write_bytes(signed_levels[Level.B_B])
    # Render the bottom-left area where the first stamp goes and look for the blue frame.
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-singlefile", str(path),
                    str(tmp_path / "page")], check=True)
    from PIL import Image  # reportlab depends on pillow

    img = Image.open(tmp_path / "page.png").convert("RGB")
    w, h = img.size
    box = img.crop((0, int(h * 0.8), int(w * 0.5), h))
    raw = box.tobytes()
    blue = sum(1 for i in range(0, len(raw), 3)
               if raw[i + 2] > 100 and raw[i] < 80 and raw[i + 1] < 120)
    assert blue > 100
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True).stdout
    assert "Акт снятия показаний" in text


def test_mutool_agrees(signed_levels, sign_sample, tmp_path):
    two = sign_sample("B-B", identity="romashka",
                      pdf=sign_sample("B-B", certify=True, add_empty_fields=("Client",)),
                      field_name="Client")
    for name, pdf in (("bt", signed_levels[Level.B_T]), ("two", two)):
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(pdf)
        out = subprocess.run(["mutool", "sign", "-v", str(path)], capture_output=True,
                             text=True).stdout
        # One verdict per signed field: intact, or intact with (allowed) later revisions.
        good = [line for line in out.splitlines()
                if "document is unchanged since signing" in line
                or "signature is valid but there have been edits" in line]
        assert len(good) == (2 if name == "two" else 1), out
        assert "Digest error" not in out, out
    tampered = bytearray(signed_levels[Level.B_T])
    i = tampered.index(b"/Count 1")
    tampered[i:i + 8] = b"/Count 2"
    path = tmp_path / "tampered.pdf"
    path.write_bytes(bytes(tampered))
    out = subprocess.run(["mutool", "sign", "-v", str(path)], capture_output=True,
                         text=True).stdout
    assert "Digest error: Signature invalidated by change to document" in out, out


def test_extend_archive(signed_levels, demo_pki, pki_services):
    from signing import extend_archive, signature_level

    lta = signed_levels[Level.B_LTA]
    renewed = extend_archive(lta, tsa_url=demo_pki.tsa_url, trust_roots=(demo_pki.root_pem,))
    assert renewed.startswith(lta)
    assert signature_level(renewed).later_document_timestamps == 2
    outcomes = pyhanko_validate_all(renewed, demo_pki.root_pem, offline=True)
    assert len(outcomes) == 3 and all(o.ok for o in outcomes), [o.details() for o in outcomes]
