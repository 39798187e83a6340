"""Reconciliation acts (акты сверки взаиморасчётов): issued, answered, listed.

:func:`issue_reconciliation_act` builds the act of a client and a period from the supplier's
books — the balance before the period, then every invoice (debit) and payment (credit) in
it — renders it (``documents.render_reconciliation_act``), signs it with the supplier's key
into the ``supplier`` field and issues it awaiting the client's signature.

The supplier's signature is the first one, so it certifies the document (DocMDP P=2: only
form filling and signatures allowed afterwards); the client's signature in the browser
(``docsign``: the first signature certifies, later ones only approve) is then an allowed
change, and both stay valid.

The client answers one of two ways, both recorded on ``ReconciliationAct.outcome``:

* signs it on the signing page and sends it: :func:`send_reconciliation_act` (registered as
  docsign's send handler for the kind) checks the signature and records the agreement —
  the document becomes «Принят» (received, then accepted: nobody else needs to act);
* returns a disagreement (:func:`disagree`): a comment per line it disputes (and a general
  one); the document becomes «Отклонён» with the reason and waits in the staff's list.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Select, select

from documents import (
    SUPPLIER,
    ReconciliationActData,
    ReconciliationEntry,
    Signer,
    render_reconciliation_act,
)
from lk_corporate.clients.models import Client
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import issue_document, new_public_token, next_number
from lk_corporate.docflow.operations import verify_url as document_verify_url
from lk_corporate.docflow.states import transition
from lk_corporate.docsign.operations import (
    SendContext,
    receive_if_valid,
    register_send_handler,
    rejection_reason,
)
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.operations import format_number, party_of
from lk_corporate.notifications.documents import document_waiting
from lk_corporate.payments.models import Outcome, Payment, ReconciliationAct
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing, sign_as_supplier
from lk_corporate.supplier.models import SupplierSettings

KIND = DocumentKind.RECONCILIATION_ACT
MAX_DAYS = 3 * 366
ZERO = Decimal("0.00")


class NoSupplierKey(DomainError):
    code = "no_supplier_key"


@dataclass(frozen=True)
class Books:
    """The supplier's books for a client and a period."""

    opening: Decimal
    entries: tuple[ReconciliationEntry, ...]

    @property
    def closing(self) -> Decimal:
        return (self.opening + sum((e.debit for e in self.entries), ZERO)
                - sum((e.credit for e in self.entries), ZERO))


def books(session: DbSession, client_id: int, date_from: dt.date, date_to: dt.date) -> Books:
    """Opening balance before ``date_from``; invoices and payments from ``date_from`` to
    ``date_to``, by date (invoices before payments on the same day)."""
    live = (Invoice.client_id == client_id, Invoice.kind == DocumentKind.INVOICE,
            Invoice.document_id.is_not(None), Invoice.replaced_by_id.is_(None))
    invoices = session.execute(select(Invoice.date, Invoice.number, Invoice.total)
                               .where(*live, Invoice.date <= date_to)).all()
    payments = session.execute(select(Payment.date, Payment.number, Payment.amount)
                               .where(Payment.client_id == client_id,
                                      Payment.date <= date_to)).all()
    opening = (sum((t for d, _n, t in invoices if d < date_from), ZERO)
               - sum((a for d, _n, a in payments if d < date_from), ZERO))
    rows = [(d, 0, ReconciliationEntry(d, f"Счёт № {n} от {d:%d.%m.%Y}", t, ZERO))
            for d, n, t in invoices if d >= date_from]
    rows += [(d, 1, ReconciliationEntry(d, f"Оплата, п/п № {n} от {d:%d.%m.%Y}", ZERO, a))
             for d, n, a in payments if d >= date_from]
    rows.sort(key=lambda r: (r[0], r[1], r[2].document))
    return Books(opening, tuple(r[2] for r in rows))


def _short(full: str) -> str:
    parts = full.split()
    return f"{parts[0]} " + " ".join(f"{p[0]}." for p in parts[1:]) if len(parts) > 1 else full


def check_period(date_from: dt.date | None, date_to: dt.date | None, today: dt.date) -> None:
    if date_from is None:
        raise DomainError(N_("Enter the first day of the period."), "date_from")
    if date_to is None:
        raise DomainError(N_("Enter the last day of the period."), "date_to")
    if date_to < date_from:
        raise DomainError(N_("The period ends before it begins."), "date_to")
    if date_to > today:
        raise DomainError(N_("The period cannot end after today."), "date_to")
    if (date_to - date_from).days > MAX_DAYS:
        raise DomainError(N_("A reconciliation act covers at most three years."), "date_from")


