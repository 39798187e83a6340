"""The product's own signatures (``signing.sign_pdf`` with the demo PKI) validate, at every
level, certified and countersigned; the demo's problem identities get the promised verdicts."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from signing.validation import (
    ChangesAfter,
    CrlIndex,
    Indication,
    PadesLevel,
    SubIndication,
    ValidationSettings,
    refresh_crl_index,
    validate_pdf,
)
from signing.validation.trust import load_certificates

from . import tamper
from .conftest import Docs
from .signhelpers import sign
from .testpki import TestPki

P = Indication.TOTAL_PASSED


@pytest.fixture(scope="module")
def demo_settings(demo_pki, pki_services, tmp_path_factory: pytest.TempPathFactory) -> ValidationSettings:  # type: ignore[no-untyped-def]
    certs = []
    for ca in demo_pki.manifest.authorities:
        certs.extend(load_certificates(ca.cert.read_bytes()))
    idx = CrlIndex(tmp_path_factory.mktemp("idx") / "crl.sqlite")
    report = refresh_crl_index(idx, certs, urls=demo_pki.manifest.crl_urls.values(), timeout=5)
    assert report.updated, report.errors
    return ValidationSettings(trust_roots=tuple(load_certificates(demo_pki.root_pem.read_bytes())),
                              crl_index=idx)


@pytest.mark.parametrize("level", ["B-B", "B-T", "B-LT", "B-LTA"])
def test_each_level(level: str, sign_sample, demo_settings: ValidationSettings) -> None:  # type: ignore[no-untyped-def]
    r = validate_pdf(sign_sample(level, "supplier"), demo_settings)
    assert [s.indication for s in r.signatures if s.kind.value == "signature"] == [P], r.signatures[0].messages
    assert all(s.indication is P for s in r.signatures)
    assert r.signatures[0].pades_level.value == level


def test_certified_then_countersigned_by_the_client(demo_pki, sign_sample, demo_settings: ValidationSettings) -> None:  # type: ignore[no-untyped-def]
    first = sign_sample("B-T", "supplier", certify=True, add_empty_fields=("Client",))
    both = sign_sample("B-T", "romashka", pdf=first, field_name="Client")
    r = validate_pdf(both, demo_settings)
    assert [s.indication for s in r.signatures] == [P, P], [s.messages for s in r.signatures]
    assert r.signatures[0].certification_level is not None
    assert r.signatures[0].changes_after.kind is ChangesAfter.SIGNATURES
    auth = validate_pdf(both, ValidationSettings(**{**demo_settings.__dict__, "expected_tax_id": demo_pki.identity("romashka").tax_id}))
    assert auth.last_signature is not None and auth.last_signature.authorization is not None
    assert auth.last_signature.authorization.authorized


def test_untrusted_demo_identity(sign_sample, demo_settings: ValidationSettings) -> None:  # type: ignore[no-untyped-def]
    try:
        data = sign_sample("B-B", "gp5-untrusted")
    except Exception as e:  # noqa: BLE001 - the product may refuse to sign with it at all
        pytest.skip(f"the signer refuses the untrusted identity: {type(e).__name__}")
    s = validate_pdf(data, demo_settings).signatures[0]
    assert (s.indication, s.sub_indication) == (Indication.INDETERMINATE, SubIndication.NO_CERTIFICATE_CHAIN_FOUND)


def test_xref_stream_documents(pki: TestPki, docs: Docs, settings: ValidationSettings, tmp_path: Path) -> None:
    """A base PDF with object and cross-reference streams (qpdf), signed twice: pass; then an
    overlay appended with a classic update: fail."""
    src, dst = tmp_path / "b.pdf", tmp_path / "os.pdf"
    src.write_bytes(docs("base"))
    subprocess.run(["qpdf", "--object-streams=generate", str(src), str(dst)], check=True)
    d = sign(sign(dst.read_bytes(), pki, pki.client_a, level="B-T", field="Client"),
             pki, pki.supplier, level="B-T", field="Supplier")
    r = validate_pdf(d, settings)
    assert [s.indication for s in r.signatures] == [P, P], [s.messages for s in r.signatures]
    info = tamper.last_state(d)[1].get("Info")
    n = tamper.new_object_number(d)
    root = int(tamper.last_state(d)[1]["Root"].split()[0])
    upd = tamper.incremental_update(d, {n: b"<< /S /JavaScript /JS (1) >>",
                                        root: b"<< /Type /Catalog /Pages 999 0 R >>"})
    bad = validate_pdf(upd, settings)
    assert all(s.indication is Indication.TOTAL_FAILED for s in bad.signatures)
    _ = info, PadesLevel
