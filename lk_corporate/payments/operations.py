"""Importing bank statements, matching payments to clients, allocating them to invoices, the
staff's queue of unmatched payments, and what the client's money pages show.

**Import** (:func:`import_statement`): the statement is parsed as a stream
(``payments.statement``) and handled in batches of ``BATCH`` payments with Core statements —
no ORM object per payment — so memory stays flat whatever the file's size. The whole file
is one transaction: a malformed line anywhere raises ``StatementError`` and the caller's
unit of work (or savepoint) rolls back everything, so nothing is half-imported.

Each import takes the next number of the ``payment_import`` series first: that counter
row stays locked until the import commits, so on PostgreSQL two imports run one after the
other (SQLite has one writer anyway). The payment's unique key is the guard underneath: rows
go in with ``ON CONFLICT DO NOTHING … RETURNING``, and only the rows that went in are
allocated, so a statement imported again, or an overlapping one, adds nothing.

**Matching** (:func:`match`): the payer's tax ID must be a client's, and the purpose must
name one of that tax ID's invoices (``2026-000017``) or contracts (a whole word: «договору
№ 123» matches contract ``123``, «1230» and «123,45» do not). Anything else waits in the
staff's queue (:func:`assign_payment`).

**Allocation** (:func:`allocate`): a client's money not yet allocated (its payments'
``amount − allocated``, oldest payment first) pays the invoice the payment names, then the
client's oldest open invoices (by date); what is left is an advance, which pays the next
invoices the moment they are issued (``invoicing.signals.invoices_issued``), or at the next
import or assignment for the client. ``Invoice.paid`` and ``Payment.allocated`` change with
the ``PaymentAllocation`` rows in the same transaction; the invoices are locked (FOR UPDATE)
while allocated. Money allocated to an invoice that a corrected one replaced goes back to
its payments first, and is allocated again (to the replacement: the oldest open invoice).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, BinaryIO

from sqlalchemy import (
    ARRAY,
    Select,
    Table,
    any_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lk_corporate.clients.models import Client
from lk_corporate.core import driver
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import Base, DbSession, rows_changed, utcnow
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.operations import next_number
from lk_corporate.invoicing.models import Invoice
from lk_corporate.invoicing.signals import invoices_issued, settlement_due
from lk_corporate.payments import bulk
from lk_corporate.payments.models import (
    MatchedBy,
    Payment,
    PaymentAllocation,
    StatementImport,
)
from lk_corporate.payments.statement import StatementPayment, parse_statement

__all__ = [
    "BATCH",
    "Balance",
    "ImportResult",
    "Match",
    "MonthLine",
    "allocate",
    "allocations_of",
    "assign_payment",
    "balance",
    "client_payments_query",
    "get_payment",
    "import_statement",
    "invoice_numbers_in",
    "match",
    "unmatched_query",
]

BATCH = 1000
"""Payments per batch: a multi-row insert of 1000 stays under SQLite's 32 766 variables."""
PG_BATCH = 10000
"""On PostgreSQL (``COPY``, no variables): fewer, larger statements; memory stays flat."""
IMPORT_SERIES = "payment_import"
ZERO = Decimal("0.00")

_INVOICE_NUMBER = re.compile(r"(?<![\d-])(\d{4}-\d{6})(?!\d)")


class AlreadyAssigned(DomainError):
    code = "already_assigned"


# --- matching ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    client_id: int | None
    matched_by: MatchedBy
    invoice_id: int | None = None


NO_MATCH = Match(None, MatchedBy.NONE)


def invoice_numbers_in(purpose: str) -> list[str]:
    """The invoice numbers (``2026-000017``) a purpose text names."""
    return _INVOICE_NUMBER.findall(purpose)


def _word_char(c: str) -> bool:
    return c.isalnum() or c in "_/-"


def names_word(purpose: str, word: str) -> bool:
    """Whether ``word`` is a whole word of ``purpose`` (both lower case): not a part of a
    longer word or number, nor of an amount or a date — in «123,45» or «15.01.2024» the
    contract «123» or «15» is not named."""
    n, start = len(purpose), purpose.find(word)
    while start >= 0:
        end = start + len(word)
        before_ok = start == 0 or not _word_char(purpose[start - 1]) and not (
            start >= 2 and purpose[start - 1] in ".," and purpose[start - 2].isdigit())
        after_ok = end == n or not _word_char(purpose[end]) and not (
            end + 1 < n and purpose[end] in ".," and purpose[end + 1].isdigit())
        if before_ok and after_ok:
            return True
        start = purpose.find(word, start + 1)
    return False


