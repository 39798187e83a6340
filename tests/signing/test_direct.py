"""``signing.direct``: the hand-written incremental update for a document's own signature box
gives the signature ``sign_pdf`` (pyHanko) gives — valid for our validator, poppler's
``pdfsig`` and pyHanko, the same objects touched, the same field lock and certification —
and anything it does not handle falls back to ``sign_pdf``."""

from __future__ import annotations

import io
import re

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from documents import CLIENT, SUPPLIER, render_invoice, render_reading_act, render_tax_invoice
from lk_corporate.demo.samples import sample_invoice, sample_reading_act, sample_tax_invoice
from signing import (
    Level,
    SigningOptions,
    TimestampError,
    load_pkcs12_identity,
    sign_pdf,
    signature_level,
    upgrade,
)
from signing.direct import sign_document, sign_prepared_field
from signing.validation import ValidationSettings, validate_pdf
from signing.validation.trust import load_trust_roots
from tests.signing.helpers import run_pdfsig

DOCUMENTS = {
    "invoice": (lambda: render_invoice(sample_invoice()), SUPPLIER),
    "tax_invoice": (lambda: render_tax_invoice(sample_tax_invoice()), SUPPLIER),
    "reading_act": (lambda: render_reading_act(sample_reading_act()), SUPPLIER),
}


@pytest.fixture(scope="module")
def supplier(demo_pki):
    s = demo_pki.supplier
    return load_pkcs12_identity(s.p12, s.password)


def _settings(demo_pki) -> ValidationSettings:
    return ValidationSettings(trust_roots=load_trust_roots((str(demo_pki.root_pem),)),
                              allow_fetch=True)


def _updated_objects(original: bytes, signed: bytes) -> list[int]:
    return sorted(int(n) for n in re.findall(rb"(?m)^(\d+) 0 obj", signed[len(original):]))


@pytest.fixture(scope="module")
def rsa_signer(demo_pki):
    c = demo_pki.client  # an RSA key: the catalog declares no ISO/TS 32002, the file stays 1.7
    return load_pkcs12_identity(c.p12, c.password)


# The supplier's key is ECDSA; the key type changes only the catalog's extensions, so an RSA
# key signs one document in each level.
CASES = [*((kind, level, certify, "ec") for kind in sorted(DOCUMENTS)
           for level in ("B-B", "B-T") for certify in (False, True)),
         ("invoice", "B-B", False, "rsa"), ("invoice", "B-T", True, "rsa")]


