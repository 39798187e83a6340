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

from sqlalchemy import Select, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from lk_corporate.core.audit import Actor, AuditEntry, record
from lk_corporate.core.db import DbSession, utcnow
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
    series = kind.value if isinstance(kind, DocumentKind) else kind
    statement = (update(DocumentCounter)
                 .where(DocumentCounter.kind == series, DocumentCounter.year == year)
                 .values(last=DocumentCounter.last + 1)
                 .returning(DocumentCounter.last))
    value = session.execute(statement).scalar()
    if value is None:
        try:
            with session.begin_nested():
                session.execute(insert(DocumentCounter).values(kind=series, year=year,
                                                                last=0))
        except IntegrityError:
            pass  # another transaction created it first; the UPDATE below waits for it
        value = session.execute(statement).scalar_one()
    return int(value)


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
    digest = store.put(pdf)
    document = Document(kind=kind, number=number, client_id=client_id, period_id=period_id,
                        status=status or INITIAL[kind], date=date, sha256=digest,
                        supersedes_id=supersedes.id if supersedes else None,
                        public_token=public_token, created_at=utcnow(), updated_at=utcnow())
    session.add(document)
    session.flush()
    revision = _add_revision(session, document, digest, len(pdf), source, actor, note=note)
    record(session, f"document.{document.status.value}", actor=actor, object_type="document",
           object_id=document.id,
           details={"kind": kind.value, "number": number, "client_id": client_id,
                    "sha256_after": digest, "to": document.status.value,
                    **({"supersedes": supersedes.id} if supersedes else {})})
    return Issued(document, revision)


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
    """Newest first; ``client_id`` None: every client's (supplier staff)."""
    query = select(Document).order_by(Document.date.desc(), Document.id.desc())
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
