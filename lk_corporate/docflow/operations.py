"""Documents: issue one, add a revision of its file, move it, find it within a client's scope.

The operations of the packages that issue documents (``reading_acts``, ``invoicing``, …) call
these; nothing here knows what a reading act or an invoice says. Every function takes the
session, flushes, and leaves the commit to the caller's unit of work; files go to the
``FileStore`` passed in (content-addressed, so a rolled-back transaction leaves at most an
unreferenced file, never a wrong one).
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from lk_corporate.core import driver
from lk_corporate.core.audit import Actor, AuditEntry, Event, record_many
from lk_corporate.core.db import DbSession, insert_persistent, utcnow
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import (
    Document,
    DocumentCounter,
    DocumentKind,
    DocumentRevision,
    DocumentStatus,
    RevisionSource,
)
from lk_corporate.docflow.states import INITIAL, transition

# --- numbers -----------------------------------------------------------------------------

def next_number(session: DbSession, kind: DocumentKind | str, year: int) -> int:
    """The next number of ``kind`` in ``year``: 1, 2, 3, … with no gap and no repeat.

    ``kind`` is a document kind, or the name of another series numbered the same way (the
    reading acts' acceptances count calculation runs: ``"calculation"``).

    The counter row is incremented in the caller's transaction (UPDATE … RETURNING): on
    PostgreSQL the row lock holds a concurrent numbering until this transaction ends, on
    SQLite the writers are serialised anyway; a rolled-back transaction takes its number
    back with it, so no gap appears.
    """
    return next_numbers(session, (kind,), year)[kind]


def next_numbers(session: DbSession, kinds: Sequence[DocumentKind | str], year: int
                 ) -> dict[DocumentKind | str, int]:
    """:func:`next_number` for several series at once (an invoice and its tax invoice), in
    one statement; the rows are locked in one scan, so two transactions numbering the same
    series cannot deadlock on them. The answer is keyed by the ``kinds`` given."""
    series = {(k.value if isinstance(k, DocumentKind) else k): k for k in kinds}
    wanted = sorted(series)
    found = _advance(session, wanted, year)
    missing = [k for k in wanted if k not in found]
    if missing:
        for kind in missing:
            try:
                with session.begin_nested():
                    session.execute(insert(DocumentCounter).values(kind=kind, year=year,
                                                                    last=0))
            except IntegrityError:
                pass  # another transaction created it first; the UPDATE below waits for it
        found.update(_advance(session, missing, year))
    return {series[kind]: found[kind] for kind in wanted}


def _advance(session: DbSession, kinds: list[str], year: int) -> dict[str, int]:
    """Advance the counters of ``kinds`` that exist; their new values."""
    if len(kinds) <= 2:
        # one or two series (a pair, every month-end client): a statement whose SQL does
        # not depend on the count, so ``core.driver`` can send it as it is
        rows = driver.execute(session, _NEXT_TWO, {"first": kinds[0], "second": kinds[-1],
                                                   "of_year": year})
    else:
        rows = session.connection().execute(_NEXT, {"kinds": kinds, "of_year": year}).all()
    return {kind: int(last) for kind, last in rows}


def _next(kinds: Any) -> Any:
    return (update(DocumentCounter)
            .where(DocumentCounter.kind.in_(kinds), DocumentCounter.year == bindparam("of_year"))
            .values(last=DocumentCounter.last + 1)
            .returning(DocumentCounter.kind, DocumentCounter.last))


_NEXT = _next(bindparam("kinds", expanding=True))
_NEXT_TWO = _next([bindparam("first"), bindparam("second")])


# --- issuing and revisions ---------------------------------------------------------------

def new_public_token() -> str:
    """The token of a document's verification address (chosen before the PDF is rendered,
    since the document prints it)."""
    return secrets.token_urlsafe(15)


def verify_url(base_url: str, kind: DocumentKind, token: str) -> str:
    """``https://portal/verify/reading-act/<token>``: ASCII, short enough for a small QR."""
    return f"{base_url.rstrip('/')}/verify/{kind.value.replace('_', '-')}/{token}"


@dataclass(frozen=True)
class Issued:
    document: Document
    revision: DocumentRevision


def issue_document(session: DbSession, store: FileStore, *, kind: DocumentKind, number: str,
                   client_id: int, period_id: int | None, date: dt.date, pdf: bytes,
                   actor: Actor, supersedes: Document | None = None,
                   status: DocumentStatus | None = None,
                   source: RevisionSource = RevisionSource.ISSUED, note: str = "",
                   public_token: str | None = None) -> Issued:
    """A new document of ``kind`` with its first file, in its kind's initial status (or
    ``status``, e.g. an invoice signed by the supplier before it is recorded)."""
    return issue_documents(session, store, [NewDocument(
        kind=kind, number=number, client_id=client_id, period_id=period_id, date=date,
        pdf=pdf, supersedes=supersedes, status=status, source=source, note=note,
        public_token=public_token)],
        actor=actor)[0]