def _among(conn_or_session: Any, column: Any, values: Iterable[Any]) -> Any:
    """``column IN (values)``. On PostgreSQL one array parameter (``= ANY``): a statement's
    batch names thousands of clients and invoices, and a bound parameter per value costs
    SQLAlchemy and the driver more than the query costs the server."""
    values = list(values)
    if conn_or_session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


@dataclass
class _Reference:
    """The clients and invoices a batch's payments may name, loaded once per batch."""

    by_tax_id: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    invoices: dict[str, tuple[int, int]] = field(default_factory=dict)  # number → (id, client)


def _reference(session: DbSession, payments: Sequence[StatementPayment]) -> _Reference:
    ref = _Reference()
    tax_ids = sorted({p.payer_tax_id for p in payments if p.payer_tax_id})
    if not tax_ids:
        return ref
    for client_id, tax_id, contract in session.execute(
            select(Client.id, Client.tax_id, Client.contract_number)
            .where(_among(session, Client.tax_id, tax_ids))):
        ref.by_tax_id.setdefault(tax_id, []).append((client_id, contract))
    numbers = sorted({n for p in payments if p.payer_tax_id in ref.by_tax_id
                      for n in invoice_numbers_in(p.purpose)})
    if numbers:
        ref.invoices = {number: (invoice_id, client_id)
                        for invoice_id, number, client_id in session.execute(
                            select(Invoice.id, Invoice.number, Invoice.client_id).where(
                                Invoice.kind == DocumentKind.INVOICE,
                                _among(session, Invoice.number, numbers),
                                Invoice.document_id.is_not(None)))}
    return ref


def _match(p: StatementPayment, ref: _Reference) -> Match:
    candidates = ref.by_tax_id.get(p.payer_tax_id)
    if not candidates:
        return NO_MATCH
    ids = {client_id for client_id, _contract in candidates}
    for number in invoice_numbers_in(p.purpose):
        found = ref.invoices.get(number)
        if found is not None and found[1] in ids:
            return Match(found[1], MatchedBy.INVOICE, found[0])
    purpose = p.purpose.lower()
    named = [client_id for client_id, contract in candidates
             if contract and names_word(purpose, contract.lower())]
    if len(named) == 1:
        return Match(named[0], MatchedBy.CONTRACT)
    return NO_MATCH


def match(session: DbSession, payment: StatementPayment) -> Match:
    """To whom a payment belongs (see the module's docstring); ``NO_MATCH``: the queue."""
    return _match(payment, _reference(session, [payment]))


# --- allocation -------------------------------------------------------------------------------

_INVOICES = Table("invoices", Base.metadata)
_PAYMENTS = Table("payments", Base.metadata)


def _set(session: DbSession, table: Table, column: str, values: dict[int, Decimal]) -> None:
    """Set ``column`` of many rows by id in one statement: PostgreSQL joins two arrays
    (one statement whichever the driver; psycopg2's executemany is a round trip per row);
    SQLite's executemany runs in the driver, in-process."""
    if not values:
        return
    items = sorted(values.items())
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        conn.execute(text(
            f"UPDATE {table.name} SET {column} = v.value FROM unnest(CAST(:ids AS integer[]), "
            f"CAST(:vals AS numeric[])) AS v(id, value) WHERE {table.name}.id = v.id"),
            {"ids": [i for i, _v in items], "vals": [v for _i, v in items]})
        return
    conn.execute(update(table).where(table.c.id == bindparam("b_id"))
                 .values({column: bindparam("b_value")}),
                 [{"b_id": i, "b_value": str(v)} for i, v in items])


def _open_invoices(session: DbSession, client_ids: Sequence[int]
                   ) -> Select[int, int, Decimal, Decimal]:
    return (select(Invoice.id, Invoice.client_id, Invoice.total, Invoice.paid)
            .where(_among(session, Invoice.client_id, client_ids),
                   Invoice.kind == DocumentKind.INVOICE,
                   Invoice.document_id.is_not(None), Invoice.replaced_by_id.is_(None),
                   Invoice.paid < Invoice.total)
            .order_by(Invoice.client_id, Invoice.date, Invoice.id)
            .with_for_update(of=Invoice))


