"""The receiving side's decision on a client-signed document: countersign it, or reject it
with a reason.

A document the client signed and sent is «Получен» (``received``) until the supplier
decides. What countersigning *means* depends on the kind, so each kind registers a
``KindHandler`` (the app factory calls the packages' ``register`` functions)::

    register_handler(KindHandler(kind=DocumentKind.LIMIT_REQUEST, right=R.LIMITS_APPROVE,
                                 reason=lambda c: "Согласовано", on_countersigned=approve))

* the default countersigning adds the supplier's signature in the document's ``supplier``
  box (``signatures.supplier.sign_as_supplier``: filling a signature field is a change the
  client's signature allows, so it stays valid), stores it as a further revision, moves
  the document to «Принят» and calls the kind's ``on_countersigned`` (a limit request: its
  limits come into force);
* a kind whose acceptance is more than a signature replaces it whole with ``countersign``
  (a reading act: ``reading_acts.operations.accept_act`` numbers the calculation run and
  supersedes the period's earlier accepted act);
* ``reject`` records the mandatory reason, moves the document to «Отклонён» and tells the
  client by e-mail; a kind may replace it with ``on_rejected`` (a reading act's readings are
  rejected with it).

The queue (``queue``) is every received document of a registered kind. A batch
(``request_batch``) writes one ``CountersignResult`` per document and, after the commit,
dispatches one job per row (``countersign.tasks``); ``run_result`` is that job's work. Each
document is countersigned at most once however many rows name it: ``countersign`` locks the
document and a second attempt finds it «Принят» and says so.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlalchemy import select

from documents import SUPPLIER
from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound, Term
from lk_corporate.core.i18n import dump_params
from lk_corporate.core.jobs import dispatch
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import after_commit
from lk_corporate.countersign.models import CountersignResult, CountersignStatus
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import add_revision
from lk_corporate.docflow.states import transition
from lk_corporate.notifications.documents import document_rejected
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing, sign_as_supplier
from signing import SigningError
from signing.validation import PdfStructureError, ValidationSettings, validate_pdf

log = logging.getLogger(__name__)

S = DocumentStatus
COUNTERSIGN_JOB = "lk.countersign_document"
MAX_REASON = 1000
MAX_BATCH = 200
DEFAULT_REASON = "Согласовано поставщиком"

# The kinds' names as message parameters (the msgids of ``docflow.states.KIND_LABELS``),
# translated with the message into the reader's language.
_KIND_TERMS = {
    DocumentKind.READING_ACT: N_("Reading act"),
    DocumentKind.INVOICE: N_("Invoice"),
    DocumentKind.TAX_INVOICE: N_("Tax invoice"),
    DocumentKind.LIMIT_REQUEST: N_("Consumption-limit request"),
    DocumentKind.RECONCILIATION_ACT: N_("Reconciliation act"),
    DocumentKind.CHARGES_BREAKDOWN: N_("Charges breakdown"),
}


def _kind(kind: DocumentKind) -> Term:
    return Term(_KIND_TERMS[kind])


class CountersignError(DomainError):
    code = "countersign_refused"


class NotAwaitingDecision(CountersignError):
    """The document is not «Получен» (signed, sent and waiting for the supplier)."""

    code = "not_awaiting_decision"


class NotCountersignable(CountersignError):
    code = "not_countersignable"


class ReasonRequired(CountersignError):
    code = "reason_required"


class KeyUnavailable(CountersignError):
    code = "supplier_key_unavailable"


# --- the registry ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Countersigning:
    """What a kind's handler gets: the document (locked, «Получен») and how to sign."""

    session: DbSession
    store: FileStore
    document: Document
    actor: Actor
    supplier_key: SupplierKey
    validation: ValidationSettings | None
    """When given, the countersigned file is validated and the report kept with it."""
    now: dt.datetime


@dataclass(frozen=True)
class KindHandler:
    """What countersigning and rejecting mean for one kind of client-signed document."""

    kind: DocumentKind
    right: str = R.DOCUMENTS_COUNTERSIGN
    """The staff right that approves this kind (a limit request: ``limits.approve``)."""
    reason: Callable[[Countersigning], str] | None = None
    """The reason printed in the supplier's signature; default «Согласовано поставщиком»."""
    on_countersigned: Callable[[Countersigning], None] | None = None
    """Called after the default countersigning moved the document to «Принят»."""
    countersign: Callable[[Countersigning], None] | None = None
    """Replaces the default countersigning whole (it must leave the document «Принят»)."""
    on_rejected: Callable[[DbSession, Document, str, Actor], None] | None = None
    """Replaces the default rejection (it must leave the document «Отклонён» and notify)."""


_HANDLERS: dict[DocumentKind, KindHandler] = {}


def register_handler(handler: KindHandler) -> KindHandler | None:
    """Make ``handler.kind`` countersignable; returns the handler it replaces."""
    previous = _HANDLERS.get(handler.kind)
    _HANDLERS[handler.kind] = handler
    return previous


def unregister_handler(kind: DocumentKind) -> None:
    _HANDLERS.pop(kind, None)


