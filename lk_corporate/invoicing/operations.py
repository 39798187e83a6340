"""Invoices from an accepted reading act: reserve, render and sign, record.

``issue_invoices_for_act`` does all of it in the caller's transaction (a view, a test, one
client). The month-end batch (``invoicing.tasks``) runs the four steps itself so that no
transaction is open while the slow part runs:

1. :func:`prepare_invoices` (a short transaction): read and check the act
   (``calculation.acts.read_act``), calculate (``calculation.engine``), and *reserve* the
   invoice and the tax invoice — numbers from ``docflow.next_number``, amounts, charge lines,
   dates — as committed ``Invoice`` rows without a document. A reservation already there is
   reused as it is, so a retry renders the same numbers and amounts.
2. :func:`sign_invoices` (no database): render both PDFs (``documents.render_invoice``,
   ``render_tax_invoice``) and sign each with the supplier's key into its ``supplier`` field
   (PAdES B-T by default; B-B with ``upgrade_pending`` when the TSA is down).
3. :func:`record_invoices` (a short transaction): store the signed files, issue the two
   ``Document`` rows (status ``sent``), link them to their reservations, void the invoices
   of an earlier act of the same client and period that this act supersedes.
4. :func:`settle_issued` (a short transaction, when step 3 found it has something to do):
   the client's advance pays the new invoice (the payments package listens to
   ``invoicing.signals.invoices_issued``).

Idempotent: ``(act, kind)`` is unique, so an act gets one reservation per kind; step 3 locks
the reservations and issues only those without a document, so two workers finishing the
same act store one pair (the loser's signed files are left unreferenced in the store).
Numbers are per kind and year, formatted ``2026-000123``; a reservation whose transaction
rolls back gives its number back, one that committed is always issued, so no number is
skipped or repeated.

**Certification.** The supplier's signature certifies the document (DocMDP P=2: only form
filling and signatures allowed afterwards), as the first signature on every portal document
does. P=1 would forbid any later change, and that includes the document timestamp that
completes a signature made while the TSA was down (and archive timestamps): an invoice
signed at B-B during an outage could then never reach B-T. P=2 still refuses every edit of
the content; nobody else signs an invoice, so the permission to sign is never used by
another party.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, case, select, true, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from documents import (
    SUPPLIER,
    BankAccount,
    InvoiceData,
    InvoiceLine,
    Party,
    Signer,
    TaxInvoiceData,
    TaxInvoiceLine,
    render_invoice,
    render_tax_invoice,
)
from documents.model import format_period
from documents.money import plain
from lk_corporate.calculation.acts import read_act
from lk_corporate.calculation.engine import (
    ActPayload,
    Calculation,
    CalculationError,
    ChargeLine,
    TariffSpec,
    calculate,
)
from lk_corporate.clients.models import Client
from lk_corporate.core import driver
from lk_corporate.core.audit import Actor, Event, record_many
from lk_corporate.core.db import DbSession, insert_persistent, utcnow
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import (
    NewDocument,
    add_revision,
    issue_documents,
    next_numbers,
    void,
)
from lk_corporate.invoicing import runs
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.invoicing.signals import invoices_issued, settlement_due
from lk_corporate.notifications.documents import invoice_issued
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.signatures.supplier import SupplierKey, sign_as_supplier
from lk_corporate.supplier.models import SupplierSettings
from lk_corporate.tariffs.models import Tariff
from signing import Level, SigningResult

__all__ = [
    "KINDS",
    "Draft",
    "IssuedPair",
    "Reference",
    "SignedPair",
    "format_number",
    "issue_invoices_for_act",
    "load_reference",
    "party_of",
    "prepare_invoices",
    "record_invoices",
    "settle_issued",
    "sign_invoices",
]

KINDS = (DocumentKind.INVOICE, DocumentKind.TAX_INVOICE)


def format_number(year: int, n: int) -> str:
    """``(2026, 123)`` → ``"2026-000123"``: the year keeps numbers unique across years (the
    counter starts again each year), six digits keep them sortable as text."""
    return f"{year}-{n:06d}"


# --- inputs from the database ---------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    """What every client of a period shares: the supplier's requisites, VAT rate and signers,
    and the tariffs. A batch worker loads it once and reuses it for a short while
    (``invoicing.tasks``); a single act loads it afresh."""

    supplier_tax_id: str
    vat_rate: Decimal
    currency: str
    seller: Party
    signers: tuple[Signer, ...]
    tariffs: tuple[TariffSpec, ...]


def load_reference(session: DbSession, period: BillingPeriod) -> Reference:
    supplier = session.scalars(select(SupplierSettings).order_by(SupplierSettings.id)
                               .limit(1)).first()
    if supplier is None:
        raise CalculationError(N_("The supplier's requisites are not set up."))
    return Reference(supplier_tax_id=supplier.tax_id, vat_rate=supplier.vat_rate,
                     currency=supplier.currency, seller=party_of(supplier, with_bank=True),
                     signers=_signers(supplier), tariffs=tuple(_tariffs(session, period)))


def _tariffs(session: DbSession, period: BillingPeriod) -> list[TariffSpec]:
    first = dt.date(period.year, period.month, 1)
    rows = session.scalars(select(Tariff).where(Tariff.valid_from <= first + dt.timedelta(days=31)))
    return [TariffSpec(service=t.service.value, zone=t.zone, unit=t.unit, price=t.price,
                       valid_from=t.valid_from, valid_to=t.valid_to, tariff_group=t.tariff_group)
            for t in rows if t.valid_to is None or t.valid_to >= first]


def party_of(holder: SupplierSettings | Client, *, with_bank: bool) -> Party:
    """A client or the supplier as documents print it (refused without an address, or
    for the supplier's invoices without complete bank details)."""
    r = holder.requisites
    if not r.address:
        raise CalculationError(N_("The address of %(name)s is missing: it is required on the "
                                  "invoice and the tax invoice."), name=r.short_name or r.name)
    bank = None
    if with_bank:
        if not (r.bank_name and r.bank_bik and r.bank_account and r.bank_correspondent_account):
            raise CalculationError(N_("The supplier's bank details are incomplete: the invoice "
                                      "prints them for payment."))
        bank = BankAccount(r.bank_name, r.bank_bik, r.bank_account, r.bank_correspondent_account)
    return Party(name=r.name, tax_id=r.tax_id, address=r.address, kpp=r.kpp or None,
                 ogrn=r.ogrn or None, bank=bank, phone=r.phone or None, email=r.email or None,
                 short_name=r.short_name or None)


def _signers(supplier: SupplierSettings) -> tuple[Signer, ...]:
    def short(full: str) -> str:
        parts = full.split()
        if len(parts) < 2:
            return full
        return f"{parts[0]} " + " ".join(f"{p[0]}." for p in parts[1:])

    return (Signer("Руководитель", short(supplier.director)),
            Signer("Главный бухгалтер", short(supplier.chief_accountant)))


# --- step 1: reserve ------------------------------------------------------------------------

@dataclass(frozen=True)
class Draft:
    """A reserved pair, ready to render: the two documents' inputs and where they go."""

    act_id: int
    client_id: int
    period_id: int
    invoice_id: int
    tax_invoice_id: int
    invoice: InvoiceData
    tax_invoice: TaxInvoiceData
    issued: bool
    """Both documents exist already: nothing to render, sign or record."""
    tokens: dict[DocumentKind, str] = field(default_factory=dict)
    """Each document's public verification token, as its verification link prints it."""


@dataclass(frozen=True)
class _Context:
    """What both documents of a pair print besides their own number and lines."""

    reference: Reference
    buyer: Party
    payload: ActPayload
    period: BillingPeriod
    settings: InvoicingSettings


def _invoice_data(row: Invoice, lines: Sequence[ChargeLine], c: _Context) -> InvoiceData:
    assert row.due_date is not None
    seller, buyer, payload, period, settings = (c.reference.seller, c.buyer, c.payload,
                                                c.period, c.settings)
    return InvoiceData(
        number=row.number, date=row.date, due_date=row.due_date, supplier=seller, buyer=buyer,
        contract_number=payload.contract_number, contract_date=payload.contract_date,
        year=period.year, month=period.month, currency=row.currency,
        lines=tuple(InvoiceLine(service=f"{line.service_name}, {line.point}, "
                                        f"№ {line.factory_number}",
                                zone=line.zone_name, volume=plain(line.volume), unit=line.unit,
                                price=plain(line.price, 2), vat_rate=plain(line.vat_rate))
                    for line in lines),
        verify_url=settings.verify_url(DocumentKind.INVOICE, row.number),
        signers=c.reference.signers,
        note=f"Основание: акт предоставления показаний № {payload.act_number} "
             f"от {payload.act_date:%d.%m.%Y}.")


def _tax_invoice_data(row: Invoice, lines: Sequence[ChargeLine], c: _Context) -> TaxInvoiceData:
    seller, buyer, payload, period, settings = (c.reference.seller, c.buyer, c.payload,
                                                c.period, c.settings)
    during = format_period(period.year, period.month)
    return TaxInvoiceData(
        number=row.number, date=row.date, seller=seller, buyer=buyer,
        contract_number=payload.contract_number, contract_date=payload.contract_date,
        currency=row.currency,
        lines=tuple(TaxInvoiceLine(name=f"{line.service_name} ({line.zone_name}), {line.point}, "
                                        f"№ {line.factory_number}, за {during}",
                                   unit=line.unit, volume=plain(line.volume),
                                   price=plain(line.price, 2), vat_rate=plain(line.vat_rate))
                    for line in lines),
        verify_url=settings.verify_url(DocumentKind.TAX_INVOICE, row.number),
        seller_signers=c.reference.signers)


def _lines_json(calculation: Calculation) -> str:
    return json.dumps([line.as_json() for line in calculation.lines], ensure_ascii=False,
                      separators=(",", ":"))


def _reserve(session: DbSession, kinds: Sequence[DocumentKind], act: Document,
             period: BillingPeriod, calculation: Calculation, *, reference: Reference,
             run_id: int | None, today: dt.date, settings: InvoicingSettings,
             stale: dict[DocumentKind, Invoice]) -> dict[DocumentKind, Invoice]:
    """Reserve the missing kinds of the act's pair: numbers, amounts, lines, dates."""
    def values(kind: DocumentKind) -> dict[str, object]:
        return {"act_document_id": act.id, "run_id": run_id, "date": today,
                "due_date": settings.due_date(today) if kind is DocumentKind.INVOICE else None,
                "currency": reference.currency, "net": calculation.net,
                "vat": calculation.vat, "total": calculation.total,
                "lines": _lines_json(calculation)}

    rows = {}
    for kind in kinds:
        # A reservation of an earlier act of this client and period that was never issued
        # (the act was corrected before its invoices were stored) takes this act's figures:
        # its number is spent already, and issuing it voided would be a document nobody
        # needs.
        if kind in stale:
            for name, value in values(kind).items():
                setattr(stale[kind], name, value)
            rows[kind] = stale[kind]
    fresh = [k for k in kinds if k not in rows]
    if fresh:
        # Numbering last: the counter rows stay locked until this transaction ends.
        numbers = next_numbers(session, fresh, today.year)
        made = insert_persistent(session, Invoice, [
            {"kind": kind, "number": format_number(today.year, numbers[kind]),
             "client_id": act.client_id, "period_id": period.id, "created_at": utcnow(),
             **values(kind)} for kind in fresh])
        rows.update(zip(fresh, made, strict=True))
    return rows


# Every invoice of a client and period (this act's reservations, an earlier act's), and the
# same locked: asked once per client at month end, so built once.
_CLIENT_PERIOD_INVOICES = (select(Invoice).where(Invoice.client_id == bindparam("client_id"),
                                                 Invoice.period_id == bindparam("period_id"))
                           .order_by(Invoice.id))
_LOCKED_INVOICES = _CLIENT_PERIOD_INVOICES.with_for_update(of=Invoice)
# The same, marking a calculation task done first, in one statement (PostgreSQL; a job's
# last transaction starts with both: one round trip fewer for every client at month end).
# Joined to the task's CTE, which PostgreSQL therefore runs before it locks the invoices:
# the task row first, as when the two are separate statements. Its parameters are named
# apart from the tasks' columns: SQLAlchemy makes a parameter named after a column of the
# UPDATE a value to set (``client_id`` would be written into the task).
_LOCKED_INVOICES_COMPLETING = (
    select(Invoice).where(Invoice.client_id == bindparam("of_client"),
                          Invoice.period_id == bindparam("of_period"))
    .outerjoin(runs.COMPLETED, true()).order_by(Invoice.id).with_for_update(of=Invoice))


def prepare_invoices(session: DbSession, store: FileStore, act: Document, *,
                     settings: InvoicingSettings, run_id: int | None = None,
                     today: dt.date | None = None, reference: Reference | None = None,
                     invoiced: bool = True) -> Draft:
    """Step 1: check and calculate the act and reserve its pair (or find the reservation).

    Raises ``CalculationError`` (nothing written) when the act cannot be charged.
    ``reference``: the supplier and tariffs, if the caller has them (else loaded).
    ``invoiced=False``: the caller found, in this transaction, that the client has no
    invoice of the period (``runs.claim_task_and_act``), so none is looked for. Should a
    duplicate of the job reserve the pair meanwhile, this one's reservation fails on the
    unique ``(act, kind)`` and the job starts over, as when both look at once.
    """
    period, client = act.period, act.client
    if period is None:
        raise CalculationError(N_("The reading act %(number)s belongs to no period."),
                               number=act.number)
    # Every invoice of the client and period at once: this act's reservations, and those of
    # an earlier act that were never issued.
    existing = list(session.scalars(_CLIENT_PERIOD_INVOICES, {
        "client_id": act.client_id, "period_id": period.id})) if invoiced else []
    rows = {r.kind: r for r in existing if r.act_document_id == act.id}
    stale = {r.kind: r for r in reversed(existing)
             if r.act_document_id != act.id and r.document_id is None}
    reference = reference or load_reference(session, period)
    read = read_act(session, store, act, supplier_tax_id=reference.supplier_tax_id)
    if not all(kind in rows for kind in KINDS):
        calculation = calculate(read.payload, read.meters, reference.tariffs,
                                reference.vat_rate)
        rows.update(_reserve(session, [k for k in KINDS if k not in rows], act, period,
                             calculation, reference=reference, run_id=run_id,
                             today=today or settings.today(), settings=settings,
                             stale=stale))
        session.flush()
    invoice, tax = rows[DocumentKind.INVOICE], rows[DocumentKind.TAX_INVOICE]
    context = _Context(reference, party_of(client, with_bank=False), read.payload, period,
                       settings)
    return Draft(act_id=act.id, client_id=act.client_id, period_id=period.id,
                 invoice_id=invoice.id, tax_invoice_id=tax.id,
                 invoice=_invoice_data(invoice, invoice.charge_lines, context),
                 tax_invoice=_tax_invoice_data(tax, tax.charge_lines, context),
                 issued=invoice.document_id is not None and tax.document_id is not None,
                 tokens={row.kind: settings.verify_token(row.kind, row.number)
                         for row in (invoice, tax)})


# --- step 2: render and sign ----------------------------------------------------------------

@dataclass(frozen=True)
class SignedPair:
    invoice: SigningResult
    tax_invoice: SigningResult
    stored: tuple[str, str] | None = None
    """The files' SHA-256 when ``sign_invoices`` stored them already."""


def sign_invoices(draft: Draft, key: SupplierKey, *, store: FileStore | None = None
                  ) -> SignedPair:
    """Step 2, outside any transaction: render both documents and sign each (certifying,
    DocMDP P=2) into its ``supplier`` field; with ``store``, store the signed files too.

    One after the other, on the job's own thread. A second thread for the tax invoice would
    overlap one document's wait for the TSA with the other's rendering, but a worker runs
    two jobs at once anyway, so their waits overlap already; the third thread only added
    the interpreter's hand-overs (1.5 ms more CPU per pair, measured in the batch's shape:
    ``BENCHMARKS.md``).
    """
    results = []
    for render in (lambda: render_invoice(draft.invoice),
                   lambda: render_tax_invoice(draft.tax_invoice)):
        result = sign_as_supplier(render(), key, field=SUPPLIER, certify=True)
        results.append((result, store.put(result.pdf) if store is not None else None))
    (invoice, invoice_sha), (tax_invoice, tax_sha) = results
    stored = (invoice_sha, tax_sha) if invoice_sha and tax_sha else None
    return SignedPair(invoice, tax_invoice, stored)


# --- step 3: record -------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuedPair:
    invoice: Invoice
    tax_invoice: Invoice
    created: bool
    """False when another worker had recorded the pair already (nothing was written)."""
    replaced: bool = False
    """The pair voided an earlier one (a corrected act's)."""
    settle: bool = False
    """Step 4 has something to do (``invoicing.signals.settlement_due``): money of the
    client's waits for these invoices."""


def _locked(session: DbSession, draft: Draft, *, completing: int | None = None
            ) -> tuple[dict[DocumentKind, Invoice], list[Invoice]]:
    """The draft's two reservations and the issued invoices of an earlier act of the same
    client and period (which this act supersedes), in one query, locked: FOR UPDATE on
    PostgreSQL (two workers finishing one act queue here; the second finds the documents
    issued); SQLite ignores it and has one writer anyway. ``completing``: the calculation
    task to mark done first (``runs.complete_task``; on PostgreSQL in the same statement)."""
    params = {"client_id": draft.client_id, "period_id": draft.period_id}
    statement = _LOCKED_INVOICES
    if completing is not None:
        if session.get_bind().dialect.name == "postgresql":
            statement = _LOCKED_INVOICES_COMPLETING
            params = {"of_client": draft.client_id, "of_period": draft.period_id,
                      **runs.completion_params(completing)}
        else:
            runs.complete_task(session, completing)
    rows = list(session.scalars(statement, params))
    ours = {r.kind: r for r in rows if r.id in (draft.invoice_id, draft.tax_invoice_id)}
    others = [r for r in rows if r.act_document_id != draft.act_id and r.document_id is not None]
    if others:
        live = set(session.scalars(select(Document.id).where(
            Document.id.in_([r.document_id for r in others]),
            Document.status.in_((DocumentStatus.SENT, DocumentStatus.RECEIVED)))))
        others = [r for r in others if r.document_id in live]
    return ours, others


# One statement marks both reservations of a pair issued (an ORM flush would send one UPDATE
# per row, and cost more than the database does); with one row, "a" and "b" are the same.
def _by_row(column: Any, name: str) -> Any:
    """``column``'s new value: ``<name>_a`` on row "a", ``<name>_b`` on the other."""
    return case((Invoice.id == bindparam("a"), bindparam(f"{name}_a", type_=column.type)),
                else_=bindparam(f"{name}_b", type_=column.type))


_MARK_ISSUED = (
    update(Invoice)
    .where(Invoice.id.in_([bindparam("a"), bindparam("b")]))
    .values(document_id=_by_row(Invoice.document_id, "document"),
            signature_level=_by_row(Invoice.signature_level, "level"),
            upgrade_pending=_by_row(Invoice.upgrade_pending, "pending"),
            issued_at=bindparam("now")))


def _mark_issued(session: DbSession, issued: Sequence[tuple[Invoice, int, SigningResult]],
                 now: dt.datetime) -> None:
    """Link each reservation of a pair (one or both: ``KINDS``) to its issued document, with
    the signature's level; the ORM objects are told the new values as committed (they are
    what the database now holds)."""
    a, b = issued[0], issued[-1]
    driver.execute(session, _MARK_ISSUED, {
        "a": a[0].id, "b": b[0].id, "document_a": a[1], "document_b": b[1],
        "level_a": a[2].level_reached.value, "level_b": b[2].level_reached.value,
        "pending_a": a[2].upgrade_pending, "pending_b": b[2].upgrade_pending, "now": now})
    for row, document_id, result in issued:
        for name, value in (("document_id", document_id), ("issued_at", now),
                            ("signature_level", result.level_reached.value),
                            ("upgrade_pending", result.upgrade_pending)):
            set_committed_value(row, name, value)


def record_invoices(session: DbSession, store: FileStore, draft: Draft, signed: SignedPair, *,
                    actor: Actor, completing: int | None = None) -> IssuedPair:
    """Step 3: issue the signed pair (status ``sent``) unless it is issued already; void what
    it replaces. (Store the files beforehand, outside the transaction, to keep it short:
    the store is content-addressed, so this finds them there.) The audit entries are
    appended last: the caller does what else the transaction holds before calling this,
    and commits right after. ``completing``: the month-end task to mark done first (its row
    is locked before the reservations, as ``runs.start_calculation`` locks it before the
    audit chain)."""
    rows, replaced = _locked(session, draft, completing=completing)
    if len(rows) != 2:
        raise NotFound(N_("The invoice reservation is gone."))
    results = {DocumentKind.INVOICE: signed.invoice, DocumentKind.TAX_INVOICE: signed.tax_invoice}
    todo = [rows[kind] for kind in KINDS if rows[kind].document_id is None]
    if not todo:
        return IssuedPair(rows[DocumentKind.INVOICE], rows[DocumentKind.TAX_INVOICE], False)
    documents = {r.document_id: r for r in replaced}
    old_docs = {d.id: d for d in session.scalars(
        select(Document).where(Document.id.in_(list(documents))))} if documents else {}
    items = []
    for row in todo:
        result = results[row.kind]
        old = next((r for r in replaced if r.kind is row.kind), None)
        items.append(NewDocument(
            kind=row.kind, number=row.number, client_id=row.client_id, period_id=row.period_id,
            date=row.date, pdf=result.pdf, source=RevisionSource.SUPPLIER_SIGNATURE,
            stored_sha256=signed.stored[KINDS.index(row.kind)] if signed.stored else None,
            supersedes=old_docs.get(old.document_id) if old and old.document_id else None,
            public_token=draft.tokens.get(row.kind),
            note=f"PAdES {result.level_reached.value}"
                 + (" (upgrade pending)" if result.upgrade_pending else "")))
    now = utcnow()
    events: list[Event] = []
    issued = issue_documents(session, store, items, actor=actor, deferred=events)
    new_documents = {row.kind: i.document for row, i in zip(todo, issued, strict=True)}
    _mark_issued(session, [(row, new_documents[row.kind].id, results[row.kind]) for row in todo],
                 now)
    invoice = rows[DocumentKind.INVOICE]
    if DocumentKind.INVOICE in new_documents:
        # «Новый счёт»: to those of the client who want it, the PDF attached if they asked.
        invoice_issued(session, new_documents[DocumentKind.INVOICE], amount=invoice.total,
                       due_date=invoice.due_date)
    # Whether step 4 must run, asked before the chain's lock is taken. A bank statement
    # imported meanwhile, too early to see these invoices, leaves its money as an advance
    # either way: the next import or assignment for the client allocates it.
    settle = any(due for _receiver, due in settlement_due.send(
        draft.client_id, session=session, replaced=bool(replaced)))
    # The audit chain last (see ``issue_documents``): its lock is held from here to the
    # commit. Voiding a replaced pair appends too, so it comes after.
    record_many(session, events)
    for row in todo:
        for old in (r for r in replaced if r.kind is row.kind):
            assert old.document_id is not None
            void(session, old_docs[old.document_id], actor=actor,
                 reason=f"Replaced by {row.kind.value} {row.number}: the reading act was "
                        f"corrected.")
            old.replaced_by_id = row.id
    session.flush()
    return IssuedPair(invoice, rows[DocumentKind.TAX_INVOICE], True, bool(replaced), settle)


def settle_issued(session: DbSession, client_id: int, *, replaced: bool) -> None:
    """Step 4, after the pair's transaction committed, in a short one of its own: tell who
    listens (``invoicing.signals.invoices_issued``: the client's advance pays the new
    invoice). Apart, because allocating locks the client's older invoices, which a bank
    statement being imported may hold while it waits for the audit chain that step 3 holds:
    in one transaction the two would deadlock. Running it again changes nothing."""
    invoices_issued.send(client_id, session=session, replaced=replaced)


def issue_invoices_for_act(session: DbSession, store: FileStore, act: Document, *,
                           actor: Actor, supplier_key: SupplierKey,
                           settings: InvoicingSettings, run_id: int | None = None,
                           today: dt.date | None = None) -> IssuedPair:
    """Reserve, sign and record the act's invoice and tax invoice in the caller's
    transaction; running it again for the same act creates nothing."""
    draft = prepare_invoices(session, store, act, settings=settings, run_id=run_id,
                             today=today)
    if draft.issued:
        rows, _others = _locked(session, draft)
        return IssuedPair(rows[DocumentKind.INVOICE], rows[DocumentKind.TAX_INVOICE], False)
    pair = record_invoices(session, store, draft, sign_invoices(draft, supplier_key),
                           actor=actor)
    settle_issued(session, draft.client_id, replaced=pair.replaced)
    return pair


# --- signatures completed later -------------------------------------------------------------

def upgrade_signatures(session: DbSession, store: FileStore, key: SupplierKey, *, actor: Actor,
                       limit: int = 200) -> tuple[int, int]:
    """Complete the supplier signatures made at a lower level while the TSA was down
    (``signing.upgrade``: a document timestamp in a new revision; the signature itself is
    untouched). Returns (upgraded, still pending)."""
    from signing import ServiceUnavailableError, upgrade

    rows = list(session.scalars(select(Invoice).where(Invoice.upgrade_pending.is_(True))
                                .order_by(Invoice.id).limit(limit).with_for_update(of=Invoice)))
    done = 0
    for row in rows:
        document = row.document
        if document is None or document.status is DocumentStatus.VOIDED:
            row.upgrade_pending = False
            continue
        try:
            result = upgrade(store.get(document.sha256), key.level, tsa_url=key.tsa_url or None,
                             trust_roots=key.trust_roots, field_name=SUPPLIER,
                             timeout=key.timeout)
        except ServiceUnavailableError:
            break  # the TSA is still down: the next run tries again
        if result.level_reached.rank > Level(row.signature_level or "B-B").rank:
            add_revision(session, store, document, result.pdf, source=RevisionSource.UPGRADE,
                         actor=actor, note=f"PAdES {result.level_reached.value}")
            row.signature_level = result.level_reached.value
        row.upgrade_pending = result.upgrade_pending
        done += 0 if result.upgrade_pending else 1
    session.flush()
    pending = len(list(session.scalars(select(Invoice.id).where(
        Invoice.upgrade_pending.is_(True)))))
    return done, pending


def invoices_query(client_id: int | None, kind: DocumentKind) -> Select[Invoice]:
    """Issued invoices of ``kind``, newest first; ``client_id`` None: every client's."""
    query = (select(Invoice).where(Invoice.kind == kind, Invoice.document_id.is_not(None))
             .options(selectinload(Invoice.document))
             .order_by(Invoice.date.desc(), Invoice.id.desc()))
    if client_id is not None:
        query = query.where(Invoice.client_id == client_id)
    return query


def get_invoice(session: DbSession, invoice_id: int, *, client_id: int | None,
                kind: DocumentKind | None = None) -> Invoice:
    """An issued invoice within ``client_id``'s scope (None: any client — staff only)."""
    row = session.get(Invoice, invoice_id)
    if row is None or row.document_id is None or (client_id is not None
                                                  and row.client_id != client_id) \
            or (kind is not None and row.kind is not kind):
        raise NotFound(N_("No such invoice."))
    return row
