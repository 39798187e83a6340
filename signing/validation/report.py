"""The validation report: what was checked for each signature and the verdict.

Verdicts follow ETSI EN 319 102-1 (indication + sub-indication). Everything here is a frozen
dataclass of plain values (``str``, ``int``, ``datetime``, tuples) so that a report can be
stored, compared in tests and serialised to JSON without touching cryptographic objects.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import datetime
from typing import Any

__all__ = [
    "AuthorizationResult",
    "CertificateInfo",
    "ChainReport",
    "ChangesAfter",
    "ChangesReport",
    "CoverageReport",
    "DocumentReport",
    "Indication",
    "IntegrityReport",
    "PadesLevel",
    "RevocationReport",
    "RevocationSource",
    "RevocationStatus",
    "SignatureKind",
    "SignatureReport",
    "SubIndication",
    "TimestampReport",
]


class Indication(enum.Enum):
    """Main status indication (ETSI EN 319 102-1, clause 5.1.3)."""

    TOTAL_PASSED = "TOTAL-PASSED"
    TOTAL_FAILED = "TOTAL-FAILED"
    INDETERMINATE = "INDETERMINATE"


class SubIndication(enum.Enum):
    """Sub-indications of ETSI EN 319 102-1, table 5 (the ones this validator can produce,
    plus the remaining standard ones so that stored reports stay decodable)."""

    # TOTAL-FAILED
    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"
    NOT_YET_VALID = "NOT_YET_VALID"
    # INDETERMINATE
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"


class PadesLevel(enum.Enum):
    """PAdES baseline level reached by a signature (ETSI EN 319 142-1)."""

    NONE = "none"  # not a PAdES signature (e.g. adbe.pkcs7.sha1) or not determinable
    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"


class SignatureKind(enum.Enum):
    SIGNATURE = "signature"
    DOCUMENT_TIMESTAMP = "document-timestamp"


class ChangesAfter(enum.Enum):
    """What the incremental updates after a signature's revision do."""

    NONE = "none"  # the signature covers the whole file
    LTV_ONLY = "ltv-only"  # DSS/VRI and document timestamps only
    SIGNATURES = "signatures"  # more signatures (and possibly LTV data)
    OTHER = "other"  # anything else: a failure


class RevocationStatus(enum.Enum):
    GOOD = "good"
    REVOKED = "revoked"
    UNKNOWN = "unknown"  # no usable revocation information


class RevocationSource(enum.Enum):
    EMBEDDED_OCSP = "embedded-ocsp"  # DSS or CMS adbe-revocationInfoArchival
    EMBEDDED_CRL = "embedded-crl"
    INDEX_CRL = "crl-index"  # the periodically refreshed CRL index
    SUPPLIED_CRL = "supplied-crl"  # a CRL file given by the caller (``lk verify --crl``)
    FETCHED_OCSP = "fetched-ocsp"
    FETCHED_CRL = "fetched-crl"
    NONE = "none"


@dataclass(frozen=True)
class CertificateInfo:
    """Who a certificate names and identifies, as shown to people."""

    subject: str
    common_name: str | None
    organization: str | None
    #: tax identifiers found in the subject, as ``(kind, value)``, e.g. ``("INN", "7712345671")``
    tax_ids: tuple[tuple[str, str], ...]
    issuer: str
    serial_hex: str
    sha256: str
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class IntegrityReport:
    """Byte range and CMS checks of one signature."""

    byte_range: tuple[int, ...] | None
    byte_range_ok: bool  # [0, a, b, c] with the gap exactly the /Contents string
    digest_ok: bool  # message-digest attribute (or TST imprint) equals the hash of the ranges
    signature_ok: bool  # the signature value verifies under the signer's public key
    signing_certificate_ok: bool  # ESS signing-certificate(-v2) matches the signer
    digest_algorithm: str | None
    signature_algorithm: str | None


@dataclass(frozen=True)
class CoverageReport:
    """What a signature covers."""

    revision: int | None  # 1-based number of the revision the signature covers
    revision_count: int
    covers_whole_revision: bool
    covers_whole_file: bool
    signed_length: int  # bytes from offset 0 to the end of the signed revision


@dataclass(frozen=True)
class ChangesReport:
    kind: ChangesAfter
    #: human-readable list of what the later updates do (or why they are not allowed)
    details: tuple[str, ...] = ()
    violations: tuple[str, ...] = ()


