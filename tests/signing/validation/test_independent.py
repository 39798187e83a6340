"""Readers that share no code with this project agree with our integrity verdicts.

- ``openssl cms -verify`` over the exact signed byte ranges confirms every CMS we call intact
  (and refuses the ones we call broken), with the test root as the only trust anchor;
- poppler's ``pdfsig`` agrees on integrity ("Signature is Valid" / "Digest Mismatch").
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from signing.validation import SignatureKind, SubIndication, ValidationSettings, validate_pdf

from . import tamper
from .conftest import Docs


def _tampered_byte(d: bytes) -> bytes:
    b = bytearray(d)
    b[b.index(b"ReportLab Generated")] ^= 0x20
    return bytes(b)


CASES = {
    "b_t": lambda docs: docs("b_t"),
    "b_lt": lambda docs: docs("b_lt"),
    "two_t": lambda docs: docs("two_t"),
    "two_lta": lambda docs: docs("two_lta"),
    "tampered_byte": lambda docs: _tampered_byte(docs("two_t")),
}


def _cms_and_content(data: bytes, byte_range: tuple[int, ...]) -> tuple[bytes, bytes]:
    a, b = byte_range[1], byte_range[2]
    raw = bytes.fromhex(data[a + 1 : b - 1].decode())
    content = data[0:a] + data[b : b + byte_range[3]]
    return tamper.cms_der(raw), content


@pytest.mark.parametrize("case", sorted(CASES))
def test_openssl_agrees(case: str, docs: Docs, settings: ValidationSettings, root_pem: Path,
                        tmp_path: Path) -> None:
    data = CASES[case](docs)
    report = validate_pdf(data, settings)
    assert report.signatures
    for s in report.signatures:
        if s.kind is SignatureKind.DOCUMENT_TIMESTAMP:
            continue  # an RFC 3161 token, not a detached CMS over the ranges
        assert s.integrity.byte_range is not None
        cms_der, content = _cms_and_content(data, s.integrity.byte_range)
        (tmp_path / "sig.der").write_bytes(cms_der)
        (tmp_path / "content.bin").write_bytes(content)
        proc = subprocess.run(
            ["openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", str(tmp_path / "sig.der"),
             "-content", str(tmp_path / "content.bin"), "-CAfile", str(root_pem), "-purpose", "any",
             "-out", "/dev/null"],
            check=False, capture_output=True, timeout=30,
        )
        intact = s.integrity.digest_ok and s.integrity.signature_ok
        assert (proc.returncode == 0) == intact, (case, s.index, proc.stderr)
        if case == "tampered_byte":
            assert s.sub_indication is SubIndication.HASH_FAILURE


def _pdfsig(path: Path) -> list[str]:
    proc = subprocess.run(["pdfsig", "-nocert", "-no-ocsp", str(path)], check=False, capture_output=True, timeout=60)
    out = proc.stdout.decode("utf-8", "replace")
    return re.findall(r"Signature Validation: ([^\n]*)", out)


@pytest.mark.parametrize("case", sorted(CASES))
def test_pdfsig_agrees_on_integrity(case: str, docs: Docs, settings: ValidationSettings, tmp_path: Path) -> None:
    data = CASES[case](docs)
    path = tmp_path / "doc.pdf"
    path.write_bytes(data)
    seen = _pdfsig(path)
    report = validate_pdf(data, settings)
    assert len(seen) == len(report.signatures)
    for s, verdict in zip(report.signatures, seen):
        if s.kind is SignatureKind.DOCUMENT_TIMESTAMP:
            continue  # pdfsig 22.x cannot validate ETSI.RFC3161
        intact = s.integrity.digest_ok and s.integrity.signature_ok
        assert ("Signature is Valid" in verdict) == intact, (case, s.index, verdict)
        if not intact:
            assert "Digest Mismatch" in verdict


def test_pdfsig_sees_the_appended_garbage_file_as_not_totally_signed(docs: Docs, tmp_path: Path,
                                                                     settings: ValidationSettings) -> None:
    # pdfsig still calls the CMS valid (it is): our verdict fails the signature for the
    # unexplained bytes, and pdfsig at least reports that the document is not totally signed.
    path = tmp_path / "doc.pdf"
    path.write_bytes(docs("b_t") + b"X")
    proc = subprocess.run(["pdfsig", "-nocert", "-no-ocsp", str(path)], check=False, capture_output=True, timeout=60)
    assert b"Not total document signed" in proc.stdout
    assert validate_pdf(path.read_bytes(), settings).signatures[0].sub_indication is SubIndication.FORMAT_FAILURE

