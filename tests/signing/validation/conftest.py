"""Fixtures of the validation tests: a test PKI, settings, and signed documents built once."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from signing.validation import ValidationSettings

from .signhelpers import base_pdf, document_timestamp, sign
from .testpki import TestPki, build_pki


@pytest.fixture(scope="session")
def pki() -> TestPki:
    return build_pki()


@pytest.fixture(scope="session")
def root_pem(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return pki.write_pem(tmp_path_factory.mktemp("trust") / "root.pem", pki.root)


def _no_fetch(url: str, timeout: float, body: bytes | None) -> bytes:
    raise AssertionError(f"the validator tried to fetch {url}")


@pytest.fixture(scope="session")
def settings(pki: TestPki) -> ValidationSettings:
    """Trust the test root; revocation data: the issuing CA's and root's current CRLs
    (as the CRL files a caller supplies); no network."""
    crls = tuple(
        c.public_bytes(serialization.Encoding.DER)
        for c in (
            pki.crl(pki.ca, pki.now, pki.now + dt.timedelta(days=7)),
            pki.crl(pki.root, pki.now, pki.now + dt.timedelta(days=30)),
        )
    )
    return ValidationSettings(trust_roots=(pki.root.asn1_cert,), supplied_crls=crls, fetch=_no_fetch)


@pytest.fixture(scope="session")
def offline_settings(pki: TestPki) -> ValidationSettings:
    """Trust only: no CRL, no index, and any fetch attempt fails the test."""
    return ValidationSettings(trust_roots=(pki.root.asn1_cert,), allow_fetch=True, fetch=_no_fetch)


Docs = Callable[[str], bytes]


@pytest.fixture(scope="session")
def docs(pki: TestPki) -> Docs:
    """``docs(name)``: signed documents, built on first use and cached for the session."""
    cache: dict[str, bytes] = {}

    def build(name: str) -> bytes:
        base = base_pdf()
        if name == "base":
            return base
        if name == "fields":
            return base_pdf(empty_fields=("Client", "Supplier"))
        if name == "b_t":
            return sign(base, pki, pki.client_a, level="B-T", field="Client")
        if name == "b_b":
            return sign(base, pki, pki.client_a, level="B-B", field="Client")
        if name == "b_lt":
            return sign(base, pki, pki.client_a, level="B-LT", field="Client")
        if name == "two_lt":
            return sign(get("b_lt"), pki, pki.supplier, level="B-LT", field="Supplier")
        if name == "two_lta":
            return sign(get("b_lt"), pki, pki.supplier, level="B-LTA", field="Supplier")
        if name == "two_t":
            return sign(get("b_t"), pki, pki.supplier, level="B-T", field="Supplier")
        if name == "client_b":
            return sign(base, pki, pki.client_b, level="B-T", field="Client")
        if name == "revoked_early":
            return sign(base, pki, pki.revoked_early, level="B-T", field="Client")
        if name == "revoked_late_t":
            return sign(base, pki, pki.revoked_late, level="B-T", field="Client")
        if name == "revoked_late_b":
            return sign(base, pki, pki.revoked_late, level="B-B", field="Client")
        if name == "expired":
            return sign(base, pki, pki.expired, level="B-T", field="Client")
        if name == "self_signed":
            return sign(base, pki, pki.self_signed, level="B-B", field="Client")
        if name == "fake_root":
            return sign(base, pki, pki.fake_client, level="B-B", field="Client")
        if name == "certified_p1":
            return sign(base, pki, pki.supplier, level="B-T", field="Supplier", certify=1)
        if name == "certified_p1_plus":
            return sign(get("certified_p1"), pki, pki.client_a, level="B-T", field="Client",
                        ignore_docmdp=True)
        if name == "certified_p2":
            return sign(get("fields"), pki, pki.supplier, level="B-T", field="Supplier", certify=2)
        if name == "certified_p2_plus":
            return sign(get("certified_p2"), pki, pki.client_a, level="B-T", field="Client")
        if name == "certified_p2_new_field":
            # the client signs a field of its own instead of the one the certifier laid out
            return sign(get("certified_p2"), pki, pki.client_a, level="B-T", field="Extra")
        if name == "certified_p2_new_invisible_field":
            return sign(get("certified_p2"), pki, pki.client_a, level="B-T", field="Extra",
                        new_field_box=None)
        if name == "certified_p2_timestamped":
            return document_timestamp(get("certified_p2"), pki)
        if name == "locked_then_filled":
            locked = sign(get("fields"), pki, pki.supplier, level="B-T", field="Approval",
                          lock=("Client",))
            return sign(locked, pki, pki.client_a, level="B-T", field="Client")
        raise KeyError(name)

    def get(name: str) -> bytes:
        if name not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[name] = build(name)
        return cache[name]

    return get