@dataclass(frozen=True)
class RevocationReport:
    """Revocation status of one certificate of a chain."""

    subject: str
    serial_hex: str
    status: RevocationStatus
    source: RevocationSource
    revoked_at: datetime | None = None
    reason: str | None = None
    this_update: datetime | None = None
    next_update: datetime | None = None
    detail: str | None = None


@dataclass(frozen=True)
class ChainReport:
    trusted: bool
    #: subjects from the signer to the trust anchor
    path: tuple[str, ...]
    validation_time: datetime | None
    revocation: tuple[RevocationReport, ...]
    detail: str | None = None


@dataclass(frozen=True)
class TimestampReport:
    """An RFC 3161 timestamp token: on a signature or a document timestamp."""

    time: datetime | None
    tsa: CertificateInfo | None
    imprint_ok: bool
    signature_ok: bool
    chain: ChainReport | None
    indication: Indication
    sub_indication: SubIndication | None
    messages: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED


@dataclass(frozen=True)
class AuthorizationResult:
    """Does a certificate sign for a given client?"""

    authorized: bool
    tax_id: str
    #: how it matched: ``"INN"``, ``"INNLE"``, ``"OGRN"``, ``"EDRPOU"``,
    #: ``"organizationIdentifier"``, ``"serialNumber"``, ``"fingerprint"`` or ``None``
    matched_by: str | None
    detail: str


@dataclass(frozen=True)
class SignatureReport:
    """Everything about one signature or document timestamp, and its verdict."""

    index: int  # 1-based, in file order
    kind: SignatureKind
    field_name: str | None
    sub_filter: str | None
    signer: CertificateInfo | None
    claimed_signing_time: datetime | None
    timestamp: TimestampReport | None  # signature timestamp (or the token of a doc timestamp)
    integrity: IntegrityReport
    coverage: CoverageReport
    changes_after: ChangesReport
    chain: ChainReport | None
    pades_level: PadesLevel
    #: DocMDP permission level (1, 2, 3) when this is a certification signature
    certification_level: int | None
    locked_fields: tuple[str, ...]
    indication: Indication
    sub_indication: SubIndication | None
    messages: tuple[str, ...] = ()
    authorization: AuthorizationResult | None = None

    @property
    def passed(self) -> bool:
        return self.indication is Indication.TOTAL_PASSED


@dataclass(frozen=True)
class DocumentReport:
    """The report for a whole file."""

    size: int
    sha256: str
    revision_count: int
    validation_time: datetime
    signatures: tuple[SignatureReport, ...]
    #: problems of the file as a whole (e.g. bytes after the last %%EOF)
    structure_findings: tuple[str, ...] = ()
    messages: tuple[str, ...] = field(default=())

    @property
    def approval_signatures(self) -> tuple[SignatureReport, ...]:
        return tuple(s for s in self.signatures if s.kind is SignatureKind.SIGNATURE)

    @property
    def last_signature(self) -> SignatureReport | None:
        sigs = self.approval_signatures
        return sigs[-1] if sigs else None

    @property
    def all_passed(self) -> bool:
        """True when there is at least one signature and every one is TOTAL-PASSED."""
        return bool(self.approval_signatures) and all(s.passed for s in self.signatures)

    @property
    def indication(self) -> Indication:
        """The worst indication over all signatures (TOTAL-FAILED when none)."""
        if not self.approval_signatures:
            return Indication.TOTAL_FAILED
        inds = {s.indication for s in self.signatures}
        for worst in (Indication.TOTAL_FAILED, Indication.INDETERMINATE):
            if worst in inds:
                return worst
        return Indication.TOTAL_PASSED

    def to_dict(self) -> dict[str, Any]:
        out = _plain(self)
        assert isinstance(out, dict)
        out["indication"] = self.indication.value
        out["all_passed"] = self.all_passed
        return out

    def to_json(self, **kwargs: Any) -> str:
        kwargs.setdefault("ensure_ascii", False)
        kwargs.setdefault("indent", 2)
        return json.dumps(self.to_dict(), **kwargs)


def _plain(value: Any) -> Any:
    """Dataclasses/enums/datetimes to JSON-ready values."""
    if is_dataclass(value) and not isinstance(value, type):
        out = {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
        if isinstance(value, (SignatureReport, TimestampReport)):
            out["passed" if isinstance(value, SignatureReport) else "valid"] = (
                value.indication is Indication.TOTAL_PASSED
            )
        return out
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value
