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
    "TRUST_ROOTS_ENV",
    "AuthorizationResult",
    "CertificateInfo",
    "ChainReport",
    "ChangesAfter",
    "ChangesReport",
    "CoverageReport",
    "CrlIndex",
    "DocumentReport",
    "Indication",
    "IntegrityReport",
    "PadesLevel",
    "PdfStructureError",
    "PdfSyntaxError",
    "RefreshReport",
    "ResourceLimitError",
    "RevocationIndexError",
    "RevocationReport",
    "RevocationSource",
    "RevocationStatus",
    "SignatureKind",
    "SignatureReport",
    "SubIndication",
    "TimestampReport",
    "TrustConfigurationError",
    "ValidationError",
    "ValidationSettings",
    "authorized_for",
    "inn_is_valid",
    "load_trust_roots",
    "normalize_tax_id",
    "refresh_crl_index",
    "validate_pdf",
]