@dataclass(frozen=True)
class NewDocument:
    """One document for :func:`issue_documents` (the arguments of :func:`issue_document`)."""

    kind: DocumentKind
    number: str
    client_id: int
    period_id: int | None
    date: dt.date
    pdf: bytes
    supersedes: Document | None = None
    status: DocumentStatus | None = None
    source: RevisionSource = RevisionSource.ISSUED
    note: str = ""
    public_token: str | None = None
    """The unguessable token of the document's public summary (``/verify/<kind>/<token>``)."""
    stored_sha256: str | None = None
    """``store.put(pdf)``'s answer when the caller stored the file already (before its
    transaction, to keep it short): the file is not hashed and written again."""


def issue_documents(session: DbSession, store: FileStore, items: Sequence[NewDocument], *,
                    actor: Actor, deferred: list[Event] | None = None) -> list[Issued]:
    """:func:`issue_document` for several documents in one go (a batch issues a client's
    invoice and tax invoice together): the same rows and audit entries, in order, with one
    insert of each kind and one append to the audit chain.

    ``deferred``: the audit events are added to this list instead, for the caller to append
    with ``record_many`` as the last thing before its commit. Appending takes the chain's
    lock, which every writer of the portal waits for until the appending transaction
    ends: the month-end job issues its pair, links the reservations, finds the recipients
    and marks its task done first, so that it holds the lock only for the append and the
    commit."""
    now = utcnow()
    rows = []
    for item in items:
        digest = (item.stored_sha256 if item.stored_sha256 and store.exists(item.stored_sha256)
                  else store.put(item.pdf))
        rows.append({"kind": item.kind, "number": item.number, "client_id": item.client_id,
                     "period_id": item.period_id, "status": item.status or INITIAL[item.kind],
                     "date": item.date, "sha256": digest,
                     "supersedes_id": item.supersedes.id if item.supersedes else None,
                     "public_token": item.public_token, "created_at": now, "updated_at": now})
    documents = insert_persistent(session, Document, rows)
    revisions = insert_persistent(session, DocumentRevision, [
        {"document_id": d.id, "seq": 1, "sha256": d.sha256, "size": len(i.pdf),
         "source": i.source, "actor_id": actor.user_id, "actor": actor.name[:200],
         "note": i.note, "created_at": now}
        for d, i in zip(documents, items, strict=True)])
    events = [
        Event(f"document.{d.status.value}", actor, "document", d.id,
              {"kind": d.kind.value, "number": d.number, "client_id": d.client_id,
               "sha256_after": d.sha256, "to": d.status.value,
               **({"supersedes": i.supersedes.id} if i.supersedes else {})})
        for d, i in zip(documents, items, strict=True)]
    if deferred is None:
        record_many(session, events)
    else:
        deferred.extend(events)
    for d, r in zip(documents, revisions, strict=True):
        set_committed_value(d, "revisions", [r])
    return [Issued(d, r) for d, r in zip(documents, revisions, strict=True)]


def add_revision(session: DbSession, store: FileStore, document: Document, pdf: bytes, *,
                 source: RevisionSource, actor: Actor, verdict: str = "", report: str = "",
                 note: str = "") -> DocumentRevision:
    """Store a new version of the document's file (it becomes the current one)."""
    digest = store.put(pdf)
    revision = _add_revision(session, document, digest, len(pdf), source, actor,
                             verdict=verdict, report=report, note=note)
    document.sha256 = digest
    document.updated_at = utcnow()
    return revision


def _add_revision(session: DbSession, document: Document, digest: str, size: int,
                  source: RevisionSource, actor: Actor, *, verdict: str = "",
                  report: str = "", note: str = "") -> DocumentRevision:
    seq = (session.scalar(select(func.max(DocumentRevision.seq))
                          .where(DocumentRevision.document_id == document.id)) or 0) + 1
    revision = DocumentRevision(document_id=document.id, seq=seq, sha256=digest, size=size,
                                source=source, actor_id=actor.user_id, actor=actor.name[:200],
                                verdict=verdict, report=report, note=note,
                                created_at=utcnow())
    session.add(revision)
    session.flush()
    session.refresh(document, attribute_names=["revisions"])
    return revision


def current_file(store: FileStore, document: Document) -> bytes:
    return store.get(document.sha256)


