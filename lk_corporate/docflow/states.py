"""The state machine of each kind of document: which moves are allowed, in one table.

Every move goes through ``transition``, which refuses a move the table does not list and
writes it into the hash-chained audit log with who, when, from where, why, and the hash of
the document's file before and after the move.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from lk_corporate.core.audit import Actor, AuditEntry
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_
from lk_corporate.core.states import StateMachine
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource

S = DocumentStatus

STATUS_LABELS: Mapping[DocumentStatus, Any] = {
    S.AWAITING_SIGNATURE: lazy_pgettext("document status", "Awaiting signature"),
    S.SIGNED: lazy_pgettext("document status", "Signed"),
    S.SENT: lazy_pgettext("document status", "Sent"),
    S.RECEIVED: lazy_pgettext("document status", "Received"),
    S.ACCEPTED: lazy_pgettext("document status", "Accepted"),
    S.REJECTED: lazy_pgettext("document status", "Rejected"),
    S.VOIDED: lazy_pgettext("document status", "Voided"),
    S.SUPERSEDED: lazy_pgettext("document status", "Superseded"),
}
"""The statuses in the seeds' words («Ожидает подписи», «Получен», «Принят», …)."""

KIND_LABELS: Mapping[DocumentKind, Any] = {
    DocumentKind.READING_ACT: _l("Reading act"),
    DocumentKind.INVOICE: _l("Invoice"),
    DocumentKind.TAX_INVOICE: _l("Tax invoice"),
    DocumentKind.LIMIT_REQUEST: _l("Consumption-limit request"),
    DocumentKind.RECONCILIATION_ACT: _l("Reconciliation act"),
    DocumentKind.CHARGES_BREAKDOWN: _l("Charges breakdown"),
    DocumentKind.READING_CORRECTION: _l("Reading correction"),
}

SOURCE_LABELS: Mapping[RevisionSource, Any] = {
    RevisionSource.ISSUED: _l("Issued by the portal"),
    RevisionSource.CLIENT_SIGNATURE: _l("Signed by the client"),
    RevisionSource.SUPPLIER_SIGNATURE: _l("Signed by the supplier"),
    RevisionSource.UPGRADE: _l("Signature completed (timestamp, validation data)"),
}

_REFUSAL = N_("The document %(label)s is %(state)s and cannot become %(target)s.")

# A document the client signs: issued awaiting the signature; signed in the browser (kept
# unsent until "send"); received once the portal has validated the signature; accepted or
# rejected by the supplier; a corrected one supersedes it.
CLIENT_SIGNED = StateMachine[DocumentStatus](
    name="document",
    moves={
        S.AWAITING_SIGNATURE: frozenset({S.SIGNED, S.RECEIVED, S.REJECTED, S.SUPERSEDED}),
        S.SIGNED: frozenset({S.AWAITING_SIGNATURE, S.RECEIVED, S.REJECTED, S.SUPERSEDED}),
        S.RECEIVED: frozenset({S.ACCEPTED, S.REJECTED, S.SUPERSEDED}),
        S.ACCEPTED: frozenset({S.SUPERSEDED}),
        S.REJECTED: frozenset({S.SUPERSEDED}),
    },
    refusal=_REFUSAL, labels=STATUS_LABELS,
)

# A document the supplier issues and signs: sent; received when the client first opens it;
# voided with a reason (a corrected one is issued instead).
SUPPLIER_SIGNED = StateMachine[DocumentStatus](
    name="document",
    moves={
        S.SENT: frozenset({S.RECEIVED, S.VOIDED}),
        S.RECEIVED: frozenset({S.VOIDED}),
    },
    refusal=_REFUSAL, labels=STATUS_LABELS,
)

MACHINES: Mapping[DocumentKind, StateMachine[DocumentStatus]] = {
    DocumentKind.READING_ACT: CLIENT_SIGNED,
    DocumentKind.LIMIT_REQUEST: CLIENT_SIGNED,
    DocumentKind.RECONCILIATION_ACT: CLIENT_SIGNED,
    DocumentKind.INVOICE: SUPPLIER_SIGNED,
    DocumentKind.TAX_INVOICE: SUPPLIER_SIGNED,
    DocumentKind.CHARGES_BREAKDOWN: SUPPLIER_SIGNED,
    DocumentKind.READING_CORRECTION: SUPPLIER_SIGNED,
}

INITIAL: Mapping[DocumentKind, DocumentStatus] = {
    kind: (S.AWAITING_SIGNATURE if machine is CLIENT_SIGNED else S.SENT)
    for kind, machine in MACHINES.items()
}


def transition(session: DbSession, document: Document, target: DocumentStatus, *,
               actor: Actor, reason: str = "", sha_after: str | None = None,
               details: Mapping[str, Any] | None = None) -> AuditEntry:
    """Move ``document`` to ``target`` and audit it, with its file's hash before and after.

    ``sha_after``: the hash of the file the move comes with (a new signed revision); the
    caller adds that revision. The caller's unit of work commits.
    """
    machine = MACHINES[document.kind]
    label = f"{document.kind.value} {document.number}"
    machine.check(document.status, target, label=label)
    before = document.sha256
    if sha_after is not None:
        document.sha256 = sha_after
    if reason:
        document.status_reason = reason
    document.updated_at = utcnow()
    payload: dict[str, Any] = {"kind": document.kind.value, "number": document.number,
                               "client_id": document.client_id, "sha256_before": before,
                               "sha256_after": document.sha256}
    payload.update(details or {})
    return machine.transition(session, document, target, actor=actor, reason=reason,
                              label=label, details=payload)
