"""What the invoicing operations need from outside: settings and the verification links
the documents print. Built from the app's config by the web layer, a task or a command, and
passed in (operations never read ``current_app``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.operations import verify_url


@dataclass(frozen=True)
class InvoicingSettings:
    base_url: str
    """The portal's public address: the documents' verification links start with it."""
    payment_days: int = 10
    """Days from the invoice date to «Оплатить до». Ten calendar days is the default of the
    supply contracts this portal serves; a supplier whose contracts say otherwise sets
    ``LK_INVOICE_PAYMENT_DAYS`` (one value for all clients: per-contract terms would live on
    the contract, which the portal does not model yet)."""
    timezone: str = "Europe/Moscow"
    """The invoice date is the supplier's calendar day, not UTC's."""
    token_key: bytes = field(default=b"", repr=False)
    """Keys the verification tokens (the app's secret key): the public verification page
    names the document's client, so its address must not be computable from the number."""

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> InvoicingSettings:
        return cls(base_url=str(config["LK_BASE_URL"]).rstrip("/"),
                   payment_days=int(config.get("LK_INVOICE_PAYMENT_DAYS") or 10),
                   timezone=str(config.get("BABEL_DEFAULT_TIMEZONE") or "Europe/Moscow"),
                   token_key=str(config.get("SECRET_KEY") or "").encode())

    def today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self.timezone)).date()

    def due_date(self, invoice_date: dt.date) -> dt.date:
        return invoice_date + dt.timedelta(days=self.payment_days)

    def verify_token(self, kind: DocumentKind, number: str) -> str:
        """The document's public verification token (``Document.public_token``, which the
        page at :meth:`verify_url` looks up). Derived from the kind and number under the
        secret key rather than drawn at random, so that a job that renders the pair again
        after a failure prints the same address; nobody without the key can compute it."""
        return hmac.new(self.token_key, f"verify:{kind.value}:{number}".encode(),
                        hashlib.sha256).hexdigest()[:20]

    def verify_url(self, kind: DocumentKind, number: str) -> str:
        """The verification address printed in the footer and its QR code: ASCII whatever
        the number, short enough for a small QR code."""
        return verify_url(self.base_url, kind, self.verify_token(kind, number))
