"""Revocation off the request path: the CRL index, its refresh job, freshness, sources.

The refresh job is exercised against the demo PKI's real CRL server on loopback; documents
are signed by the product's own signer (``sign_sample``) as well as by pyHanko directly.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from signing.validation import (
    CrlIndex,
    Indication,
    RevocationSource,
    RevocationStatus,
    SubIndication,
    ValidationSettings,
    refresh_crl_index,
    validate_pdf,
)
from signing.validation.errors import RevocationIndexError
from signing.validation.revocation import issuer_key_hash
from signing.validation.trust import load_certificates

from .conftest import Docs
from .testpki import TestPki

P, F, I = Indication.TOTAL_PASSED, Indication.TOTAL_FAILED, Indication.INDETERMINATE


def _der(crl) -> bytes:  # type: ignore[no-untyped-def]
    return crl.public_bytes(serialization.Encoding.DER)


def _index_with(pki: TestPki, path: Path, this_update: dt.datetime, next_update: dt.datetime,
                extra: int = 0) -> CrlIndex:
    idx = CrlIndex(path)
    assert idx.store(pki.ca.asn1_cert, _der(pki.crl(pki.ca, this_update, next_update, extra_serials=extra))) >= 0
    assert idx.store(pki.root.asn1_cert, _der(pki.crl(pki.root, this_update, next_update))) >= 0
    return idx


def test_index_lookup_and_source(pki: TestPki, docs: Docs, tmp_path: Path) -> None:
    idx = _index_with(pki, tmp_path / "crl.sqlite", pki.now, pki.now + dt.timedelta(days=7))
    settings = ValidationSettings(trust_roots=(pki.root.asn1_cert,), crl_index=idx)
    r = validate_pdf(docs("b_t"), settings)
    s = r.signatures[0]
    assert s.indication is P
    assert {rv.source for rv in s.chain.revocation} == {RevocationSource.INDEX_CRL}  # type: ignore[union-attr]
    bad = validate_pdf(docs("revoked_early"), settings).signatures[0]
    assert (bad.indication, bad.sub_indication) == (F, SubIndication.REVOKED)
    assert bad.chain.revocation[0].source is RevocationSource.INDEX_CRL  # type: ignore[union-attr]


def test_stale_index_is_try_later(pki: TestPki, docs: Docs, tmp_path: Path) -> None:
    old = pki.now - dt.timedelta(days=10)
    idx = _index_with(pki, tmp_path / "crl.sqlite", old, old + dt.timedelta(days=7))
    settings = ValidationSettings(trust_roots=(pki.root.asn1_cert,), crl_index=idx)
    s = validate_pdf(docs("b_t"), settings).signatures[0]
    assert (s.indication, s.sub_indication) == (I, SubIndication.TRY_LATER)
    # ...unless other fresh information is at hand (embedded in a B-LT file)
    s2 = validate_pdf(docs("b_lt"), settings).signatures[0]
    assert s2.indication is P


def test_index_refuses_an_older_crl_and_a_forged_one(pki: TestPki, tmp_path: Path) -> None:
    idx = CrlIndex(tmp_path / "crl.sqlite")
    assert idx.store(pki.ca.asn1_cert, _der(pki.crl(pki.ca, pki.now, pki.now + dt.timedelta(days=7)))) >= 0
    older = _der(pki.crl(pki.ca, pki.now - dt.timedelta(days=1), pki.now + dt.timedelta(days=6)))
    assert idx.store(pki.ca.asn1_cert, older) == -1  # a replayed CRL cannot un-revoke
    forged = _der(pki.crl(pki.fake_ca, pki.now, pki.now + dt.timedelta(days=7)))
    with pytest.raises(RevocationIndexError):
        idx.store(pki.ca.asn1_cert, forged)  # same issuer name, other key


def test_a_two_megabyte_crl_is_looked_up_not_parsed(pki: TestPki, docs: Docs, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Validation finds a revoked serial in the index without parsing the CRL again (the
    time this takes is measured in bench/bench_validation.py, not here)."""
    crl = _der(pki.crl(pki.ca, pki.now, pki.now + dt.timedelta(days=7), extra_serials=55_000))
    assert len(crl) > 1_500_000
    idx = CrlIndex(tmp_path / "crl.sqlite")
    assert idx.store(pki.ca.asn1_cert, crl) > 55_000
    idx.store(pki.root.asn1_cert, _der(pki.crl(pki.root, pki.now, pki.now + dt.timedelta(days=7))))
    settings = ValidationSettings(trust_roots=(pki.root.asn1_cert,), crl_index=idx)
    validate_pdf(docs("b_t"), settings)  # warm-up

    def no_parsing(*args: object, **kwargs: object) -> object:
        raise AssertionError("a CRL was parsed on the validation path")

    monkeypatch.setattr(asn1_crl.CertificateList, "load", no_parsing)
    r = validate_pdf(docs("revoked_early"), settings)
    assert r.signatures[0].sub_indication is SubIndication.REVOKED
    hit = idx.lookup(issuer_key_hash(pki.ca.asn1_cert), 10**30 + 7919 * 123)
    assert hit is not None and hit.revoked


