"""Flask-free generators of the portal's PDF documents (reportlab, canvas API)."""

from documents.errors import (
    AttachmentError,
    AttachmentMismatch,
    AttachmentMissing,
    DocumentError,
    InvalidDocumentData,
    MoneyError,
)
from documents.money import amount_in_words, format_money, line_amounts, round_money

__all__ = [
    "AttachmentError",
    "AttachmentMismatch",
    "AttachmentMissing",
    "DocumentError",
    "InvalidDocumentData",
    "MoneyError",
    "amount_in_words",
    "format_money",
    "line_amounts",
    "round_money",
]