def allocate(session: DbSession, client_ids: Iterable[int]) -> int:
    """Allocate the unallocated money of ``client_ids`` to their open invoices (see the
    module's docstring); the number of allocations made."""
    ids = sorted(set(client_ids))
    if not ids:
        return 0
    _release_replaced(session, ids)
    conn = session.connection()
    remaining: dict[int, list[list[Any]]] = defaultdict(list)  # client → [[id, left]]
    paid_before: dict[int, Decimal] = {}
    for invoice_id, client_id, total, paid in conn.execute(_open_invoices(session, ids)):
        remaining[client_id].append([invoice_id, total - paid])
        paid_before[invoice_id] = paid
    if not remaining:
        return 0
    owing = sorted(remaining)
    money = conn.execute(
        select(Payment.id, Payment.client_id, Payment.amount, Payment.allocated,
               Payment.named_invoice_id)
        .where(_among(session, Payment.client_id, owing), Payment.allocated < Payment.amount)
        .order_by(Payment.client_id, Payment.date, Payment.id)).all()
    if not money:
        return 0
    allocations: list[dict[str, Any]] = []
    paid_now: dict[int, Decimal] = defaultdict(Decimal)
    payment_updates: dict[int, Decimal] = {}
    now = utcnow()
    for payment_id, owner, amount, allocated, named in money:
        left = amount - allocated
        invoices = remaining[owner or 0]
        order = sorted(invoices, key=lambda row: row[0] != named) if named else invoices
        for row in order:
            if left <= 0:
                break
            if row[1] <= 0:
                continue
            part = min(left, row[1])
            row[1] -= part
            left -= part
            paid_now[row[0]] += part
            allocations.append({"payment_id": payment_id, "invoice_id": row[0],
                                "amount": part, "created_at": now})
        if left != amount - allocated:
            payment_updates[payment_id] = amount - left
    if not allocations:
        return 0
    # A payment allocated again to an invoice it paid before (an advance meeting the rest
    # of a partly paid invoice) adds to that row instead of a second one.
    merged: dict[tuple[int, int], dict[str, Any]] = {}
    for part_row in allocations:
        key = (part_row["payment_id"], part_row["invoice_id"])
        if key in merged:
            merged[key]["amount"] += part_row["amount"]
        else:
            merged[key] = part_row
    existing = {(p, i): a for p, i, a in conn.execute(
        select(PaymentAllocation.payment_id, PaymentAllocation.invoice_id,
               PaymentAllocation.amount).where(
            _among(session, PaymentAllocation.payment_id, sorted({k[0] for k in merged})),
            _among(session, PaymentAllocation.invoice_id, sorted({k[1] for k in merged}))))}
    fresh = [row for key, row in merged.items() if key not in existing]
    if fresh and conn.dialect.name == "postgresql":
        bulk.insert_allocations(conn, [(r["payment_id"], r["invoice_id"], r["amount"])
                                       for r in fresh], now=now)
    elif fresh:
        conn.execute(insert(PaymentAllocation), fresh)
    for key in (k for k in merged if k in existing):
        conn.execute(update(PaymentAllocation).where(
            PaymentAllocation.payment_id == key[0], PaymentAllocation.invoice_id == key[1])
            .values(amount=existing[key] + merged[key]["amount"]))
    _set(session, _INVOICES, "paid", {i: paid_before[i] + part for i, part in paid_now.items()})
    _set(session, _PAYMENTS, "allocated", payment_updates)
    return len(merged)


# Asked for every client at month end: built once.
_ADVANCE = select(Payment.id).where(Payment.client_id == bindparam("client_id"),
                                    Payment.allocated < Payment.amount).limit(1)


@settlement_due.connect
def _money_waiting(client_id: int, *, session: DbSession, replaced: bool = False,
                   **_: Any) -> bool:
    """Would new invoices for ``client_id`` move money: an advance to pay them, or money on
    the invoices they replaced? One indexed look: most clients at month end have none."""
    return replaced or bool(driver.execute(session, _ADVANCE, {"client_id": client_id}))