def test_refresh_job_against_the_demo_crl_server(demo_pki, pki_services, sign_sample, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    certs: list[asn1_x509.Certificate] = []
    for ca in demo_pki.manifest.authorities:
        certs.extend(load_certificates(ca.cert.read_bytes()))
    idx = CrlIndex(tmp_path / "crl.sqlite")
    report = refresh_crl_index(idx, certs, urls=demo_pki.manifest.crl_urls.values(), timeout=5)
    assert report.updated, report.errors
    assert len(idx.issuers()) >= 2
    roots = load_certificates(demo_pki.root_pem.read_bytes())
    settings = ValidationSettings(trust_roots=tuple(roots), crl_index=idx)
    good = validate_pdf(sign_sample("B-T", "supplier"), settings).signatures[0]
    assert good.indication is P, good.messages
    assert RevocationSource.INDEX_CRL in {r.source for r in good.chain.revocation}  # type: ignore[union-attr]
    revoked = validate_pdf(sign_sample("B-B", "romashka-revoked"), settings).signatures[0]
    assert revoked.indication is not P
    assert revoked.chain.revocation[0].status is RevocationStatus.REVOKED  # type: ignore[union-attr]
    # a bad URL is an error in the report, not an exception
    bad = refresh_crl_index(idx, certs, urls=["http://127.0.0.1:9/none.crl"], timeout=1)
    assert any("127.0.0.1:9" in e for e in bad.errors)


def test_live_fetch_when_allowed(demo_pki, pki_services, sign_sample) -> None:  # type: ignore[no-untyped-def]
    roots = load_certificates(demo_pki.root_pem.read_bytes())
    data = sign_sample("B-T", "romashka")
    offline = validate_pdf(data, ValidationSettings(trust_roots=tuple(roots))).signatures[0]
    assert offline.sub_indication is SubIndication.TRY_LATER  # no fetch on the request path
    online = validate_pdf(data, ValidationSettings(trust_roots=tuple(roots), allow_fetch=True)).signatures[0]
    assert online.indication is P, online.messages
    assert online.chain.revocation[0].source in (  # type: ignore[union-attr]
        RevocationSource.FETCHED_OCSP, RevocationSource.FETCHED_CRL)


def test_demo_b_lt_validates_with_embedded_data(demo_pki, sign_sample) -> None:  # type: ignore[no-untyped-def]
    roots = load_certificates(demo_pki.root_pem.read_bytes())
    data = sign_sample("B-LT", "supplier")

    def no_fetch(url: str, timeout: float, body: bytes | None) -> bytes:
        raise AssertionError(f"fetched {url}")

    s = validate_pdf(data, ValidationSettings(trust_roots=tuple(roots), allow_fetch=True,
                                              fetch=no_fetch)).signatures[0]
    assert s.indication is P, s.messages
    assert all(r.source in (RevocationSource.EMBEDDED_OCSP, RevocationSource.EMBEDDED_CRL)
               for r in s.chain.revocation)  # type: ignore[union-attr]


def test_supplied_crl_file_is_a_source(pki: TestPki, docs: Docs, settings: ValidationSettings) -> None:
    s = validate_pdf(docs("revoked_early"), settings).signatures[0]
    assert s.chain.revocation[0].source is RevocationSource.SUPPLIED_CRL  # type: ignore[union-attr]
    no_crl = dataclasses.replace(settings, supplied_crls=())
    assert validate_pdf(docs("revoked_early"), no_crl).signatures[0].sub_indication is SubIndication.TRY_LATER
