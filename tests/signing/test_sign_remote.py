"""Staged (browser) signing: prepare → the "browser" signs with cryptography → finish.

The browser's part is played by ``cryptography`` with the client's key from its
PKCS#12 file, exactly what WebCrypto does: sign the DER signed attributes with
SHA-256 (RSA PKCS#1 v1.5, RSA-PSS with a 32-byte salt, ECDSA P-256 giving raw
r||s). The state crosses a serialization boundary as it would between requests.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import pkcs12

from signing import Level, SigningOptions
from signing.errors import (
    InvalidStateError,
    SignatureValueError,
    UnsupportedAlgorithmError,
)
from signing.remote import Scheme, SigningState, finish, prepare
from tests.signing.helpers import (
    assert_pdfsig_all_valid,
    pyhanko_validate_all,
    signed_byte_ranges,
    verify_signed_range,
)


def _client(demo_pki, name):
    ident = demo_pki.identity(name)
    key, cert, extra = pkcs12.load_key_and_certificates(ident.p12.read_bytes(),
                                                        ident.password.encode())
    chain = tuple(c.public_bytes(serialization.Encoding.DER) for c in [cert, *extra])
    return key, chain


def _browser_sign(key, data: bytes, scheme: str, *, raw_ecdsa: bool = True) -> bytes:
    if scheme == Scheme.RSA_PKCS1:
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if scheme == Scheme.RSA_PSS:
        return key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
                        hashes.SHA256())
    der = key.sign(data, ec.ECDSA(hashes.SHA256()))
    if not raw_ecdsa:
        return der
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")  # WebCrypto's IEEE P1363 form


def _options(demo_pki, level: Level, **kw) -> SigningOptions:
    return SigningOptions(level=level, tsa_url=demo_pki.tsa_url,
                          trust_roots=(demo_pki.root_pem,), **kw)


CASES = [
    ("romashka", Scheme.RSA_PKCS1, True),
    ("romashka", Scheme.RSA_PSS, True),
    ("gp5", Scheme.ECDSA, True),
    ("gp5", Scheme.ECDSA, False),
]


@pytest.mark.parametrize("name,scheme,raw", CASES, ids=["pkcs1", "pss", "ecdsa-raw", "ecdsa-der"])
def test_browser_signature_valid_everywhere(demo_pki, pki_services, sample_pdf, nss_db, tmp_path,
                                            name, scheme, raw):
    key, chain = _client(demo_pki, name)
    tbs = prepare(sample_pdf, chain, _options(demo_pki, Level.B_T), scheme=scheme)
    assert tbs.webcrypto_algorithm["hash"] == "SHA-256"
    # Another request, maybe another worker: only bytes survive.
    stored = tbs.state.to_bytes()
    signature = _browser_sign(key, tbs.signed_attributes, scheme, raw_ecdsa=raw)
    result = finish(SigningState.from_bytes(stored), signature)
    assert result.level_reached is Level.B_T and not result.upgrade_pending
    path = tmp_path / "signed.pdf"
    path.write_bytes(result.pdf)
    assert_pdfsig_all_valid(path, nss_db, expected=1)
    for rng in signed_byte_ranges(result.pdf):
        verify_signed_range(rng, demo_pki.root_pem, tmp_path)
    assert all(o.ok for o in pyhanko_validate_all(result.pdf, demo_pki.root_pem))


def test_countersign_certified_document_at_b_lt(demo_pki, pki_services, sign_sample, nss_db,
                                                tmp_path):
    certified = sign_sample("B-T", certify=True, add_empty_fields=("Client",))
    key, chain = _client(demo_pki, "romashka")
    tbs = prepare(certified, chain, _options(demo_pki, Level.B_LT, field_name="Client"))
    result = finish(tbs.state.to_bytes(),
                    _browser_sign(key, tbs.signed_attributes, Scheme.RSA_PKCS1))
    assert result.level_reached is Level.B_LT
    assert result.pdf.startswith(certified)
    path = tmp_path / "two.pdf"
    path.write_bytes(result.pdf)
    assert_pdfsig_all_valid(path, nss_db, expected=2)
    outcomes = pyhanko_validate_all(result.pdf, demo_pki.root_pem)
    assert all(o.ok for o in outcomes), [o.details() for o in outcomes]


def test_wrong_signature_refused(demo_pki, sample_pdf):
    key, chain = _client(demo_pki, "romashka")
    other_key, _ = _client(demo_pki, "zmk")
    tbs = prepare(sample_pdf, chain, _options(demo_pki, Level.B_B))
    with pytest.raises(SignatureValueError):
        finish(tbs.state, _browser_sign(other_key, tbs.signed_attributes, Scheme.RSA_PKCS1))
    with pytest.raises(SignatureValueError):  # right key, other data
        finish(tbs.state, _browser_sign(key, tbs.signed_attributes + b"x", Scheme.RSA_PKCS1))
    with pytest.raises(SignatureValueError):  # right key, wrong padding
        finish(tbs.state, _browser_sign(key, tbs.signed_attributes, Scheme.RSA_PSS))
    with pytest.raises(SignatureValueError):
        finish(tbs.state, b"\x00" * 10)


def test_ecdsa_garbage_refused(demo_pki, sample_pdf):
    key, chain = _client(demo_pki, "gp5")
    tbs = prepare(sample_pdf, chain, _options(demo_pki, Level.B_B))
    sig = bytearray(_browser_sign(key, tbs.signed_attributes, Scheme.ECDSA))
    sig[5] ^= 0xFF
    with pytest.raises(SignatureValueError):
        finish(tbs.state, bytes(sig))
    with pytest.raises(SignatureValueError):
        finish(tbs.state, b"\x01" * 63)


def test_scheme_must_fit_key(demo_pki, sample_pdf):
    _, rsa_chain = _client(demo_pki, "romashka")
    _, ec_chain = _client(demo_pki, "gp5")
    with pytest.raises(UnsupportedAlgorithmError):
        prepare(sample_pdf, rsa_chain, _options(demo_pki, Level.B_B), scheme=Scheme.ECDSA)
    with pytest.raises(UnsupportedAlgorithmError):
        prepare(sample_pdf, ec_chain, _options(demo_pki, Level.B_B), scheme=Scheme.RSA_PSS)


def test_tampered_state_refused(demo_pki, sample_pdf):
    key, chain = _client(demo_pki, "romashka")
    tbs = prepare(sample_pdf, chain, _options(demo_pki, Level.B_B))
    raw = tbs.state.to_json()
    # Swap in another document: the digest no longer matches.
    other = prepare(sample_pdf + b"\n% other\n", chain, _options(demo_pki, Level.B_B))
    raw["prepared_pdf"] = other.state.to_json()["prepared_pdf"]
    raw["document_sha256"] = other.state.to_json()["document_sha256"]
    sig = _browser_sign(key, tbs.signed_attributes, Scheme.RSA_PKCS1)
    with pytest.raises(InvalidStateError):
        finish(SigningState.from_json(raw), sig)
    with pytest.raises(InvalidStateError):
        SigningState.from_bytes(b"{not json")
    broken = tbs.state.to_json()
    broken["document_sha256"] = "0" * 64
    with pytest.raises(InvalidStateError):
        SigningState.from_json(broken)


def test_tsa_down_at_finish_degrades(demo_pki, sample_pdf, tmp_path):
    key, chain = _client(demo_pki, "romashka")
    options = SigningOptions(level=Level.B_T, tsa_url="http://127.0.0.1:9/tsa",
                             trust_roots=(demo_pki.root_pem,), service_timeout=2)
    tbs = prepare(sample_pdf, chain, options)
    result = finish(tbs.state, _browser_sign(key, tbs.signed_attributes, Scheme.RSA_PKCS1))
    assert result.level_reached is Level.B_B and result.upgrade_pending
    assert "time-stamping" in (result.reason or "")
