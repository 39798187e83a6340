"""The portal's revocation job (``lk revocation refresh`` / Celery beat): it fills the CRL
index from the demo PKI's CRLs, and validation then finds a revoked signer with no network."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from signing.validation import CrlIndex, Indication, SubIndication, ValidationSettings, validate_pdf
from signing.validation.trust import load_certificates

LK = str(Path(sys.executable).parent / "lk")


def test_refresh_command_fills_the_index_and_validation_uses_it(demo_pki, pki_services, sign_sample,
                                                                tmp_path):
    index = tmp_path / "crl-index.sqlite3"
    env = {**os.environ, "LK_PKI_DIR": str(demo_pki.directory),
           "LK_TRUST_ROOTS": str(demo_pki.root_pem), "LK_CRL_INDEX": str(index),
           "LK_DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    result = subprocess.run([LK, "revocation", "refresh"], env=env, capture_output=True, text=True,
                            timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    assert "1 revoked serials" in result.stdout, result.stdout
    revoked = demo_pki.by_role("revoked")[0].name
    pdf = sign_sample("B-B", revoked)  # B-B collects no revocation data: the signer allows it
    settings = ValidationSettings(trust_roots=tuple(load_certificates(demo_pki.root_pem.read_bytes())),
                                  crl_index=CrlIndex(index), allow_fetch=False)
    report = validate_pdf(pdf, settings)
    sig = report.signatures[0]
    assert sig.indication is not Indication.TOTAL_PASSED
    assert sig.sub_indication in (SubIndication.REVOKED, SubIndication.REVOKED_NO_POE), sig.messages
    assert any(r.source.value == "crl-index" for r in sig.chain.revocation), sig.chain.revocation