def handler_for(kind: DocumentKind) -> KindHandler:
    handler = _HANDLERS.get(kind)
    if handler is None:
        raise NotCountersignable(N_("The supplier does not countersign this kind of document: %(kind)s."),
                                 kind=_kind(kind))
    return handler


def countersignable_kinds() -> tuple[DocumentKind, ...]:
    return tuple(k for k in DocumentKind if k in _HANDLERS)


def may_decide(rights: Callable[[str], bool], kind: DocumentKind) -> bool:
    """Whether a holder of ``rights`` (``user.has_right``) approves documents of ``kind``."""
    handler = _HANDLERS.get(kind)
    return handler is not None and rights(handler.right)


def may_reject(rights: Callable[[str], bool], kind: DocumentKind) -> bool:
    """The operator rejects any kind (``documents.reject``); whoever approves a kind may
    also reject it (a supplier signer refusing a limit request)."""
    return kind in _HANDLERS and (rights(R.DOCUMENTS_REJECT) or may_decide(rights, kind))


# --- the queue -------------------------------------------------------------------------------

def queue(session: DbSession, *, kinds: Sequence[DocumentKind] | None = None,
          limit: int = 500) -> list[Document]:
    """Received documents of the countersignable kinds (or of ``kinds``), oldest first: the
    supplier's «На подпись» list."""
    wanted = [k for k in (kinds if kinds is not None else countersignable_kinds())
              if k in _HANDLERS]
    if not wanted:
        return []
    return list(session.scalars(
        select(Document).where(Document.kind.in_(wanted), Document.status == S.RECEIVED)
        .order_by(Document.updated_at, Document.id).limit(limit)))


def _lock(session: DbSession, document: Document) -> Document:
    """Re-read the document under a row lock (PostgreSQL; SQLite writers are serialised):
    two countersignings of one document queue here and the second sees the first's result."""
    session.execute(select(Document.id).where(Document.id == document.id).with_for_update())
    session.refresh(document)
    return document


# --- countersigning one document -----------------------------------------------------------

@dataclass(frozen=True)
class Outcome:
    document: Document
    already: bool
    """True when the document had been countersigned before (nothing was signed now)."""


def countersign(session: DbSession, store: FileStore, document: Document, *, actor: Actor,
                supplier_key: SupplierKey | None, validation: ValidationSettings | None = None,
                now: dt.datetime | None = None) -> Outcome:
    """Countersign a received document as its kind's handler says; a document already
    «Принят» is answered as such (nothing signed twice). Raises a ``CountersignError``
    (nothing changed) when it is neither, or when the key cannot sign."""
    handler = handler_for(document.kind)
    document = _lock(session, document)
    if document.status is S.ACCEPTED:
        return Outcome(document, already=True)
    if document.status is not S.RECEIVED:
        raise NotAwaitingDecision(
            N_("%(kind)s № %(number)s is not waiting for the supplier's decision."),
            kind=_kind(document.kind), number=document.number)
    if supplier_key is None:
        raise KeyUnavailable(N_("The supplier's signing key is not configured "
                                "(LK_SUPPLIER_P12): nothing can be countersigned."))
    context = Countersigning(session, store, document, actor, supplier_key, validation,
                             now or utcnow())
    try:
        with session.begin_nested():
            if handler.countersign is not None:
                handler.countersign(context)
            else:
                _countersign_file(context, handler)
    except (SupplierKeyMissing, SigningError) as exc:
        session.refresh(document)
        log.warning("countersigning %s %s failed: %s", document.kind.value, document.number, exc)
        raise KeyUnavailable(N_("The supplier's key could not sign: %(detail)s."),
                             detail=str(exc)) from exc
    if document.status is not S.ACCEPTED:
        raise RuntimeError(f"the countersigning of {document.kind.value} left it "
                           f"{document.status.value}")
    return Outcome(document, already=False)


def _countersign_file(context: Countersigning, handler: KindHandler) -> None:
    session, store, document = context.session, context.store, context.document
    reason = handler.reason(context) if handler.reason is not None else DEFAULT_REASON
    result = sign_as_supplier(store.get(document.sha256), context.supplier_key,
                              field=SUPPLIER, reason=reason)
    report_json, verdict = "", ""
    if context.validation is not None:
        try:
            report = validate_pdf(result.pdf, context.validation)
            report_json, verdict = report.to_json(), report.indication.value
        except PdfStructureError as exc:  # our own output: recorded, never fatal
            log.error("countersigned %s cannot be validated: %s", document.number, exc)
    digest = store.put(result.pdf)
    transition(session, document, S.ACCEPTED, actor=context.actor, sha_after=digest,
               reason=reason, details={"level": result.level_reached.value,
                                       "upgrade_pending": result.upgrade_pending})
    add_revision(session, store, document, result.pdf, source=RevisionSource.SUPPLIER_SIGNATURE,
                 actor=context.actor, verdict=verdict, report=report_json,
                 note=reason + (f" (подпись {result.level_reached.value}, будет дополнена)"
                                if result.upgrade_pending else ""))
    if handler.on_countersigned is not None:
        handler.on_countersigned(context)
    session.flush()


