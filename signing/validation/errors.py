"""Errors of the validation package.

Validation itself never raises for a *bad signature*: a bad signature is a verdict in the
report. These exceptions are for input that cannot be analysed at all (not a PDF, a broken
cross-reference structure, resource limits) and for misuse of the API.
"""

from __future__ import annotations

__all__ = [
    "PdfStructureError",
    "PdfSyntaxError",
    "ResourceLimitError",
    "RevocationIndexError",
    "TrustConfigurationError",
    "ValidationError",
]


class ValidationError(Exception):
    """Base class of every error raised by :mod:`signing.validation`."""


class PdfStructureError(ValidationError):
    """The file is not a PDF whose cross-reference structure can be followed.

    ``offset`` is the byte offset where the problem was found, when known.
    """

    def __init__(self, message: str, offset: int | None = None) -> None:
        self.offset = offset
        super().__init__(message if offset is None else f"{message} (at byte {offset})")


class PdfSyntaxError(PdfStructureError):
    """A PDF object could not be tokenised or parsed."""


class ResourceLimitError(PdfStructureError):
    """The input exceeds a safety limit (nesting depth, object count, stream size...).

    Raised instead of letting a hostile file exhaust memory, time or the Python stack.
    """


class TrustConfigurationError(ValidationError):
    """A trust anchor or CRL file given by the caller cannot be loaded."""


class RevocationIndexError(ValidationError):
    """The CRL index store cannot be read or updated."""
