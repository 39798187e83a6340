"""Supplier signing through PKCS#11, against a real SoftHSM2 token.

The test creates a token in a temporary SOFTHSM2_CONF directory, imports the
supplier's key and certificate (softhsm2-util / pkcs11-tool), signs through
PKCS#11 and has pdfsig validate the result.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from signing import Level, SigningOptions, TokenError, WrongPasswordError, sign_pdf
from signing.identity import load_pkcs11_identity
from tests.signing.helpers import assert_pdfsig_all_valid, pyhanko_validate_all

MODULE = next((p for p in (Path("/usr/lib/softhsm/libsofthsm2.so"),
                           Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"))
               if p.exists()), None)
pytestmark = pytest.mark.skipif(MODULE is None or shutil.which("softhsm2-util") is None,
                                reason="SoftHSM2 is not installed")

PIN, SO_PIN, LABEL = "1234", "123456", "lk-supplier"


@pytest.fixture(scope="module")
def token(tmp_path_factory, demo_pki):
    root = tmp_path_factory.mktemp("softhsm")
    (root / "tokens").mkdir()
    conf = root / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {root / 'tokens'}\nobjectstore.backend = file\n"
                    "log.level = ERROR\n")
    # SoftHSM reads SOFTHSM2_CONF when the module is initialised (in this process too).
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = {**os.environ}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", LABEL, "--pin", PIN,
                    "--so-pin", SO_PIN], check=True, capture_output=True, env=env)

    ident = demo_pki.supplier
    key, cert, _ = pkcs12.load_key_and_certificates(ident.p12.read_bytes(),
                                                    ident.password.encode())
    key_pem = root / "key.pem"
    key_pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    cert_der = root / "cert.der"
    cert_der.write_bytes(cert.public_bytes(serialization.Encoding.DER))
    subprocess.run(["softhsm2-util", "--import", str(key_pem), "--token", LABEL, "--label",
                    "supplier", "--id", "01", "--pin", PIN], check=True, capture_output=True,
                   env=env)
    subprocess.run(["pkcs11-tool", "--module", str(MODULE), "--token-label", LABEL, "--login",
                    "--pin", PIN, "--write-object", str(cert_der), "--type", "cert",
                    "--label", "supplier", "--id", "01"], check=True, capture_output=True, env=env)
    key_pem.unlink()
    yield conf
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


def test_pkcs11_errors(token):
    # First: PKCS#11 logins are per process and token, so a wrong PIN can only be
    # observed before the first successful login.
    with pytest.raises(WrongPasswordError):
        load_pkcs11_identity(MODULE, token_label=LABEL, pin="0000", key_label="supplier")
    with pytest.raises(TokenError):
        load_pkcs11_identity(MODULE, token_label="no-such-token", pin=PIN, key_label="supplier")
    with pytest.raises(TokenError):
        load_pkcs11_identity(MODULE, token_label=LABEL, pin=PIN, key_label="nobody")


def test_sign_through_pkcs11(token, demo_pki, pki_services, sample_pdf, nss_db, tmp_path):
    chain = (demo_pki.directory / "ca" / "issuing-ca.pem", demo_pki.root_pem)
    identity = load_pkcs11_identity(MODULE, token_label=LABEL, pin=PIN, key_label="supplier",
                                    other_certs=chain)
    assert identity.summary.tax_id == "7701234560"
    for level in (Level.B_B, Level.B_T):
        result = sign_pdf(sample_pdf, identity, SigningOptions(
            level=level, tsa_url=demo_pki.tsa_url, trust_roots=(demo_pki.root_pem,),
            certify=True, add_empty_fields=("Client",)))
        path = tmp_path / f"p11-{level}.pdf"
        path.write_bytes(result.pdf)
        assert_pdfsig_all_valid(path, nss_db, expected=1)
        assert all(o.ok for o in pyhanko_validate_all(result.pdf, demo_pki.root_pem))
    # Cached: the same session serves the next signature.
    again = load_pkcs11_identity(MODULE, token_label=LABEL, pin=PIN, key_label="supplier",
                                 other_certs=chain)
    assert again is identity