def revision_file(store: FileStore, revision: DocumentRevision) -> bytes:
    return store.get(revision.sha256)


# --- moves shared by every kind ------------------------------------------------------------

def supersede(session: DbSession, old: Document, *, by: Document, actor: Actor,
              reason: str = "") -> None:
    transition(session, old, DocumentStatus.SUPERSEDED, actor=actor, reason=reason,
               details={"superseded_by": by.id, "superseded_by_number": by.number})


def void(session: DbSession, document: Document, *, reason: str, actor: Actor) -> None:
    """Void a document the supplier issued (the reason is shown to the client)."""
    transition(session, document, DocumentStatus.VOIDED, actor=actor, reason=reason)


def record_receipt(session: DbSession, document: Document, *, actor: Actor) -> bool:
    """The client opened or downloaded a document the supplier sent: it is received (once)."""
    if document.status is not DocumentStatus.SENT:
        return False
    document.received_at = utcnow()
    transition(session, document, DocumentStatus.RECEIVED, actor=actor)
    return True


# --- finding documents ---------------------------------------------------------------------

@dataclass(frozen=True)
class DocumentFilter:
    kind: DocumentKind | None = None
    period_id: int | None = None
    status: DocumentStatus | None = None


def documents_query(client_id: int | None, filters: DocumentFilter = DocumentFilter()
                    ) -> Select[Document]:
    """Newest first; ``client_id`` None: every client's (supplier staff). Each document's
    revisions come in one more query for the whole page (lists show the signatures of each):
    not one query per document."""
    query = (select(Document).options(selectinload(Document.revisions))
             .order_by(Document.date.desc(), Document.id.desc()))
    if client_id is not None:
        query = query.where(Document.client_id == client_id)
    if filters.kind is not None:
        query = query.where(Document.kind == filters.kind)
    if filters.period_id is not None:
        query = query.where(Document.period_id == filters.period_id)
    if filters.status is not None:
        query = query.where(Document.status == filters.status)
    return query


def list_documents(session: DbSession, client_id: int | None,
                   filters: DocumentFilter = DocumentFilter(), *,
                   limit: int = 500) -> Sequence[Document]:
    return session.scalars(documents_query(client_id, filters).limit(limit)).all()


def get_document(session: DbSession, document_id: int, *, client_id: int | None) -> Document:
    """The document, within ``client_id``'s scope (None: any client — staff only)."""
    document = session.get(Document, document_id)
    if document is None or (client_id is not None and document.client_id != client_id):
        raise NotFound(N_("No such document."))
    return document


def find_by_token(session: DbSession, kind: str, token: str) -> Document:
    """The document behind a verification address (``kind`` as printed: dashes or not)."""
    document = session.scalars(select(Document).where(Document.public_token == token)).first()
    if document is None or document.kind.value != kind.replace("-", "_") or not token:
        raise NotFound(N_("No such document."))
    return document


def find_by_file(session: DbSession, sha256: str) -> tuple[Document, DocumentRevision] | None:
    """The document one of whose revisions is exactly this file, if the portal issued it."""
    revision = session.scalars(select(DocumentRevision).where(DocumentRevision.sha256 == sha256)
                               .order_by(DocumentRevision.id.desc()).limit(1)).first()
    return (revision.document, revision) if revision is not None else None


def superseded_by(session: DbSession, document: Document) -> Document | None:
    return session.scalars(select(Document).where(Document.supersedes_id == document.id)
                           .order_by(Document.id.desc()).limit(1)).first()


def successors(session: DbSession, document_ids: Sequence[int]) -> dict[int, int]:
    """For each of ``document_ids`` that was corrected, the newest document superseding it
    (one query for a whole list; ``superseded_by`` for one)."""
    if not document_ids:
        return {}
    rows = session.execute(select(Document.supersedes_id, Document.id)
                           .where(Document.supersedes_id.in_(list(document_ids)))
                           .order_by(Document.id)).all()
    return {int(old): int(new) for old, new in rows if old is not None}


def newest_report(document: Document) -> DocumentRevision | None:
    """The newest revision carrying a validation report (a signature's), or None."""
    return next((r for r in reversed(document.revisions) if r.report), None)


def history(session: DbSession, document: Document) -> list[dict[str, Any]]:
    """Every audited move of the document, oldest first (the document page's history)."""
    rows = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "document",
                                                    AuditEntry.object_id == str(document.id))
                           .order_by(AuditEntry.seq)).all()
    return [{"action": r.action, "at": r.created_at, "actor": r.actor, "ip": r.ip,
             "details": json.loads(r.details or "{}")} for r in rows]