# --- batches -----------------------------------------------------------------------------------

def request_batch(session: DbSession, document_ids: Sequence[int], *,
                  actor: Actor, allowed: Callable[[DocumentKind], bool] = lambda k: True
                  ) -> list[CountersignResult]:
    """One pending result per selected document, and (after the commit) one job each.

    ``allowed``: whether the requester may countersign a kind (a signer without the limits
    right selecting a limit request gets a failed row, not a signature)."""
    ids = list(dict.fromkeys(int(i) for i in document_ids))
    if not ids:
        raise CountersignError(N_("Select at least one document."), "documents")
    if len(ids) > MAX_BATCH:
        raise CountersignError(N_("At most %(n)s documents at once."), "documents", n=MAX_BATCH)
    documents = {d.id: d for d in session.scalars(select(Document).where(Document.id.in_(ids)))}
    batch = secrets.token_hex(8)
    now = utcnow()
    rows = []
    for document_id in ids:
        document = documents.get(document_id)
        if document is None or document.kind not in _HANDLERS:
            continue
        row = CountersignResult(batch=batch, document_id=document_id,
                                requested_by_id=actor.user_id, requested_by=actor.name[:200],
                                requested_ip=(actor.ip or "")[:64], created_at=now)
        if not allowed(document.kind):
            row.status = CountersignStatus.FAILED
            row.message = N_("You may not countersign this kind of document.")
            row.finished_at = now
        rows.append(row)
    if not rows:
        raise CountersignError(N_("None of the selected documents can be countersigned."),
                               "documents")
    session.add_all(rows)
    session.flush()
    for row in rows:
        if row.status is CountersignStatus.PENDING:
            after_commit(session, partial(dispatch, COUNTERSIGN_JOB, row.id))
    return rows


def run_result(session: DbSession, store: FileStore, result_id: int, *,
               supplier_key: SupplierKey | None,
               validation: ValidationSettings | None) -> CountersignResult | None:
    """The job of one batch row: countersign its document as the requester, and write the
    outcome into the row (signed, or failed with the reason). A row already finished is
    left as it is (a job delivered twice)."""
    # Lock the row only: its document comes joined (an outer join PostgreSQL cannot lock).
    row = session.scalars(select(CountersignResult).where(CountersignResult.id == result_id)
                          .with_for_update(of=CountersignResult)).first()
    if row is None or row.status is not CountersignStatus.PENDING:
        return row
    actor = Actor(row.requested_by_id, row.requested_by, row.requested_ip or "")
    try:
        outcome = countersign(session, store, row.document, actor=actor,
                              supplier_key=supplier_key, validation=validation)
    except DomainError as exc:
        row.status = CountersignStatus.FAILED
        row.message, row.message_params = exc.message, dump_params(exc.params)
    else:
        row.status = CountersignStatus.SIGNED
        if outcome.already:
            row.message = N_("The supplier had countersigned the document before.")
    row.finished_at = utcnow()
    session.flush()
    return row


def recent_results(session: DbSession, *, limit: int = 100) -> list[CountersignResult]:
    """The newest results, newest first (the queue page's «Результаты»)."""
    return list(session.scalars(select(CountersignResult)
                                .order_by(CountersignResult.id.desc()).limit(limit)))


def batch_results(session: DbSession, batch: str) -> list[CountersignResult]:
    return list(session.scalars(select(CountersignResult)
                                .where(CountersignResult.batch == batch)
                                .order_by(CountersignResult.id)))


# --- rejection -----------------------------------------------------------------------------------

def check_reason(reason: str | None) -> str:
    """The reason the client will read: required, at most ``MAX_REASON`` characters."""
    text = (reason or "").strip()
    if not text:
        raise ReasonRequired(N_("Say why the document is rejected: the client reads it."),
                             "reason")
    if len(text) > MAX_REASON:
        raise ReasonRequired(N_("At most %(n)s characters."), "reason", n=MAX_REASON)
    return text


def reject(session: DbSession, document: Document, *, reason: str | None,
           actor: Actor) -> Document:
    """Reject a received document with the reason (shown to the client and e-mailed to its
    signers); the client corrects it and a new document supersedes this one."""
    text = check_reason(reason)
    handler = handler_for(document.kind)
    document = _lock(session, document)
    if document.status is not S.RECEIVED:
        raise NotAwaitingDecision(
            N_("%(kind)s № %(number)s is not waiting for the supplier's decision."),
            kind=_kind(document.kind), number=document.number)
    if handler.on_rejected is not None:
        handler.on_rejected(session, document, text, actor)
    else:
        transition(session, document, S.REJECTED, actor=actor, reason=text)
        document_rejected(session, document, reason=text)
    if document.status is not S.REJECTED:
        raise RuntimeError(f"the rejection of {document.kind.value} left it "
                           f"{document.status.value}")
    return document


def get_decidable(session: DbSession, document_id: int) -> Document:
    """A document of a countersignable kind (staff scope), ``NotFound`` otherwise."""
    document = session.get(Document, document_id)
    if document is None or document.kind not in _HANDLERS:
        raise NotFound(N_("No such document."))
    return document