@invoices_issued.connect
def _pay_new_invoices(client_id: int, *, session: DbSession, replaced: bool = False,
                      **_: Any) -> None:
    """New invoices for ``client_id``: its advance pays them now (and money on the invoices
    they replaced moves to them). Allocating costs several statements, so it looks first."""
    if _money_waiting(client_id, session=session, replaced=replaced):
        allocate(session, [client_id])
        session.expire_all()  # Invoice.paid changed under the ORM's feet (Core statements)


def _release_replaced(session: DbSession, client_ids: Sequence[int]) -> None:
    """Money allocated to an invoice that a corrected one replaced (voided) goes back to its
    payments, to be allocated again — to the replacement first, as the oldest open one."""
    conn = session.connection()
    rows = conn.execute(
        select(PaymentAllocation.id, PaymentAllocation.payment_id, PaymentAllocation.invoice_id,
               PaymentAllocation.amount)
        .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
        .where(_among(session, Invoice.client_id, client_ids),
               Invoice.replaced_by_id.is_not(None))).all()
    if not rows:
        return
    back: dict[int, Decimal] = defaultdict(Decimal)
    for _id, payment_id, _invoice_id, amount in rows:
        back[payment_id] += amount
    allocated = dict(conn.execute(select(Payment.id, Payment.allocated).where(
        Payment.id.in_(sorted(back)))).all())
    conn.execute(delete(PaymentAllocation).where(
        PaymentAllocation.id.in_([r[0] for r in rows])))
    _set(session, _PAYMENTS, "allocated", {p: allocated[p] - a for p, a in back.items()})
    _set(session, _INVOICES, "paid", {r[2]: ZERO for r in rows})


# --- import -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    import_id: int
    number: int
    payments: int
    added: int
    matched: int
    unmatched: int
    amount: Decimal
    allocations: int

    @property
    def duplicates(self) -> int:
        return self.payments - self.added


