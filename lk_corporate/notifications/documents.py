"""The notices of document events, one function per event, for the packages that cause them.

The package that issues an invoice, asks for a signature or rejects a document calls the
function here in the same transaction, after the document has its file and status:

* ``invoice_issued(session, document, amount=..., due_date=...)`` — a new invoice; those who
  asked for it get the current PDF attached («Получать счёт-извещение на email»);
* ``document_waiting(session, document)`` — a document waits for the client's signature;
* ``document_rejected(session, document, reason=...)`` — the supplier rejected a document;
* ``readings_corrected(session, document, corrections=...)`` — the supplier's engineer
  corrected readings of a reading act (each with the old and new value and the reason).

Call them from the packages above ``docflow`` (reading acts, invoicing, limits,
reconciliation): ``notifications`` imports ``docflow``, so ``docflow`` itself must not import
this module.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal

from lk_corporate.accounts.preferences import NotificationKind
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_
from lk_corporate.core.mail import MailAttachment, OutgoingMail
from lk_corporate.docflow.files import file_name
from lk_corporate.docflow.models import Document
from lk_corporate.docflow.pages import page_for
from lk_corporate.docflow.states import KIND_LABELS
from lk_corporate.notifications.operations import notify, portal_link

INVOICE_ISSUED = N_("New invoice No. %(number)s")
DOCUMENT_WAITING = N_("%(kind)s No. %(number)s is waiting for your signature")
DOCUMENT_REJECTED = N_("%(kind)s No. %(number)s was rejected")
READINGS_CORRECTED = N_("A reading of act No. %(number)s was corrected by the supplier")


def _context(document: Document) -> dict[str, object]:
    endpoint, args = page_for(document)
    return {"document": document, "number": document.number,
            # A lazy string: translated when the notice is rendered, in the recipient's language.
            "kind": KIND_LABELS[document.kind], "link": portal_link(endpoint, **args)}


def invoice_issued(session: DbSession, document: Document, *, amount: Decimal | None = None,
                   due_date: dt.date | None = None) -> list[OutgoingMail]:
    """A new invoice for ``document.client_id``: a notice to those with «Деньги» who want it;
    the current PDF attached for those who also asked for it. ``amount`` and ``due_date``
    are printed when given."""
    def pdf() -> tuple[MailAttachment]:
        return (MailAttachment(filename=file_name(document), content_type="application/pdf",
                               sha256=document.sha256, size=document.current_revision.size),)

    return notify(session, client_id=document.client_id, kind=NotificationKind.INVOICE_ISSUED,
                  subject_msgid=INVOICE_ISSUED, template="invoice_issued",
                  context=lambda: {**_context(document), "amount": amount,
                                   "due_date": due_date},
                  attachments=pdf, attach_if=NotificationKind.INVOICE_PDF)


def document_waiting(session: DbSession, document: Document) -> list[OutgoingMail]:
    """``document`` waits for the client's signature: a notice to the client's signers."""
    return notify(session, client_id=document.client_id,
                  kind=NotificationKind.DOCUMENT_WAITING, subject_msgid=DOCUMENT_WAITING,
                  template="document_waiting", context=lambda: _context(document))


def document_rejected(session: DbSession, document: Document, *,
                      reason: str | None = None) -> list[OutgoingMail]:
    """The supplier rejected ``document``; ``reason`` (default: the document's
    ``status_reason``) is quoted in the notice."""
    return notify(session, client_id=document.client_id,
                  kind=NotificationKind.DOCUMENT_REJECTED, subject_msgid=DOCUMENT_REJECTED,
                  template="document_rejected",
                  context=lambda: {**_context(document), "reason": reason if reason is not None
                                   else document.status_reason})


def readings_corrected(session: DbSession, document: Document, *,
                       corrections: Sequence[Mapping[str, object]]) -> list[OutgoingMail]:
    """The supplier corrected readings of the act ``document``: a notice to those who see
    the client's readings. ``corrections``: dicts with ``meter``, ``zone``, ``old``, ``new``,
    ``unit``, ``reason``, ``engineer``, ``at`` (printed one per line)."""
    return notify(session, client_id=document.client_id,
                  kind=NotificationKind.READINGS_CORRECTED, subject_msgid=READINGS_CORRECTED,
                  template="readings_corrected",
                  context=lambda: {**_context(document), "corrections": list(corrections)})
