"""Validation of PAdES-signed PDFs: structure, integrity, trust, revocation, authorization.

Flask-free. The entry point is :func:`validate_pdf` with :class:`ValidationSettings`; the
result is a :class:`DocumentReport` of frozen dataclasses (``to_json()`` for storage). The CRL
index used during validation is filled off the request path by :func:`refresh_crl_index`.
"""

from .authorization import authorized_for, inn_is_valid, normalize_tax_id
from .errors import (
    PdfStructureError,
    PdfSyntaxError,
    ResourceLimitError,
    RevocationIndexError,
    TrustConfigurationError,
    ValidationError,
)
from .report import (
    AuthorizationResult,
    CertificateInfo,
    ChainReport,
    ChangesAfter,
    ChangesReport,
    CoverageReport,
    DocumentReport,
    Indication,
    IntegrityReport,
    PadesLevel,
    RevocationReport,
    RevocationSource,
    RevocationStatus,
    SignatureKind,
    SignatureReport,
    SubIndication,
    TimestampReport,
)
from .revocation import CrlIndex, RefreshReport, refresh_crl_index
from .trust import load_trust_roots
from .validate import TRUST_ROOTS_ENV, ValidationSettings, validate_pdf

__all__ = [
    "validate_pdf",
    "ValidationSettings",
    "TRUST_ROOTS_ENV",
    "load_trust_roots",
    "authorized_for",
    "normalize_tax_id",
    "inn_is_valid",
    "CrlIndex",
    "RefreshReport",
    "refresh_crl_index",
    "DocumentReport",
    "SignatureReport",
    "TimestampReport",
    "IntegrityReport",
    "CoverageReport",
    "ChangesReport",
    "ChainReport",
    "RevocationReport",
    "CertificateInfo",
    "AuthorizationResult",
    "Indication",
    "SubIndication",
    "PadesLevel",
    "SignatureKind",
    "ChangesAfter",
    "RevocationStatus",
    "RevocationSource",
    "ValidationError",
    "PdfStructureError",
    "PdfSyntaxError",
    "ResourceLimitError",
    "TrustConfigurationError",
    "RevocationIndexError",
]