def issue_reconciliation_act(session: DbSession, store: FileStore, *, client_id: int,
                             date_from: dt.date | None, date_to: dt.date | None,
                             requested_by: str, actor: Actor, supplier_key: SupplierKey | None,
                             base_url: str, today: dt.date) -> ReconciliationAct:
    """Build, sign and issue the client's act for the period (awaiting its signature)."""
    check_period(date_from, date_to, today)
    assert date_from is not None and date_to is not None
    client = session.get(Client, client_id)
    if client is None:
        raise NotFound(N_("No such client."))
    if supplier_key is None:
        raise NoSupplierKey(N_("The supplier's signing key is not set up: the act cannot be "
                               "signed and sent."))
    supplier = session.scalars(select(SupplierSettings).order_by(SupplierSettings.id)
                               .limit(1)).first()
    if supplier is None:
        raise DomainError(N_("The supplier's requisites are not set up."))
    ledger = books(session, client_id, date_from, date_to)
    number = format_number(today.year, next_number(session, KIND, today.year))
    token = new_public_token()
    data = ReconciliationActData(
        number=number, date=today, period_start=date_from, period_end=date_to,
        supplier=party_of(supplier, with_bank=False), client=party_of(client, with_bank=False),
        contract_number=client.contract_number,
        contract_date=client.contract_date or client.created_at.date(),
        opening_balance=ledger.opening, entries=ledger.entries,
        verify_url=document_verify_url(base_url, KIND, token), currency=supplier.currency,
        supplier_signer=Signer("Главный бухгалтер", _short(supplier.chief_accountant or "")),
        client_signer=Signer("Руководитель", ""))
    # The first signature certifies (P=2): the client's signature afterwards is allowed.
    signed = sign_as_supplier(render_reconciliation_act(data), supplier_key, field=SUPPLIER,
                              certify=True)
    issued = issue_document(session, store, kind=KIND, number=number, client_id=client_id,
                            period_id=None, date=today, pdf=signed.pdf, actor=actor,
                            status=DocumentStatus.AWAITING_SIGNATURE,
                            source=RevisionSource.SUPPLIER_SIGNATURE,
                            note=f"PAdES {signed.level_reached.value}", public_token=token)
    act = ReconciliationAct(
        document_id=issued.document.id, client_id=client_id, date_from=date_from,
        date_to=date_to, opening_balance=ledger.opening, closing_balance=ledger.closing,
        entries=json.dumps([{"date": e.date.isoformat(), "document": e.document,
                             "debit": format(e.debit, "f"), "credit": format(e.credit, "f")}
                            for e in ledger.entries], ensure_ascii=False),
        requested_by="staff" if requested_by == "staff" else "client",
        requested_by_name=actor.name[:200], created_at=utcnow())
    session.add(act)
    session.flush()
    record(session, "reconciliation_act.issued", actor=actor, object_type="document",
           object_id=issued.document.id,
           details={"number": number, "client_id": client_id, "date_from": date_from.isoformat(),
                    "date_to": date_to.isoformat(), "requested_by": act.requested_by,
                    "closing_balance": format(ledger.closing, "f")})
    document_waiting(session, issued.document)
    return act


# --- the client's answer --------------------------------------------------------------------

def act_of_document(session: DbSession, document_id: int, *, client_id: int | None
                    ) -> ReconciliationAct:
    act = session.scalars(select(ReconciliationAct).where(
        ReconciliationAct.document_id == document_id)).first()
    if act is None or (client_id is not None and act.client_id != client_id):
        raise NotFound(N_("No such reconciliation act."))
    return act


def send_reconciliation_act(context: SendContext) -> None:
    """docsign's send: a valid client signature is the agreement («Принят»)."""
    document = context.document
    act = context.session.scalars(select(ReconciliationAct).where(
        ReconciliationAct.document_id == document.id)).first()
    if act is None:  # an act issued outside this package (docsign's own tests): the default
        receive_if_valid(context)
        return
    reason = rejection_reason(context.signature)
    if reason is not None:
        transition(context.session, document, DocumentStatus.REJECTED, actor=context.actor,
                   reason=reason)
        return
    transition(context.session, document, DocumentStatus.RECEIVED, actor=context.actor)
    transition(context.session, document, DocumentStatus.ACCEPTED, actor=context.actor,
               reason="Акт сверки подписан клиентом: расчёты согласованы.")
    act.outcome = Outcome.AGREED
    act.answered_by = context.actor.name[:200]
    act.answered_at = utcnow()


@dataclass(frozen=True)
class LineComment:
    line: int  # 1-based entry of the act; 0: the opening or closing balance
    comment: str


def disagree(session: DbSession, act: ReconciliationAct, *, comments: Sequence[LineComment],
             comment: str, actor: Actor) -> ReconciliationAct:
    """The client does not agree: its comments per line (and in general) are stored, the
    document becomes «Отклонён» and the act waits in the staff's list."""
    document = act.document
    if document.status is not DocumentStatus.AWAITING_SIGNATURE:
        raise DomainError(N_("The act is not awaiting your answer: it is signed, answered or "
                             "closed."))
    count = len(act.entry_list)
    kept = [c for c in comments if c.comment.strip()]
    for c in kept:
        if not 0 <= c.line <= count:
            raise DomainError(N_("There is no line %(line)s in the act."), line=c.line)
    if not kept and not comment.strip():
        raise DomainError(N_("Say what you disagree with: a comment on a line or in general."),
                          "comment")
    act.comments = json.dumps([{"line": c.line, "comment": c.comment.strip()[:1000]}
                               for c in kept], ensure_ascii=False)
    act.comment = comment.strip()[:4000]
    act.outcome = Outcome.DISAGREED
    act.answered_by = actor.name[:200]
    act.answered_at = utcnow()
    transition(session, document, DocumentStatus.REJECTED, actor=actor,
               reason=f"Клиент не согласен с актом сверки; замечаний по строкам: {len(kept)}.",
               details={"comments": len(kept)})
    session.flush()
    return act


def acts_query(client_id: int | None, outcome: Outcome | None = None
               ) -> Select[ReconciliationAct]:
    query = select(ReconciliationAct).order_by(ReconciliationAct.created_at.desc(),
                                               ReconciliationAct.id.desc())
    if client_id is not None:
        query = query.where(ReconciliationAct.client_id == client_id)
    if outcome is not None:
        query = query.where(ReconciliationAct.outcome == outcome)
    return query


def supplier_key_from(config: object) -> SupplierKey | None:
    try:
        return SupplierKey.from_config(config)  # type: ignore[arg-type]
    except SupplierKeyMissing:
        return None


def register() -> None:
    register_send_handler(KIND, send_reconciliation_act)
