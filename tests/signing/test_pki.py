"""The demo PKI: generation, certificate contents, and the loopback services."""

from __future__ import annotations

import base64
import datetime as dt
import json
import socket
import subprocess
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtensionOID, NameOID

from lk_corporate.demo.data import CLIENTS, SUPPLIER
from lk_corporate.pki import PkiGenerationError, init_pki, load_manifest

OID_INN = x509.ObjectIdentifier("1.2.643.3.131.1.1")


def _cert(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def test_manifest_shape(demo_pki):
    raw = json.loads((demo_pki.directory / "manifest.json").read_text(encoding="utf-8"))
    assert raw["tsa_url"] == f"{demo_pki.base_url}/tsa"
    roles = [i["role"] for i in raw["identities"]]
    for role in ("supplier", "client", "revoked", "expired", "untrusted"):
        assert role in roles
    for ident in raw["identities"]:
        assert set(ident) >= {"name", "role", "tax_id", "p12", "password"}
        assert not Path(ident["p12"]).is_absolute()
        assert (demo_pki.directory / ident["p12"]).is_file()
    assert (demo_pki.directory / "root-ca.pem").is_file()
    assert {c["tax_id"] for c in raw["identities"] if c["role"] == "client"} == \
        {c.tax_id for c in CLIENTS}


def test_client_subject_carries_tax_id_and_cyrillic_names(demo_pki):
    ident = demo_pki.client
    cert = _cert(ident.cert)
    subject = cert.subject
    assert subject.get_attributes_for_oid(OID_INN)[0].value == CLIENTS[0].tax_id
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)[0].value \
        == f"VATRU-{CLIENTS[0].tax_id}"
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value \
        == CLIENTS[0].short_name
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "Иванова Мария Сергеевна"
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "RU"
    assert subject.get_attributes_for_oid(NameOID.TITLE)
    assert subject.get_attributes_for_oid(NameOID.LOCALITY_NAME)
    # The supplier's certificate names the supplier.
    supplier = _cert(demo_pki.supplier.cert).subject
    assert supplier.get_attributes_for_oid(OID_INN)[0].value == SUPPLIER.tax_id


def test_certificates_point_at_base_url(demo_pki):
    cert = _cert(demo_pki.client.cert)
    cdp = cert.extensions.get_extension_for_oid(ExtensionOID.CRL_DISTRIBUTION_POINTS).value
    aia = cert.extensions.get_extension_for_oid(ExtensionOID.AUTHORITY_INFORMATION_ACCESS).value
    urls = [n.value for dp in cdp for n in dp.full_name] + [a.access_location.value for a in aia]
    assert f"{demo_pki.base_url}/crl/issuing-ca.crl" in urls
    assert f"{demo_pki.base_url}/ocsp" in urls
    assert f"{demo_pki.base_url}/certs/issuing-ca.crt" in urls


def test_chains_expired_and_untrusted(demo_pki):
    chain = demo_pki.directory / "ca" / "issuing-ca.pem"

    def verify(ident_name: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["openssl", "verify", "-CAfile", str(demo_pki.root_pem),
                               "-untrusted", str(chain), str(demo_pki.identity(ident_name).cert)],
                              check=False, capture_output=True, text=True)

    assert verify("supplier").returncode == 0
    assert verify("romashka").returncode == 0
    expired = verify("zmk-expired")
    assert expired.returncode != 0 and "expired" in expired.stdout + expired.stderr
    untrusted = verify("gp5-untrusted")
    assert untrusted.returncode != 0
    assert "gp5" in [i.name for i in demo_pki.by_role("client")]
    assert isinstance(_cert(demo_pki.identity("gp5").cert).public_key(), ec.EllipticCurvePublicKey)


def test_pkcs12_is_aes_and_password_protected(demo_pki):
    ident = demo_pki.supplier
    data = ident.p12.read_bytes()
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, b"wrong password")
    key, cert, extra = pkcs12.load_key_and_certificates(data, ident.password.encode())
    assert key is not None and cert is not None and len(extra) == 2
    info = subprocess.run(["openssl", "pkcs12", "-info", "-noout", "-in", str(ident.p12),
                           "-passin", f"pass:{ident.password}"], capture_output=True, text=True,
                          check=False)
    text = info.stdout + info.stderr
    assert "AES-256-CBC" in text and "RC2" not in text and "3DES" not in text, text


