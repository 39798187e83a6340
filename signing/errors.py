"""The errors of :mod:`signing`: one precise type per thing that can go wrong.

Callers (the portal, ``lk sign``) map these to messages and HTTP statuses without
parsing text: :class:`InvalidInputError` and :class:`IdentityError` are the
caller's fault (bad file, wrong password), :class:`ServiceUnavailableError` is a
TSA or OCSP/CRL endpoint that could not be reached (signing degrades instead of
failing when allowed), :class:`RemoteSigningError` is about browser signing and
:class:`UploadRejectedError` about externally signed uploads.

:mod:`signing.validation` has its own hierarchy in ``signing/validation/errors.py``.
"""

from __future__ import annotations

__all__ = [
    "CertificateNotTrustedError",
    "CertificateValidityError",
    "DocumentLockedError",
    "DuplicateFieldError",
    "EncryptedPdfError",
    "ExtraRevisionError",
    "FieldAlreadySignedError",
    "FieldError",
    # identities
    "IdentityError",
    "IdentityFileError",
    "IncompleteCoverageError",
    # bad input
    "InvalidInputError",
    "InvalidStateError",
    "MultipleNewSignaturesError",
    "NoNewSignatureError",
    "NotAPdfError",
    "NotIssuedDocumentError",
    # staged (browser) signing
    "RemoteSigningError",
    "RevocationFetchError",
    # services
    "ServiceUnavailableError",
    "SignatureStructureError",
    "SignatureValueError",
    "SigningError",
    "TimestampError",
    "TokenError",
    "UnexpectedChangesError",
    "UnsupportedAlgorithmError",
    # upgrades
    "UpgradeError",
    "UploadNotPdfError",
    # uploads
    "UploadRejectedError",
    "UploadValidationError",
    "WrongPasswordError",
]


class SigningError(Exception):
    """Base class of every error raised by :mod:`signing` (validation excepted)."""


# -- bad input -------------------------------------------------------------------------------
class InvalidInputError(SigningError):
    """The document or the options given to a signing function cannot be used."""


class NotAPdfError(InvalidInputError):
    """The bytes are not a PDF file that can be parsed."""


class EncryptedPdfError(InvalidInputError):
    """The PDF is encrypted; the portal only signs unencrypted documents."""


class FieldError(InvalidInputError):
    """A signature field cannot be used as asked."""


class FieldAlreadySignedError(FieldError):
    """The named signature field already holds a signature."""


class DuplicateFieldError(FieldError):
    """An empty field to create has the name of an existing field."""


class DocumentLockedError(InvalidInputError):
    """A certification signature (DocMDP) forbids adding a signature to this document."""


# -- identities ------------------------------------------------------------------------------
class IdentityError(SigningError):
    """The signing key or certificate cannot be used."""


class IdentityFileError(IdentityError):
    """The PKCS#12 file is missing, unreadable or not a PKCS#12 file."""


class WrongPasswordError(IdentityError):
    """The password (or PKCS#11 PIN) does not open the key."""


class TokenError(IdentityError):
    """The PKCS#11 module, token, key or certificate cannot be found or used."""


class CertificateValidityError(IdentityError):
    """The signing certificate is expired or not yet valid at signing time."""


class CertificateNotTrustedError(IdentityError):
    """The signing certificate does not chain to a trusted root, or is revoked.

    Only detected when signing at B-LT and above, where the chain is validated
    to collect its revocation data.
    """


# -- network services ------------------------------------------------------------------------
class ServiceUnavailableError(SigningError):
    """A TSA or revocation endpoint could not be reached or answered nonsense."""


class TimestampError(ServiceUnavailableError):
    """The time-stamping authority did not return a usable token."""


class RevocationFetchError(ServiceUnavailableError):
    """OCSP responses or CRLs for the chain could not be fetched."""


# -- staged (browser) signing ----------------------------------------------------------------
class RemoteSigningError(SigningError):
    """Base class for errors of :mod:`signing.remote`."""


class InvalidStateError(RemoteSigningError):
    """The serialized signing state is corrupt, from another version, or inconsistent."""


class UnsupportedAlgorithmError(RemoteSigningError):
    """The certificate's key or the requested signature scheme is not supported."""


class SignatureValueError(RemoteSigningError):
    """The signature value returned by the client does not verify against its certificate."""


# -- uploads of externally signed PDFs -------------------------------------------------------
class UploadRejectedError(SigningError):
    """The uploaded file is not an acceptable signed copy of the issued document."""


class UploadNotPdfError(UploadRejectedError, NotAPdfError):
    """The upload is not a PDF."""


class NotIssuedDocumentError(UploadRejectedError):
    """The upload does not start with the exact bytes of the document we issued."""


class NoNewSignatureError(UploadRejectedError):
    """The upload adds no signature to the issued document."""


class MultipleNewSignaturesError(UploadRejectedError):
    """The upload adds more than one signature (one signer per upload)."""


class IncompleteCoverageError(UploadRejectedError):
    """The new signature does not cover its whole revision (bytes outside /ByteRange)."""


class ExtraRevisionError(UploadRejectedError):
    """Something was appended after the signed revision."""


class UnexpectedChangesError(UploadRejectedError):
    """The signature revision changes the issued document beyond adding the signature
    (page content, annotations, other fields)."""


class SignatureStructureError(UploadRejectedError):
    """The new signature dictionary is malformed (no /ByteRange, no /Contents...)."""


class UploadValidationError(UploadRejectedError):
    """The structure is fine but cryptographic validation of the new signature failed."""


# -- upgrades --------------------------------------------------------------------------------
class UpgradeError(SigningError):
    """A signed document cannot be upgraded to the requested PAdES level."""