@pytest.mark.parametrize(("kind", "level", "certify", "key"), CASES)
def test_the_direct_signature_validates_like_pyhankos(kind, level, certify, key, demo_pki,
                                                      pki_services, supplier, rsa_signer,
                                                      nss_db, tmp_path):
    if key == "rsa":
        supplier = rsa_signer
    assert supplier.certificate.public_key.algorithm == key
    render, field = DOCUMENTS[kind]
    pdf = render()
    options = SigningOptions(level=Level(level), tsa_url=demo_pki.tsa_url, field_name=field,
                             certify=certify, degrade=False)
    direct = sign_prepared_field(pdf, supplier, options)
    assert direct is not None and direct.level_reached is Level(level)
    assert not direct.upgrade_pending and direct.field_name == field
    reference = sign_pdf(pdf, supplier, options).pdf

    report = validate_pdf(direct.pdf, _settings(demo_pki))
    assert report.all_passed, report
    (sig,) = report.signatures
    assert sig.pades_level.value == level and sig.locked_fields == (field,)
    assert sig.certification_level == (2 if certify else None)
    (expected,) = validate_pdf(reference, _settings(demo_pki)).signatures
    def coverage(c):  # the signed length differs: the files differ in size
        return c.revision, c.revision_count, c.covers_whole_revision, c.covers_whole_file

    assert (coverage(sig.coverage), sig.changes_after, sig.certification_level,
            sig.locked_fields) == (coverage(expected.coverage), expected.changes_after,
                                   expected.certification_level, expected.locked_fields)
    info = signature_level(direct.pdf, field)
    assert info.has_signature_timestamp is (level == "B-T")

    # The same objects rewritten (the field, the catalog, the AcroForm; pyHanko also rewrites
    # /Info), new ones numbered on from the original /Size (the stamp's form and fonts —
    # pyHanko wraps the form in one more — and the signature dictionary).
    size = int(re.findall(rb"/Size (\d+)", pdf)[-1])  # the trailer's (not an attachment's)
    info_ref = int(re.search(rb"/Info (\d+) 0 R", pdf).group(1))
    theirs = _updated_objects(pdf, reference)
    ours = _updated_objects(pdf, direct.pdf)
    assert [n for n in ours if n < size] == [n for n in theirs if n < size and n != info_ref]
    assert [n for n in ours if n >= size] == list(range(size, size + len(ours) - 3))
    new_theirs = PdfFileReader(io.BytesIO(reference))
    new_ours = PdfFileReader(io.BytesIO(direct.pdf))
    sig_theirs = new_theirs.embedded_signatures[0].sig_object
    sig_ours = new_ours.embedded_signatures[0].sig_object
    assert set(sig_ours) == set(sig_theirs)
    for name in ("/Type", "/Filter", "/SubFilter", "/Name"):
        assert sig_ours[name] == sig_theirs[name]
    assert [r["/TransformMethod"] for r in sig_ours["/Reference"]] == [
        r["/TransformMethod"] for r in sig_theirs["/Reference"]]
    # pyHanko also writes XMP metadata (/Metadata) whenever its output is PDF 2.0 (an ECDSA
    # signature on an ISO/TS 32002 curve); PDF 2.0 does not require it, and /Info stays.
    assert set(new_ours.root) == set(new_theirs.root) - {"/Metadata"}
    for name in ("/Extensions", "/Version"):
        assert new_ours.root.get(name) == new_theirs.root.get(name)
    assert ("/ISO_" in new_ours.root["/Extensions"]) is (key == "ec")

    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(direct.pdf)
    poppler = run_pdfsig(path, nss_db, no_ocsp=True)
    (signature,) = [s for s in poppler.signatures if s.field_name == field]
    assert signature.signature_valid, poppler.output


def test_the_stamp_is_in_the_box(demo_pki, pki_services, supplier):
    import subprocess

    direct = sign_prepared_field(render_invoice(sample_invoice()), supplier, SigningOptions(
        level=Level.B_B, field_name=SUPPLIER))
    assert direct is not None
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=direct.pdf,
                          capture_output=True, check=True).stdout.decode()
    assert "ДОКУМЕНТ ПОДПИСАН ЭЛЕКТРОННОЙ ПОДПИСЬЮ" in text
    assert supplier.summary.person in text


def test_anything_else_falls_back_to_sign_pdf(demo_pki, pki_services, supplier, sample_pdf):
    act = render_reading_act(sample_reading_act())
    client = demo_pki.client
    by_client = sign_pdf(act, load_pkcs12_identity(client.p12, client.password),
                         SigningOptions(level=Level.B_B, field_name=CLIENT)).pdf
    options = SigningOptions(level=Level.B_B, field_name=SUPPLIER)
    # a second signature (a revision exists), a foreign PDF, an unknown field, B-LT, a new
    # field, an invisible signature: not for the direct path
    assert sign_prepared_field(by_client, supplier, options) is None
    assert sign_prepared_field(sample_pdf, supplier, options) is None
    assert sign_prepared_field(act, supplier, SigningOptions(field_name="nobody")) is None
    assert sign_prepared_field(act, supplier, SigningOptions(
        level=Level.B_LT, field_name=SUPPLIER)) is None
    assert sign_prepared_field(act, supplier, SigningOptions(
        field_name=SUPPLIER, add_empty_fields=("x",))) is None
    assert sign_prepared_field(act, supplier, SigningOptions(
        field_name=SUPPLIER, visible=False)) is None
    countersigned = sign_document(by_client, supplier, options)
    report = validate_pdf(countersigned.pdf, _settings(demo_pki))
    assert report.all_passed and len(report.signatures) == 2


