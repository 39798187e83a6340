"""Trust anchors and certificate path validation.

Paths are built and checked (signatures, validity at a given moment, basic constraints, key
usage, name constraints, policies) by pyhanko-certvalidator with fetching disabled and its own
revocation checking switched off: revocation is decided by :mod:`.revocation`, which knows
the CRL index and where each piece of revocation data came from.

A trust anchor is a certificate, not a name: a root with the same name but another key does
not verify the next certificate's signature, so no path reaches a trusted anchor through it.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from pyhanko_certvalidator import CertificateValidator, ValidationContext
from pyhanko_certvalidator import errors as cv_errors
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)
from pyhanko_certvalidator.registry import SimpleTrustManager

from .errors import TrustConfigurationError
from .report import CertificateInfo, SubIndication

__all__ = [
    "TAX_ID_OIDS",
    "PathOutcome",
    "certificate_info",
    "fingerprint",
    "load_certificates",
    "load_trust_roots",
    "validate_path",
]

#: subject attributes that carry tax identifiers, with the short names used in reports
TAX_ID_OIDS: dict[str, str] = {
    "1.2.643.3.131.1.1": "INN",  # ИНН (физ. лица, 12 digits, or legacy 10/12 with zeros)
    "1.2.643.100.4": "INNLE",  # ИНН юридического лица (10 digits)
    "1.2.643.100.1": "OGRN",  # ОГРН
    "1.2.643.100.5": "OGRNIP",  # ОГРНИП
    "1.2.643.100.3": "SNILS",
    "1.2.804.2.1.1.1.11.1.4.2.1": "EDRPOU",  # ЄДРПОУ
    "2.5.4.97": "organizationIdentifier",
    "2.5.4.5": "serialNumber",
}

_NO_REVOCATION = CertRevTrustPolicy(
    RevocationCheckingPolicy(
        ee_certificate_rule=RevocationCheckingRule.NO_CHECK,
        intermediate_ca_cert_rule=RevocationCheckingRule.NO_CHECK,
    )
)


def load_certificates(data: bytes) -> list[asn1_x509.Certificate]:
    """Certificates from PEM (one or many) or DER bytes."""
    try:
        if pem.detect(data):
            return [
                asn1_x509.Certificate.load(der)
                for typ, _hdr, der in pem.unarmor(data, multiple=True)
                if typ == "CERTIFICATE"
            ]
        cert = asn1_x509.Certificate.load(data)
        cert.native  # noqa: B018 - force a full parse now, not at first use
        return [cert]
    except (ValueError, TypeError) as e:
        raise TrustConfigurationError(f"not a certificate file: {e}") from None


def load_trust_roots(paths: Iterable[str | Path]) -> tuple[asn1_x509.Certificate, ...]:
    """Read trust anchors from PEM/DER files; a missing or empty file is an error."""
    out: list[asn1_x509.Certificate] = []
    for p in paths:
        try:
            data = Path(p).read_bytes()
        except OSError as e:
            raise TrustConfigurationError(f"cannot read trust anchors from {p}: {e.strerror}") from None
        certs = load_certificates(data)
        if not certs:
            raise TrustConfigurationError(f"no certificate in {p}")
        out.extend(certs)
    return tuple(out)


def fingerprint(cert: asn1_x509.Certificate) -> str:
    return hashlib.sha256(cert.dump()).hexdigest()


def _attr_text(value: object) -> str:
    return str(value) if value is not None else ""


def certificate_info(cert: asn1_x509.Certificate) -> CertificateInfo:
    subject = cert.subject
    cn = org = None
    tax_ids: list[tuple[str, str]] = []
    for rdn in subject.chosen:
        for atv in rdn:
            oid = atv["type"].dotted
            try:
                value = atv["value"].native
            except (ValueError, TypeError):
                continue
            if oid == "2.5.4.3":
                cn = _attr_text(value)
            elif oid == "2.5.4.10":
                org = _attr_text(value)
            if oid in TAX_ID_OIDS and value is not None:
                tax_ids.append((TAX_ID_OIDS[oid], _attr_text(value)))
    return CertificateInfo(
        subject=subject.human_friendly,
        common_name=cn,
        organization=org,
        tax_ids=tuple(tax_ids),
        issuer=cert.issuer.human_friendly,
        serial_hex=format(cert.serial_number, "x"),
        sha256=fingerprint(cert),
        not_before=cert.not_valid_before,
        not_after=cert.not_valid_after,
    )


_TRUST_MANAGERS: dict[tuple[bytes, ...], SimpleTrustManager] = {}


def _trust_manager(trust_roots: Sequence[asn1_x509.Certificate]) -> SimpleTrustManager:
    """One certvalidator trust manager per set of anchors, built once per process (the
    anchors' names are prepared once, not for every path)."""
    key = tuple(hashlib.sha256(c.dump()).digest() for c in trust_roots)
    hit = _TRUST_MANAGERS.get(key)
    if hit is None:
        if len(_TRUST_MANAGERS) > 16:
            _TRUST_MANAGERS.clear()
        hit = SimpleTrustManager.build(trust_roots=list(trust_roots))
        _TRUST_MANAGERS[key] = hit
    return hit


@dataclass(frozen=True)
class PathOutcome:
    """Result of path validation at one moment (revocation not included)."""

    ok: bool
    path: tuple[asn1_x509.Certificate, ...]  # from the trust anchor down to the end entity
    sub_indication: SubIndication | None
    failed: bool  # True: TOTAL-FAILED (not merely INDETERMINATE)
    message: str | None


def validate_path(
    cert: asn1_x509.Certificate,
    intermediates: Sequence[asn1_x509.Certificate],
    trust_roots: Sequence[asn1_x509.Certificate],
    moment: datetime,
    *,
    key_usage: frozenset[str] = frozenset(),
    extended_key_usage: frozenset[str] | None = None,
    loop: asyncio.AbstractEventLoop | None = None,
) -> PathOutcome:
    """Build and validate a path from ``cert`` to one of ``trust_roots`` at ``moment``."""
    if not trust_roots:
        return PathOutcome(False, (), SubIndication.NO_CERTIFICATE_CHAIN_FOUND, False,
                           "no trust anchors configured")
    vc = ValidationContext(
        trust_manager=_trust_manager(trust_roots),
        other_certs=list(intermediates),
        moment=moment,
        allow_fetching=False,
        revinfo_policy=_NO_REVOCATION,
    )
    validator = CertificateValidator(cert, validation_context=vc)
    coro = validator.async_validate_usage(
        set(key_usage), extended_key_usage=set(extended_key_usage) if extended_key_usage else None
    )
    try:
        if loop is not None:
            path = loop.run_until_complete(coro)
        else:
            path = asyncio.run(coro)
    except cv_errors.PathBuildingError as e:
        return PathOutcome(False, (), SubIndication.NO_CERTIFICATE_CHAIN_FOUND, False, str(e))
    except cv_errors.ExpiredError as e:
        return PathOutcome(False, (), SubIndication.OUT_OF_BOUNDS_NO_POE, False, str(e))
    except cv_errors.NotYetValidError as e:
        return PathOutcome(False, (), SubIndication.NOT_YET_VALID, True, str(e))
    except cv_errors.DisallowedAlgorithmError as e:
        return PathOutcome(False, (), SubIndication.CRYPTO_CONSTRAINTS_FAILURE, False, str(e))
    except cv_errors.InvalidCertificateError as e:
        if cert.self_signed in ("maybe", "yes") and cert.issuer == cert.subject:
            # a self-signed end entity that is not itself a trust anchor: no chain at all
            return PathOutcome(False, (), SubIndication.NO_CERTIFICATE_CHAIN_FOUND, False, str(e))
        return PathOutcome(False, (), SubIndication.CHAIN_CONSTRAINTS_FAILURE, False, str(e))
    except cv_errors.PathValidationError as e:
        msg = str(e)
        sub = (
            SubIndication.NO_CERTIFICATE_CHAIN_FOUND
            if "signature" in msg.lower()
            else SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE
        )
        return PathOutcome(False, (), sub, False, msg)
    except cv_errors.ValidationError as e:
        return PathOutcome(False, (), SubIndication.CERTIFICATE_CHAIN_GENERAL_FAILURE, False, str(e))
    certs = tuple(c for c in path.iter_certs(include_root=True) if isinstance(c, asn1_x509.Certificate))
    return PathOutcome(True, certs, None, False, None)
