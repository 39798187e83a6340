"""The errors ``documents`` raises. All derive from :class:`DocumentError`."""

from __future__ import annotations

__all__ = [
    "AttachmentError",
    "AttachmentMismatch",
    "AttachmentMissing",
    "DocumentError",
    "InvalidDocumentData",
    "MoneyError",
]


class DocumentError(Exception):
    """Base class of everything this package raises on purpose."""


class InvalidDocumentData(DocumentError, ValueError):
    """The input dataclass holds a value a document cannot be made from (a float where a
    Decimal is required, a naive datetime, twelve months that are eleven, ...)."""


class MoneyError(DocumentError, ValueError):
    """An amount that cannot be rounded, formatted or written out in words (negative amount
    in words, unknown currency, more than 999 999 999 999 999.99)."""


class AttachmentError(DocumentError):
    """The reading act's machine-readable attachment cannot be trusted."""


class AttachmentMissing(AttachmentError):
    """The PDF carries no readings attachment (or it is not an associated file)."""


class AttachmentMismatch(AttachmentError):
    """The attachment's bytes do not match the checksum stored with it or the expected hash."""
