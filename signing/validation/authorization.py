"""Does a certificate sign for a given client? (tax ID in the subject, or a registered key)

Identifiers are compared as normalised strings of digits, never numerically, and never by
stripping zeros at random. The one normalisation that matters in Russian certificates is the
legacy encoding of a legal entity's 10-digit ИНН in the 12-digit INN attribute
(1.2.643.3.131.1.1) as ``00`` + the 10 digits: it is accepted only when the 10 digits form a
valid ИНН ЮЛ (checksum), because a 12-digit ИНН of a person never starts with ``00``
(the first two digits are a region code).

A certificate of an employee typically carries both the person's own 12-digit ИНН and the
company's ИНН ЮЛ (1.2.643.100.4); the company is matched by the latter, the person by the
former, and one never stands in for the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from asn1crypto import x509 as asn1_x509

from .report import AuthorizationResult
from .trust import TAX_ID_OIDS, fingerprint

__all__ = ["authorized_for", "inn_is_valid", "normalize_tax_id", "subject_identifiers"]

_ORG_ID_RE = re.compile(r"^([A-Z]{3})([A-Z]{2})[-:]?(.+)$")
_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_1 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_2 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn_is_valid(inn: str) -> bool:
    """Checksum of a 10-digit (legal entity) or 12-digit (person) ИНН."""
    if not inn.isdigit():
        return False
    d = [int(c) for c in inn]
    if len(inn) == 10:
        return sum(w * x for w, x in zip(_INN10_WEIGHTS, d)) % 11 % 10 == d[9]
    if len(inn) == 12:
        c1 = sum(w * x for w, x in zip(_INN12_WEIGHTS_1, d)) % 11 % 10
        c2 = sum(w * x for w, x in zip(_INN12_WEIGHTS_2, d)) % 11 % 10
        return c1 == d[10] and c2 == d[11]
    return False


def normalize_tax_id(value: str) -> str:
    """Normalise a tax identifier as typed or as found in a certificate.

    Strips spaces and dashes inside digit groups, an ``ИНН``/``INN`` label, and an
    organizationIdentifier prefix (``INNRU-``, ``NTRRU-``, ``VATUA-``...). The legacy
    ``00``+ИНН ЮЛ form becomes the 10-digit ИНН. Non-digit identifiers are upper-cased.
    """
    v = value.strip().upper()
    m = _ORG_ID_RE.match(v)
    if m and not v.isdigit():
        v = m.group(3)
    else:
        v = re.sub(r"^(ИНН|INN)(\s*[:№#]\s*|\s+)", "", v)
    v = re.sub(r"[\s-]", "", v)
    if len(v) == 12 and v.startswith("00") and inn_is_valid(v[2:]):
        v = v[2:]
    return v


def subject_identifiers(cert: asn1_x509.Certificate) -> list[tuple[str, str]]:
    """``(kind, normalised value)`` for every identifier attribute of the subject."""
    out: list[tuple[str, str]] = []
    for rdn in cert.subject.chosen:
        for atv in rdn:
            oid = atv["type"].dotted
            kind = TAX_ID_OIDS.get(oid)
            if kind is None or kind == "SNILS":
                continue
            try:
                raw = atv["value"].native
            except (ValueError, TypeError):
                continue
            if not isinstance(raw, str) or not raw.strip():
                continue
            out.append((kind, normalize_tax_id(raw)))
    return out


def _norm_fp(fp: str) -> str:
    return re.sub(r"[^0-9a-f]", "", fp.lower())


def _as_asn1(cert: object) -> asn1_x509.Certificate:
    if isinstance(cert, asn1_x509.Certificate):
        return cert
    if isinstance(cert, (bytes, bytearray)):
        from .trust import load_certificates

        certs = load_certificates(bytes(cert))
        if not certs:
            raise ValueError("no certificate in the given bytes")
        return certs[0]
    public_bytes = getattr(cert, "public_bytes", None)  # a cryptography.x509.Certificate
    if public_bytes is not None:
        from cryptography.hazmat.primitives.serialization import Encoding

        return asn1_x509.Certificate.load(public_bytes(Encoding.DER))
    raise TypeError(f"not a certificate: {type(cert).__name__}")


def authorized_for(
    cert: asn1_x509.Certificate | bytes | object,
    tax_id: str,
    registered_fingerprints: Iterable[str] = (),
) -> AuthorizationResult:
    """Whether ``cert`` may sign for the client with ``tax_id``.

    True when the subject carries that identifier (ИНН, ИНН ЮЛ, ОГРН, ЄДРПОУ,
    organizationIdentifier, serialNumber) or when the certificate's SHA-256 fingerprint is
    among ``registered_fingerprints`` (certificates an operator registered for the client).
    Chain trust and revocation are *not* checked here: the validation report does that.
    ``cert`` may be an asn1crypto or a ``cryptography`` certificate, or DER/PEM bytes.
    """
    cert = _as_asn1(cert)
    wanted = normalize_tax_id(tax_id)
    fp = fingerprint(cert)
    if fp in {_norm_fp(f) for f in registered_fingerprints}:
        return AuthorizationResult(True, wanted, "fingerprint",
                                   "certificate registered for the client by an operator")
    if not wanted:
        return AuthorizationResult(False, wanted, None, "empty tax ID")
    found = subject_identifiers(cert)
    for kind, value in found:
        if not value:
            continue
        if kind == "INN" and len(value) == 12 and len(wanted) == 10:
            continue  # a person's ИНН never stands for a company's
        if value == wanted:
            return AuthorizationResult(True, wanted, kind, f"{kind} {value} in the certificate subject")
    listed = ", ".join(f"{k} {v}" for k, v in found) or "none"
    return AuthorizationResult(False, wanted, None,
                               f"tax ID {wanted} not in the certificate subject (found: {listed})")
