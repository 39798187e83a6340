"""Flask-free generators of the portal's PDF documents (reportlab, canvas API).

Each kind is a pure function from a frozen input dataclass to PDF bytes; the same input
gives the same bytes. See ``docs/documents.md`` for the layout, the rounding rule and the
reading act's machine-readable attachment.
"""

from documents.charges_breakdown import ChargeLine, ChargesBreakdownData, render_charges_breakdown
from documents.errors import (
    AttachmentError,
    AttachmentMismatch,
    AttachmentMissing,
    DocumentError,
    InvalidDocumentData,
    MoneyError,
)
from documents.invoice import InvoiceData, InvoiceLine, payment_qr_payload, render_invoice
from documents.limit_request import LimitPoint, LimitRequestData, render_limit_request
from documents.model import BankAccount, Party, Signer
from documents.money import (
    CURRENCIES,
    Currency,
    LineAmounts,
    amount_in_words,
    format_money,
    line_amounts,
    round_money,
)
from documents.reading_act import (
    MeterReading,
    ReadingActData,
    ReadingsPayload,
    extract_issued_and_current_payloads,
    extract_readings_payload,
    readings_payload,
    render_reading_act,
)
from documents.reconciliation_act import (
    ReconciliationActData,
    ReconciliationEntry,
    render_reconciliation_act,
)
from documents.signatures import (
    CLIENT,
    SIGNATURE_FIELDS,
    SUPPLIER,
    signature_field,
    signature_fields,
)
from documents.tax_invoice import TaxInvoiceData, TaxInvoiceLine, render_tax_invoice

__all__ = [
    "CLIENT",
    "CURRENCIES",
    "SIGNATURE_FIELDS",
    "SUPPLIER",
    "AttachmentError",
    "AttachmentMismatch",
    "AttachmentMissing",
    "BankAccount",
    "ChargeLine",
    "ChargesBreakdownData",
    "Currency",
    "DocumentError",
    "InvalidDocumentData",
    "InvoiceData",
    "InvoiceLine",
    "LimitPoint",
    "LimitRequestData",
    "LineAmounts",
    "MeterReading",
    "MoneyError",
    "Party",
    "ReadingActData",
    "ReadingsPayload",
    "ReconciliationActData",
    "ReconciliationEntry",
    "Signer",
    "TaxInvoiceData",
    "TaxInvoiceLine",
    "amount_in_words",
    "extract_issued_and_current_payloads",
    "extract_readings_payload",
    "format_money",
    "line_amounts",
    "payment_qr_payload",
    "readings_payload",
    "render_charges_breakdown",
    "render_invoice",
    "render_limit_request",
    "render_reading_act",
    "render_reconciliation_act",
    "render_tax_invoice",
    "round_money",
    "signature_field",
    "signature_fields",
]