def test_init_refuses_existing_pki(demo_pki):
    with pytest.raises(PkiGenerationError):
        init_pki(demo_pki.directory, demo_pki.base_url)
    assert load_manifest(demo_pki.directory).base_url == demo_pki.base_url


def _ocsp_request(demo_pki, name: str, issuer: str = "issuing-ca") -> bytes:
    cert = _cert(demo_pki.identity(name).cert)
    ca = _cert(demo_pki.directory / "ca" / f"{issuer}.pem")
    req = ocsp.OCSPRequestBuilder().add_certificate(cert, ca, hashes.SHA1()).build()
    return req.public_bytes(serialization.Encoding.DER)


@pytest.mark.parametrize("name,status", [
    ("supplier", ocsp.OCSPCertStatus.GOOD),
    ("romashka-revoked", ocsp.OCSPCertStatus.REVOKED),
])
def test_ocsp_post_and_get(demo_pki, pki_services, name, status):
    der = _ocsp_request(demo_pki, name)
    post = requests.post(f"{demo_pki.base_url}/ocsp", data=der, timeout=5,
                         headers={"Content-Type": "application/ocsp-request"})
    get = requests.get(f"{demo_pki.base_url}/ocsp/"
                       + requests.utils.quote(base64.b64encode(der).decode(), safe=""), timeout=5)
    for http in (post, get):
        assert http.headers["Content-Type"] == "application/ocsp-response"
        resp = ocsp.load_der_ocsp_response(http.content)
        assert resp.response_status == ocsp.OCSPResponseStatus.SUCCESSFUL
        assert resp.certificate_status == status
        # Whole seconds only: NSS rejects fractional GeneralizedTime.
        for t in (resp.produced_at_utc, resp.this_update_utc, resp.next_update_utc):
            assert t.microsecond == 0
        assert b"Z" in http.content and not _has_fractional_time(http.content)
        if status == ocsp.OCSPCertStatus.REVOKED:
            assert resp.revocation_time_utc < dt.datetime.now(dt.UTC)


def _has_fractional_time(der: bytes) -> bool:
    import re

    # GeneralizedTime: tag 0x18, then YYYYMMDDHHMMSS[.fff]Z
    return bool(re.search(rb"\x18[\x0f-\x20]\d{14}\.\d+Z", der))


def test_ocsp_unknown_issuer_is_refused(demo_pki, pki_services):
    der = _ocsp_request(demo_pki, "supplier", issuer="untrusted-ca")  # wrong issuer
    http = requests.post(f"{demo_pki.base_url}/ocsp", data=der, timeout=5)
    assert ocsp.load_der_ocsp_response(http.content).response_status \
        == ocsp.OCSPResponseStatus.UNAUTHORIZED


def test_crl_lists_the_revoked_certificate(demo_pki, pki_services):
    http = requests.get(f"{demo_pki.base_url}/crl/issuing-ca.crl", timeout=5)
    crl = x509.load_der_x509_crl(http.content)
    issuing = _cert(demo_pki.directory / "ca" / "issuing-ca.pem")
    assert crl.is_signature_valid(issuing.public_key())  # type: ignore[arg-type]
    revoked = demo_pki.identity("romashka-revoked").serial
    assert crl.get_revoked_certificate_by_serial_number(revoked) is not None
    assert crl.get_revoked_certificate_by_serial_number(demo_pki.supplier.serial) is None


