"""What the period board shows about the month-end: each client's reading act (accepted,
pending, rejected or missing), the calculation's progress and its failures with reasons.

Read through the ``Document`` table only (the reading acts are docflow documents), so the
board does not depend on the readings packages. Built for thousands of clients: the summary
is counted in SQL, and the client list is paged and filtered in SQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select

from lk_corporate.clients.models import Client
from lk_corporate.core.db import DbSession
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.invoicing.models import CalculationTask, Invoice, TaskStatus
from lk_corporate.invoicing.runs import Progress, get_run, progress
from lk_corporate.periods.models import BillingPeriod

__all__ = ["ACT_STATES", "Board", "ClientRow", "act_state", "period_board"]

# The board's words for where a client's act is (the newest act of the period).
ACT_STATES = ("accepted", "pending", "rejected", "missing")
_PENDING = (DocumentStatus.AWAITING_SIGNATURE, DocumentStatus.SIGNED, DocumentStatus.SENT,
            DocumentStatus.RECEIVED)
FILTERS = ("all", *ACT_STATES, "failed")
PER_PAGE = 50


def act_state(status: DocumentStatus | None) -> str:
    if status is None:
        return "missing"
    if status is DocumentStatus.ACCEPTED:
        return "accepted"
    if status is DocumentStatus.REJECTED:
        return "rejected"
    return "pending"


@dataclass(frozen=True)
class ClientRow:
    client_id: int
    name: str
    contract_number: str
    act_number: str | None
    act_state: str
    task: CalculationTask | None
    invoices: tuple[Invoice, ...]


@dataclass(frozen=True)
class Board:
    period: BillingPeriod
    acts: dict[str, int]
    """Clients by the state of their act (``ACT_STATES``)."""
    progress: Progress
    rows: tuple[ClientRow, ...]
    total_rows: int
    page: int
    pages: int
    show: str
    failure_names: dict[int, str] = field(default_factory=dict)

    @property
    def clients(self) -> int:
        return sum(self.acts.values())


def _newest_acts(period_id: int) -> Select[int, DocumentStatus, str]:
    newest = (select(func.max(Document.id))
              .where(Document.kind == DocumentKind.READING_ACT, Document.period_id == period_id)
              .group_by(Document.client_id))
    return select(Document.client_id, Document.status, Document.number).where(
        Document.id.in_(newest))


def period_board(session: DbSession, period: BillingPeriod, *, page: int = 1,
                 show: str = "all") -> Board:
    show = show if show in FILTERS else "all"
    acts = _newest_acts(period.id).subquery()
    # IN (a subquery), not a correlated EXISTS: the database hashes the act list once
    # instead of probing it for each of thousands of clients.
    with_act = select(acts.c.client_id)
    counts: Counter[str] = Counter()
    for status, n in session.execute(
            select(acts.c.status, func.count()).group_by(acts.c.status)):
        counts[act_state(status)] += n
    counts["missing"] = session.scalar(
        select(func.count(Client.id)).where(Client.is_active.is_(True),
                                            Client.id.not_in(with_act))) or 0

    query = select(Client.id).order_by(Client.name, Client.id)
    if show == "missing":
        query = query.where(Client.is_active.is_(True), Client.id.not_in(with_act))
    elif show in ("accepted", "pending", "rejected"):
        wanted = {"accepted": (DocumentStatus.ACCEPTED,), "rejected": (DocumentStatus.REJECTED,),
                  "pending": _PENDING}[show]
        query = query.where(Client.id.in_(with_act.where(acts.c.status.in_(wanted))))
    elif show == "failed":
        run = get_run(session, period.id)
        query = query.where(Client.id.in_(select(CalculationTask.client_id).where(
            CalculationTask.run_id == (run.id if run else -1),
            CalculationTask.status == TaskStatus.FAILED)))
    else:
        query = query.where(Client.is_active.is_(True) | Client.id.in_(with_act))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(page, 1), pages)
    ids = list(session.scalars(query.limit(PER_PAGE).offset((page - 1) * PER_PAGE)))

    state = progress(session, period.id)
    clients = {c.id: c for c in session.scalars(select(Client).where(Client.id.in_(ids)))}
    act_rows = {r.client_id: r for r in session.execute(
        _newest_acts(period.id).where(Document.client_id.in_(ids)))}
    tasks = {t.client_id: t for t in session.scalars(select(CalculationTask).where(
        CalculationTask.run_id == (state.run.id if state.run else -1),
        CalculationTask.client_id.in_(ids)))}
    invoices: dict[int, list[Invoice]] = {}
    for inv in session.scalars(select(Invoice).where(
            Invoice.period_id == period.id, Invoice.client_id.in_(ids),
            Invoice.document_id.is_not(None)).order_by(Invoice.id)):
        invoices.setdefault(inv.client_id, []).append(inv)
    rows = tuple(ClientRow(
        client_id=cid, name=clients[cid].display_name, contract_number=clients[cid].contract_number,
        act_number=act_rows[cid].number if cid in act_rows else None,
        act_state=act_state(act_rows[cid].status if cid in act_rows else None),
        task=tasks.get(cid), invoices=tuple(invoices.get(cid, ())))
        for cid in ids)
    failure_ids = [f.client_id for f in state.failures[:20]]
    names = dict(session.execute(select(Client.id, Client.short_name).where(
        Client.id.in_(failure_ids))).all()) if failure_ids else {}
    return Board(period, {s: counts.get(s, 0) for s in ACT_STATES}, state, rows, total, page,
                 pages, show, names)