def test_tsa_down_degrades_to_b_b_and_upgrades_later(demo_pki, pki_services, supplier):
    pdf = render_invoice(sample_invoice())

    def down(_imprint: bytes) -> bytes:
        raise TimestampError("the TSA is down")

    options = SigningOptions(level=Level.B_T, tsa_url=demo_pki.tsa_url, field_name=SUPPLIER,
                             certify=True)
    degraded = sign_prepared_field(pdf, supplier, options, timestamper=down)
    assert degraded is not None and degraded.level_reached is Level.B_B
    assert degraded.upgrade_pending and "TSA is down" in (degraded.reason or "")
    with pytest.raises(TimestampError):
        sign_prepared_field(pdf, supplier, SigningOptions(
            level=Level.B_T, tsa_url=demo_pki.tsa_url, field_name=SUPPLIER, degrade=False),
            timestamper=down)
    upgraded = upgrade(degraded.pdf, Level.B_T, tsa_url=demo_pki.tsa_url,
                       trust_roots=(demo_pki.root_pem,), field_name=SUPPLIER)
    assert upgraded.level_reached is Level.B_T and not upgraded.upgrade_pending
    report = validate_pdf(upgraded.pdf, _settings(demo_pki))
    assert report.all_passed, report
    assert report.signatures[0].pades_level.value == "B-T"


def test_the_tsa_request_is_the_der_asn1crypto_writes():
    import hashlib
    import secrets

    from asn1crypto import tsp

    from signing.tsa_client import _request

    for i in range(200):
        nonce = secrets.randbits(63) >> secrets.randbelow(63)
        imprint = hashlib.sha256(str(i).encode()).digest()
        assert _request(imprint, "sha256", nonce) == tsp.TimeStampReq({
            "version": 1, "nonce": nonce, "cert_req": True,
            "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                "hashed_message": imprint}}).dump()


def test_the_tsa_answer_is_read_like_asn1crypto_reads_it(demo_pki, pki_services):
    """The TLV walk of the TSA's answer takes the token exactly when asn1crypto's reading
    would, and leaves every other shape to it: a refusal, another request's imprint or nonce,
    a BER answer (accepted, through asn1crypto), trailing bytes."""
    import hashlib
    import secrets

    from asn1crypto import tsp

    from signing import TimestampError
    from signing.tsa_client import TsaClient, _granted_token, _request

    client = TsaClient(demo_pki.manifest.tsa_url)
    imprint = hashlib.sha256(b"month end").digest()
    nonce = secrets.randbits(63)
    answer = client._post(_request(imprint, "sha256", nonce))
    token = _granted_token(answer, imprint, nonce)
    assert token is not None
    assert token == tsp.TimeStampResp.load(answer)["time_stamp_token"].dump()

    assert _granted_token(answer, hashlib.sha256(b"other").digest(), nonce) is None
    assert _granted_token(answer, imprint, nonce + 1) is None
    assert _granted_token(answer + b"\x00", imprint, nonce) is None
    refused = bytes.fromhex("3005" "3003" "020102")  # status: rejection, no token
    assert _granted_token(refused, imprint, nonce) is None
    # The same answer with an indefinite outer length (BER): not this walk's shape.
    header = 2 + (answer[1] & 0x7F if answer[1] & 0x80 else 0)
    ber = b"\x30\x80" + answer[header:] + b"\x00\x00"
    assert _granted_token(ber, imprint, nonce) is None
    assert tsp.TimeStampResp.load(ber)["time_stamp_token"].dump() == token

    # Through the client: the fast path's answers and the refusals of the slow one.
    assert len(client.timestamp(hashlib.sha256(b"x").digest())) > 1000

    class Replay(TsaClient):
        def _post(self, body: bytes) -> bytes:
            return answer

    with pytest.raises(TimestampError, match="another request"):
        Replay(demo_pki.manifest.tsa_url).timestamp(imprint)