def test_tsa_answers_openssl_ts(demo_pki, pki_services, tmp_path):
    data = tmp_path / "data.txt"
    data.write_text("показания")
    query = tmp_path / "q.tsq"
    subprocess.run(["openssl", "ts", "-query", "-data", str(data), "-sha256", "-cert",
                    "-out", str(query)], check=True, capture_output=True)
    http = requests.post(demo_pki.tsa_url, data=query.read_bytes(), timeout=5,
                         headers={"Content-Type": "application/timestamp-query"})
    reply = tmp_path / "r.tsr"
    reply.write_bytes(http.content)
    chain = tmp_path / "chain.pem"
    chain.write_bytes((demo_pki.directory / "ca-chain.pem").read_bytes())
    proc = subprocess.run(["openssl", "ts", "-verify", "-data", str(data), "-in", str(reply),
                           "-CAfile", str(demo_pki.root_pem), "-untrusted", str(chain)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "Verification: OK" in proc.stdout, proc.stdout + proc.stderr
    # A different document does not verify against the token.
    data.write_text("другие показания")
    proc = subprocess.run(["openssl", "ts", "-verify", "-data", str(data), "-in", str(reply),
                           "-CAfile", str(demo_pki.root_pem), "-untrusted", str(chain)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0


def test_lk_pki_cli(tmp_path):
    lk = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lk"
    out = tmp_path / "pki"
    proc = subprocess.run([str(lk), "pki", "init", str(out), "--base-url", "http://127.0.0.1:9"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert load_manifest(out).tsa_url == "http://127.0.0.1:9/tsa"
    again = subprocess.run([str(lk), "pki", "init", str(out)], capture_output=True, text=True,
                           timeout=120, check=False)
    assert again.returncode == 2 and "already contains" in again.stderr
    assert "Traceback" not in again.stderr


def test_lk_pki_serve_refuses_a_busy_port(demo_pki, pki_services):
    lk = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "lk"
    proc = subprocess.run([str(lk), "pki", "serve", str(demo_pki.directory), "--port",
                           str(pki_services.port)], capture_output=True, text=True, timeout=60,
                          check=False)
    assert proc.returncode == 1 and "already in use" in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr


def test_the_pki_does_not_import_the_demo():
    """The demo uses the PKI, never the other way round: not at the top of a module, not in
    a function (the declaration used to resolve organisations through lk_corporate.demo)."""
    import ast

    package = Path(__file__).resolve().parents[2] / "lk_corporate" / "pki"
    for path in package.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            assert not [n for n in names if n.startswith("lk_corporate.demo")], \
                f"{path.name}:{node.lineno} imports the demo"


def test_declared_organisations_are_the_demo_ones():
    """certs/demo-pki.yml declares its organisations itself; they must stay the demo's, so
    that certificates, the portal and the PDFs name the same companies and tax IDs."""
    from lk_corporate.pki.declaration import load_declaration

    declared = {i.organization.tax_id: i.organization for i in load_declaration().identities}
    demo = {SUPPLIER.tax_id: (SUPPLIER, None)} | {c.tax_id: (c, c.contract_number) for c in CLIENTS}
    assert set(declared) == set(demo)
    for tax_id, org in declared.items():
        company, contract = demo[tax_id]
        assert (org.name, org.short_name, org.ogrn, org.contract) == \
            (company.name, company.short_name, company.ogrn, contract)
        assert f"г. {org.locality}" in company.address
        assert org.region is None or org.region in company.address


def test_serves_pki_recognises_its_own_services(demo_pki, pki_services, tmp_path):
    from lk_corporate.pki import port_is_free, serves_pki

    assert not port_is_free("127.0.0.1", pki_services.port)
    assert serves_pki(demo_pki.manifest, "127.0.0.1", pki_services.port)
    # Another PKI's services (same layout and names, other keys) are not this one's.
    other = init_pki(tmp_path / "other", "http://127.0.0.1:9")
    assert not serves_pki(other, "127.0.0.1", pki_services.port)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    assert port_is_free("127.0.0.1", closed)
    assert not serves_pki(demo_pki.manifest, "127.0.0.1", closed)


def test_ensure_demo_pki_refuses_another_base_url(demo_pki):
    from lk_corporate.pki import PkiBaseUrlMismatch, ensure_demo_pki

    assert ensure_demo_pki(demo_pki.directory, demo_pki.base_url + "/").base_url == demo_pki.base_url
    with pytest.raises(PkiBaseUrlMismatch, match="generated for"):
        ensure_demo_pki(demo_pki.directory, "http://127.0.0.1:1")


def _reference_token(pki, request_der: bytes, now, serial: int) -> bytes:
    """The TSA's answer built with asn1crypto's object graph: what ``tsa.respond`` assembles
    from pre-encoded DER parts must be these very bytes."""
    import hashlib

    from asn1crypto import algos, cms, core, tsp
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    from lk_corporate.pki.tsa import TSA_POLICY_OID

    req = tsp.TimeStampReq.load(request_der)
    tsa_cert = asn1_x509.Certificate.load(pki.tsa_cert.public_bytes(serialization.Encoding.DER))
    info = {"version": "v1", "policy": req["req_policy"].native or TSA_POLICY_OID,
            "message_imprint": req["message_imprint"], "serial_number": serial, "gen_time": now,
            "accuracy": {"seconds": 1}, "ordering": False,
            "tsa": asn1_x509.GeneralName(name="directory_name", value=tsa_cert.subject)}
    if req["nonce"].native is not None:
        info["nonce"] = req["nonce"].native
    tst_der = tsp.TSTInfo(info).dump()
    attrs = cms.CMSAttributes([
        cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}),
        cms.CMSAttribute({"type": "signing_time", "values": [cms.Time({"utc_time": now})]}),
        cms.CMSAttribute({"type": "message_digest", "values": [hashlib.sha256(tst_der).digest()]}),
        cms.CMSAttribute({"type": "signing_certificate_v2", "values": [tsp.SigningCertificateV2({
            "certs": [{"hash_algorithm": {"algorithm": "sha256"},
                       "cert_hash": hashlib.sha256(tsa_cert.dump()).digest(),
                       "issuer_serial": {"issuer": [asn1_x509.GeneralName(
                           name="directory_name", value=tsa_cert.issuer)],
                           "serial_number": tsa_cert.serial_number}}]})]}),
    ])
    if isinstance(pki.tsa_key, rsa.RSAPrivateKey):
        algorithm = "sha256_rsa"
        signature = pki.tsa_key.sign(attrs.dump(), padding.PKCS1v15(), hashes.SHA256())
    else:  # deterministic (RFC 6979), as the TSA signs: comparable byte for byte
        algorithm = "sha256_ecdsa"
        signature = pki.tsa_key.sign(attrs.dump(),
                                     ec.ECDSA(hashes.SHA256(), deterministic_signing=True))
    signed = {"version": "v3", "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
              "encap_content_info": {"content_type": "tst_info",
                                     "content": core.ParsableOctetString(tst_der)},
              "signer_infos": [cms.SignerInfo({
                  "version": "v1", "sid": cms.SignerIdentifier({"issuer_and_serial_number": {
                      "issuer": tsa_cert.issuer, "serial_number": tsa_cert.serial_number}}),
                  "digest_algorithm": {"algorithm": "sha256"}, "signed_attrs": attrs,
                  "signature_algorithm": {"algorithm": algorithm}, "signature": signature})]}
    if req["cert_req"].native:
        signed["certificates"] = [tsa_cert] + [asn1_x509.Certificate.load(
            c.public_bytes(serialization.Encoding.DER)) for c in pki.tsa_chain]
    token = cms.ContentInfo({"content_type": "signed_data", "content": cms.SignedData(signed)})
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


# nonces whose DER integers need a leading zero, or are negative (a client may send one)
@pytest.mark.parametrize("nonce", [12345, None, 2**70, 0, 128, 255, -128, -129, 2**63])
@pytest.mark.parametrize("cert_req", [True, False])
def test_tsa_tokens_are_the_der_asn1crypto_would_write(demo_pki, nonce, cert_req):
    import datetime as dt
    import hashlib

    from asn1crypto import tsp

    from lk_corporate.pki import tsa
    from lk_corporate.pki.authority import load_pki

    pki = load_pki(demo_pki.directory)
    fields = {"version": 1, "cert_req": cert_req,
              "message_imprint": {"hash_algorithm": {"algorithm": "sha256"},
                                  "hashed_message": hashlib.sha256(b"act").digest()}}
    if nonce is not None:
        fields["nonce"] = nonce
    request = tsp.TimeStampReq(fields).dump()
    now = dt.datetime(2026, 12, 2, 9, 30, 15, tzinfo=dt.UTC)
    assert tsa.respond(pki, request, now=now, serial=777) == _reference_token(pki, request, now, 777)
