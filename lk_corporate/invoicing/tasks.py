"""The month-end jobs: one per client (``lk.calculate_client``, the task's ID only), the
resumption of a run whose jobs were lost (``lk.resume_stalled_calculations``) and the
completion of signatures made while the TSA was down (``lk.upgrade_invoice_signatures``).

A client's job holds no transaction while it renders and signs: a short one reserves the
invoice pair (``invoicing.operations.prepare_invoices``) and marks the task running, the
signing runs outside, a second short one stores the pair and marks the task done. If the
database goes away under it (restarted, the connection killed) the job starts over after a
pause, a few times: every step is idempotent, so starting over finishes the client without
duplicating or skipping anything. If the worker process itself dies, the broker hands the
message to another worker (late acknowledgement) and ``lk period calculate`` run again
dispatches whatever is not done.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import DBAPIError

from lk_corporate.calculation.engine import CalculationError
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, DomainError
from lk_corporate.core.extensions import db
from lk_corporate.core.jobs import dispatch_many, job
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import is_transient, unit_of_work
from lk_corporate.docflow.models import Document
from lk_corporate.invoicing import runs
from lk_corporate.invoicing.operations import (
    Draft,
    Reference,
    load_reference,
    prepare_invoices,
    record_invoices,
    settle_issued,
    sign_invoices,
    upgrade_signatures,
)
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.signatures.supplier import SupplierKey, SupplierKeyMissing

log = logging.getLogger(__name__)

ACTOR = Actor.system("calculation")
# Pauses before starting over after losing the database: about half a minute in all, long
# enough for PostgreSQL to restart, short enough that a dead database fails the task visibly.
RETRY_PAUSES = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0)


def _lost_database(exc: BaseException) -> bool:
    """The connection broke or a concurrent transaction won: starting over resolves it."""
    return isinstance(exc, DBAPIError) and (exc.connection_invalidated or is_transient(exc)
                                            or type(exc.orig).__name__ in (
                                                "OperationalError", "InterfaceError"))


# The supplier and the tariffs, read once per worker and period and reused for this long:
# two fewer queries per client. An edit during a batch reaches the clients calculated from
# then on, as it would without the cache a moment later. A client is never refused on what
# the cache says, though: a tariff the staff added after a client failed for want of it must
# count when they press «Рассчитать» again at once (``_prepare``).
REFERENCE_SECONDS = 30.0
_references: dict[int, tuple[float, Reference]] = {}


def forget_references() -> None:
    """Drop the cached supplier and tariffs (the tests' databases start empty, and their
    periods' IDs recur)."""
    _references.clear()


def _reference(session: DbSession, period: BillingPeriod, *, fresh: bool = False) -> Reference:
    now = time.monotonic()
    hit = _references.get(period.id)
    if not fresh and hit is not None and now - hit[0] < REFERENCE_SECONDS:
        return hit[1]
    reference = load_reference(session, period)
    _references[period.id] = (now, reference)
    return reference


def _prepare(session: DbSession, store: FileStore, act: Document, period: BillingPeriod,
             settings: InvoicingSettings, claim: runs.Claim) -> Draft:
    """``prepare_invoices`` with the cached reference; refused, once more with the reference
    read now (a refusal writes nothing, so trying again is safe)."""
    cached = _reference(session, period)
    try:
        return prepare_invoices(session, store, act, settings=settings, run_id=claim.run_id,
                                reference=cached, invoiced=claim.invoiced)
    except CalculationError:
        fresh = _reference(session, period, fresh=True)
        if fresh == cached:
            raise
        return prepare_invoices(session, store, act, settings=settings, run_id=claim.run_id,
                                reference=fresh, invoiced=claim.invoiced)


def _calculate_once(task_id: int, store: FileStore, settings: InvoicingSettings,
                    key: SupplierKey) -> None:
    with unit_of_work() as session:
        # The transaction commits without waiting for the disk (said in the claim's own
        # statement): what it holds — the task running, the pair's numbers and amounts, or
        # the task done when the pair was issued already — only this job uses, and its
        # second transaction commits normally; a crash between the two loses both, the
        # numbers go back to the counter, and the job starts over (``core.uow``). The
        # counter rows, which every job numbering its pair waits for, are free sooner.
        claimed = runs.claim_task_and_act(session, task_id, asynchronous_commit=True)
        if claimed is None:
            return
        claim, act = claimed
        if act.period is None:
            raise CalculationError(N_("The reading act %(number)s belongs to no period."),
                                   number=act.number)
        draft = _prepare(session, store, act, act.period, settings, claim)
        if draft.issued:
            runs.complete_task(session, task_id)
            return
    # Rendering, signing, the TSA and writing the files: outside any transaction.
    signed = sign_invoices(draft, key, store=store)
    with unit_of_work() as session:
        # The task first (``completing``): recording appends to the audit chain, whose lock
        # the transaction then holds until its commit (and ``runs.start_calculation`` takes
        # the task rows before the chain too, so the two cannot deadlock).
        pair = record_invoices(session, store, draft, signed, actor=ACTOR, completing=task_id)
    if pair.settle:
        with unit_of_work() as session:
            settle_issued(session, draft.client_id, replaced=pair.replaced)


def _fail(task_id: int, error: BaseException) -> None:
    try:
        with unit_of_work() as session:
            runs.fail_task(session, task_id, error)
    except DBAPIError:
        log.exception("calculation task %s: cannot record the failure", task_id)


@job("lk.calculate_client")
def calculate_client(task_id: int) -> None:
    """Calculate one client's act of a run and issue its invoice and tax invoice."""
    config = current_app.config
    store = FileStore(Path(config["LK_STORAGE_DIR"]))
    settings = InvoicingSettings.from_config(config)
    for pause in (*RETRY_PAUSES, None):
        try:
            key = SupplierKey.from_config(config)
            _calculate_once(task_id, store, settings, key)
            return
        except (CalculationError, DomainError, SupplierKeyMissing) as exc:
            _fail(task_id, exc)
            return
        except DBAPIError as exc:
            db.session.remove()
            if pause is None or not _lost_database(exc):
                _fail(task_id, exc)
                raise
            log.warning("calculation task %s: database unavailable (%s); again in %ss",
                        task_id, type(exc.orig).__name__, pause)
            time.sleep(pause)
        except Exception as exc:
            _fail(task_id, exc)
            raise


@job("lk.resume_stalled_calculations")
def resume_stalled_calculations() -> int:
    """Dispatch again the unfinished clients of a month-end run that has stopped moving
    (Celery beat), so that a batch launched from the staff's button finishes without
    anyone launching it again. Returns how many."""
    with unit_of_work() as session:
        task_ids = runs.stalled_tasks(session, idle=runs.STALL)
    if task_ids:
        log.warning("month-end: %d unfinished clients of a stalled run dispatched again",
                    len(task_ids))
        dispatch_many("lk.calculate_client", ((task_id,) for task_id in task_ids))
    return len(task_ids)


@job("lk.upgrade_invoice_signatures")
def upgrade_invoice_signatures() -> None:
    """Complete the signatures the TSA outage left at B-B (Celery beat; ``lk period
    upgrade-signatures``)."""
    config = current_app.config
    store = FileStore(Path(config["LK_STORAGE_DIR"]))
    key = SupplierKey.from_config(config)
    while True:
        with unit_of_work() as session:
            done, pending = upgrade_signatures(session, store, key, actor=ACTOR)
        if not done or not pending:
            return
