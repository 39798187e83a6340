"""Who signs for whom: tax ID normalisation and matching, registered fingerprints."""

from __future__ import annotations

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID, ObjectIdentifier

from signing.validation import authorized_for, inn_is_valid, normalize_tax_id
from signing.validation.trust import fingerprint

from .testpki import TestPki, make_cert


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("7712345671", "7712345671"),
        (" 7712345671 ", "7712345671"),
        ("ИНН 7712345671", "7712345671"),
        ("INNRU-7712345671", "7712345671"),
        ("NTRRU-1027712345671", "1027712345671"),
        ("VATUA-12345678", "12345678"),
        ("007707083893", "7707083893"),  # legacy 12-digit form of a valid ИНН ЮЛ
        ("001234567890", "001234567890"),  # not a valid ИНН ЮЛ behind the zeros: kept as is
        ("500100732259", "500100732259"),  # a person's ИНН
    ],
)
def test_normalize(raw: str, norm: str) -> None:
    assert normalize_tax_id(raw) == norm


def test_inn_checksums() -> None:
    assert inn_is_valid("7707083893")  # Sberbank
    assert not inn_is_valid("7707083894")
    assert inn_is_valid("500100732259")
    assert not inn_is_valid("500100732258")


def _cert(pki: TestPki, attrs: list[tuple[str, str]]):  # type: ignore[no-untyped-def]
    name = x509.Name([x509.NameAttribute(ObjectIdentifier(oid), value) for oid, value in attrs]
                     + [x509.NameAttribute(NameOID.COMMON_NAME, "Test")])
    return make_cert("t", name, pki.ca, not_before=pki.now, not_after=pki.now.replace(year=pki.now.year + 1)).asn1_cert


def test_company_inn(pki: TestPki) -> None:
    c = pki.client_a.asn1_cert
    assert authorized_for(c, "7712345671").authorized
    assert authorized_for(c, "INNRU-7712345671").matched_by == "INNLE"
    assert not authorized_for(c, "7798765432").authorized
    assert not authorized_for(c, "").authorized


def test_legacy_inn_attribute_with_leading_zeros(pki: TestPki) -> None:
    c = _cert(pki, [("1.2.643.3.131.1.1", "007707083893")])
    assert authorized_for(c, "7707083893").authorized


def test_persons_inn_does_not_stand_for_the_company(pki: TestPki) -> None:
    c = _cert(pki, [("1.2.643.3.131.1.1", "500100732259")])
    assert not authorized_for(c, "5001007322").authorized
    assert authorized_for(c, "500100732259").authorized  # an individual entrepreneur


def test_no_sloppy_zero_stripping(pki: TestPki) -> None:
    c = _cert(pki, [("1.2.804.2.1.1.1.11.1.4.2.1", "01234567")])  # ЄДРПОУ keeps its zero
    assert authorized_for(c, "01234567").authorized
    assert not authorized_for(c, "1234567").authorized


@pytest.mark.parametrize(
    ("oid", "value", "query", "kind"),
    [
        ("1.2.643.100.1", "1027712345671", "1027712345671", "OGRN"),
        ("1.2.804.2.1.1.1.11.1.4.2.1", "12345678", "12345678", "EDRPOU"),
        ("2.5.4.97", "NTRRU-7712345671", "7712345671", "organizationIdentifier"),
        ("2.5.4.97", "7712345671", "7712345671", "organizationIdentifier"),
        ("2.5.4.5", "7712345671", "7712345671", "serialNumber"),
    ],
)
def test_other_identifier_attributes(pki: TestPki, oid: str, value: str, query: str, kind: str) -> None:
    r = authorized_for(_cert(pki, [(oid, value)]), query)
    assert r.authorized and r.matched_by == kind


def test_registered_fingerprint(pki: TestPki) -> None:
    c = pki.client_b.asn1_cert
    assert not authorized_for(c, "7712345671").authorized
    fp = fingerprint(c)
    colon = ":".join(fp[i : i + 2] for i in range(0, len(fp), 2)).upper()
    r = authorized_for(c, "7712345671", registered_fingerprints=[colon])
    assert r.authorized and r.matched_by == "fingerprint"


def test_accepts_der_pem_and_cryptography_certificates(pki: TestPki) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    for form in (pki.client_a.cert, pki.client_a.pem, pki.client_a.cert.public_bytes(Encoding.DER)):
        assert authorized_for(form, "7712345671").authorized