def _batches(payments: Iterator[StatementPayment], size: int
             ) -> Iterator[list[StatementPayment]]:
    batch: list[StatementPayment] = []
    for payment in payments:
        batch.append(payment)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _insert(session: DbSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


_KEY = ("payer_bik", "payer_account", "number", "date", "amount")


def import_statement(session: DbSession, stream: BinaryIO, *, actor: Actor, file_name: str = "",
                     sha256: str = "", supplier_account: str = "", today: dt.date | None = None,
                     batch_size: int | None = None) -> ImportResult:
    """Import a statement (1C or CSV): new payments added, matched and allocated; those seen
    before skipped. Raises ``StatementError`` for a malformed file — the caller rolls back.

    ``supplier_account``: the supplier's own account; a payment *from* it (an outgoing one,
    which statements list too) is not a client's payment and is skipped.
    """
    today = today or dt.date.today()
    number = next_number(session, IMPORT_SERIES, today.year)
    batch_row = StatementImport(number=number, file_name=file_name[:300], sha256=sha256,
                                imported_by=actor.name[:200], created_at=utcnow())
    session.add(batch_row)
    session.flush()
    conn = session.connection()
    postgres = conn.dialect.name == "postgresql"
    statement = (_insert(session)(Payment).on_conflict_do_nothing(index_elements=list(_KEY))
                 .returning(Payment.id, Payment.client_id, Payment.amount))
    seen = added = matched = allocations = 0
    amount = ZERO
    now = utcnow()
    size = batch_size or (PG_BATCH if postgres else BATCH)
    for batch in _batches(iter(parse_statement(stream)), size):
        incoming = [p for p in batch
                    if not (supplier_account and p.payer_account == supplier_account)]
        seen += len(incoming)
        unique = list({p.identity: p for p in incoming}.values())
        if not unique:
            continue
        ref = _reference(session, unique)
        staged = []
        for p in unique:
            m = _match(p, ref)
            staged.append((p.payer_bik, p.payer_account, p.number, p.date, p.amount,
                           p.payer_name, p.payer_tax_id, p.purpose, p.received_on,
                           m.client_id, m.matched_by.value, m.invoice_id))
        inserted: Sequence[tuple[int, int | None, Decimal]]
        if postgres:
            inserted = bulk.copy_payments(conn, staged, import_id=batch_row.id, now=now)
        else:
            rows = [{**dict(zip(bulk.COLUMNS, row, strict=True)), "import_id": batch_row.id,
                     "allocated": ZERO, "assigned_by": "", "created_at": now}
                    for row in staged]
            inserted = [tuple(row) for row in conn.execute(statement, rows)]  # type: ignore[misc]
        added += len(inserted)
        clients = {client_id for _id, client_id, _amount in inserted if client_id is not None}
        matched += sum(1 for _id, client_id, _amount in inserted if client_id is not None)
        amount += sum((row_amount for _id, _client, row_amount in inserted), ZERO)
        allocations += allocate(session, clients)
    # Payments counted in the file but not new were imported before (or repeated in it).
    batch_row.payments = seen
    batch_row.added = added
    batch_row.matched = matched
    batch_row.unmatched = added - matched
    batch_row.amount = amount
    record(session, "payments.imported", actor=actor, object_type="payment_import",
           object_id=batch_row.id,
           details={"number": number, "file": file_name[:300], "sha256": sha256,
                    "payments": seen, "added": added, "matched": matched,
                    "amount": format(amount, "f")})
    session.flush()
    # Invoices and payments changed under the ORM's feet (Core statements): whatever the
    # caller holds must be read again.
    session.expire_all()
    return ImportResult(import_id=batch_row.id, number=number, payments=seen, added=added,
                        matched=matched, unmatched=added - matched, amount=amount,
                        allocations=allocations)


# --- the staff's queue ------------------------------------------------------------------------

def unmatched_query() -> Select[Payment]:
    """Payments matched to no client, oldest first."""
    return (select(Payment).where(Payment.client_id.is_(None))
            .order_by(Payment.date, Payment.id))


def get_payment(session: DbSession, payment_id: int, *, client_id: int | None = None
                ) -> Payment:
    row = session.get(Payment, payment_id)
    if row is None or (client_id is not None and row.client_id != client_id):
        raise NotFound(N_("No such payment."))
    return row


def assign_payment(session: DbSession, payment_id: int, *, client_id: int,
                   invoice_number: str = "", actor: Actor) -> Payment:
    """Assign an unmatched payment to a client by hand (and, optionally, to one of the
    client's invoices), then allocate it. Refused when someone assigned it meanwhile."""
    payment = get_payment(session, payment_id)
    client = session.get(Client, client_id)
    if client is None:
        raise DomainError(N_("No such client."), "client_id")
    invoice_id = None
    if invoice_number.strip():
        invoice_id = session.scalar(select(Invoice.id).where(
            Invoice.kind == DocumentKind.INVOICE, Invoice.number == invoice_number.strip(),
            Invoice.client_id == client_id, Invoice.document_id.is_not(None)))
        if invoice_id is None:
            raise DomainError(N_("The client has no invoice No. %(number)s."), "invoice_number",
                              number=invoice_number.strip()[:40])
    # The condition on client_id makes two staff members assigning at once safe: the row
    # changes once, the second finds it taken.
    changed = rows_changed(session.execute(
        update(Payment).where(Payment.id == payment.id, Payment.client_id.is_(None))
        .values(client_id=client_id, matched_by=MatchedBy.MANUAL, named_invoice_id=invoice_id,
                assigned_by=actor.name[:200]).execution_options(synchronize_session=False)))
    if changed != 1:
        raise AlreadyAssigned(N_("This payment has already been assigned to a client."))
    allocate(session, [client_id])
    record(session, "payments.assigned", actor=actor, object_type="payment",
           object_id=payment.id, details={"client_id": client_id, "invoice_id": invoice_id,
                                          "amount": format(payment.amount, "f"),
                                          "number": payment.number})
    session.flush()
    session.expire_all()
    return get_payment(session, payment_id)


# --- the client's pages -----------------------------------------------------------------------

def client_payments_query(client_id: int) -> Select[Payment]:
    """The client's payments, newest first."""
    return (select(Payment).where(Payment.client_id == client_id)
            .order_by(Payment.date.desc(), Payment.id.desc()))


@dataclass(frozen=True)
class AllocationLine:
    payment_id: int
    invoice_id: int
    invoice_number: str
    amount: Decimal


def allocations_of(session: DbSession, payment_ids: Sequence[int]
                   ) -> dict[int, list[AllocationLine]]:
    """payment id → its allocations (invoice number and amount), oldest invoice first."""
    if not payment_ids:
        return {}
    out: dict[int, list[AllocationLine]] = defaultdict(list)
    for payment_id, invoice_id, number, amount in session.execute(
            select(PaymentAllocation.payment_id, PaymentAllocation.invoice_id, Invoice.number,
                   PaymentAllocation.amount)
            .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
            .where(PaymentAllocation.payment_id.in_(list(payment_ids)))
            .order_by(Invoice.date, Invoice.id)):
        out[payment_id].append(AllocationLine(payment_id, invoice_id, number, amount))
    return dict(out)


@dataclass(frozen=True)
class MonthLine:
    year: int
    month: int
    opening: Decimal
    invoiced: Decimal
    paid: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.invoiced - self.paid


@dataclass(frozen=True)
class Balance:
    """The client's сальдо on ``as_of``: positive — the client owes (debt), negative — an
    overpayment. ``months``: how it came about, month by month (``opening`` is the balance
    before the first month shown)."""

    as_of: dt.date
    opening: Decimal
    invoiced: Decimal
    paid: Decimal
    months: tuple[MonthLine, ...]

    @property
    def balance(self) -> Decimal:
        return self.opening + self.invoiced - self.paid

    @property
    def total_invoiced(self) -> Decimal:
        return self.opening_invoiced + self.invoiced

    opening_invoiced: Decimal = ZERO
    opening_paid: Decimal = ZERO

    @property
    def total_paid(self) -> Decimal:
        return self.opening_paid + self.paid


def _live_invoices(client_id: int) -> Select[dt.date, Decimal]:
    """The client's invoices that count: issued, not replaced by a corrected one."""
    return select(Invoice.date, Invoice.total).where(
        Invoice.client_id == client_id, Invoice.kind == DocumentKind.INVOICE,
        Invoice.document_id.is_not(None), Invoice.replaced_by_id.is_(None))


def ledger(session: DbSession, client_id: int, *, until: dt.date
           ) -> list[tuple[dt.date, Decimal, Decimal]]:
    """(date, invoiced, paid) of every invoice and payment up to ``until``, by date."""
    rows = [(d, total, ZERO) for d, total in session.execute(
        _live_invoices(client_id).where(Invoice.date <= until))]
    rows += [(d, ZERO, amount) for d, amount in session.execute(
        select(Payment.date, Payment.amount).where(Payment.client_id == client_id,
                                                   Payment.date <= until))]
    return sorted(rows, key=lambda r: r[0])


def balance(session: DbSession, client_id: int, *, as_of: dt.date, months: int = 12
            ) -> Balance:
    """The client's balance on ``as_of``, with the last ``months`` months in detail."""
    first_year, first_month = as_of.year, as_of.month - (months - 1)
    while first_month < 1:
        first_month += 12
        first_year -= 1
    start = dt.date(first_year, first_month, 1)
    opening_invoiced = opening_paid = ZERO
    by_month: dict[tuple[int, int], list[Decimal]] = {}
    for day, invoiced, paid in ledger(session, client_id, until=as_of):
        if day < start:
            opening_invoiced += invoiced
            opening_paid += paid
            continue
        cell = by_month.setdefault((day.year, day.month), [ZERO, ZERO])
        cell[0] += invoiced
        cell[1] += paid
    opening = opening_invoiced - opening_paid
    lines = []
    running = opening
    year, month = first_year, first_month
    for _ in range(months):
        invoiced, paid = by_month.get((year, month), [ZERO, ZERO])
        lines.append(MonthLine(year, month, running, invoiced, paid))
        running = running + invoiced - paid
        month += 1
        if month > 12:
            month, year = 1, year + 1
    # Months before the first invoice or payment say nothing: leave them out.
    while lines and lines[0].invoiced == 0 and lines[0].paid == 0 and lines[0].opening == 0:
        lines.pop(0)
    return Balance(as_of=as_of, opening=opening,
                   invoiced=sum((m.invoiced for m in lines), ZERO),
                   paid=sum((m.paid for m in lines), ZERO), months=tuple(lines),
                   opening_invoiced=opening_invoiced, opening_paid=opening_paid)


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def advance(session: DbSession, client_id: int) -> Decimal:
    """The client's money not allocated to any invoice."""
    return session.scalar(select(func.coalesce(func.sum(Payment.amount - Payment.allocated), 0))
                          .where(Payment.client_id == client_id)) or ZERO
