"""PAdES signing for LK Corporate, free of Flask and of the portal.

Bytes and frozen dataclasses in and out; every failure is a precise
:class:`~signing.errors.SigningError` subclass.

- :func:`sign_pdf` — server-side signing (the supplier; PKCS#12 or PKCS#11 key).
- :func:`prepare` / :func:`finish` — staged signing: the browser signs the
  signed attributes, the server never sees the key.
- :func:`check_upload` — accept a PDF signed elsewhere only if it is exactly the
  issued document plus one signature revision.
- :func:`upgrade` — complete a degraded (B-B) signature to B-T/B-LT/B-LTA later.

Validation (reports, verdicts) lives in :mod:`signing.validation`.
"""

from signing.certinfo import CertificateSummary, describe_certificate
from signing.errors import *
from signing.errors import __all__ as _errors_all
from signing.fields import NewField
from signing.identity import (
    SigningIdentity,
    clear_identity_cache,
    load_pkcs11_identity,
    load_pkcs12_identity,
)
from signing.policy import DEFAULT_TSA_URL, Level, SigningOptions, SigningResult
from signing.remote import Scheme, SigningState, ToBeSigned, finish, prepare
from signing.server import sign_pdf
from signing.upgrade import SignatureLevelInfo, extend_archive, signature_level, upgrade
from signing.upload import UploadCheck, check_upload

__all__ = [
    "CertificateSummary",
    "Scheme",
    "SignatureLevelInfo",
    "SigningState",
    "ToBeSigned",
    "UploadCheck",
    "check_upload",
    "extend_archive",
    "finish",
    "prepare",
    "signature_level",
    "upgrade",
    "DEFAULT_TSA_URL",
    "Level",
    "NewField",
    "SigningIdentity",
    "SigningOptions",
    "SigningResult",
    "clear_identity_cache",
    "describe_certificate",
    "load_pkcs11_identity",
    "load_pkcs12_identity",
    "sign_pdf",
    *_errors_all,
]
