"""The month-end calculation of a period: one task per client, resumable, with progress.

``start_calculation`` (``lk period calculate``, the staff's «Рассчитать») makes or reuses the
period's ``CalculationRun`` and one ``CalculationTask`` per client with an accepted act, and
returns the tasks to dispatch — one background job per client, carrying only the task's ID
(``invoicing.tasks.calculate_client``). Launching again *resumes*: a task that is done for
the client's current act is left alone; every other one (pending, failed, running on a worker
that died, or done for an act that a corrected one has since superseded) is dispatched
again. A task dispatched twice does no harm: the invoice reservations are unique per act and
kind, and the job returns at once for a task that is done.

Progress is the tasks' states (pending / running / done / failed with the reason), read by
the period board and ``lk period calculate --wait --progress``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, exists, func, insert, select, update
from sqlalchemy.orm import joinedload, lazyload

from lk_corporate.calculation.acts import accepted_acts
from lk_corporate.core.audit import Actor, record
from lk_corporate.core.db import DbSession, advisory_lock, rows_changed, utcnow
from lk_corporate.core.errors import DomainError
from lk_corporate.core.i18n import dump_params, load_params, message_text
from lk_corporate.core.uow import ASYNCHRONOUS_COMMIT
from lk_corporate.docflow.models import Document
from lk_corporate.invoicing.models import CalculationRun, CalculationTask, Invoice, TaskStatus
from lk_corporate.periods.models import BillingPeriod

__all__ = [
    "Launch",
    "Progress",
    "claim_task",
    "claim_task_and_act",
    "complete_task",
    "fail_task",
    "get_run",
    "progress",
    "stalled_tasks",
    "start_calculation",
    "unfinished_tasks",
]


@dataclass(frozen=True)
class Launch:
    run_id: int
    task_ids: tuple[int, ...]
    """The tasks to dispatch now."""
    already_done: int
    """Clients whose current act is calculated already (skipped)."""


def get_run(session: DbSession, period_id: int) -> CalculationRun | None:
    return session.scalars(select(CalculationRun)
                           .where(CalculationRun.period_id == period_id)).first()


_LAUNCH_SPACE = 0x4C4B_4341  # "LKCA": the period's launches


def _one_launch_at_a_time(session: DbSession, period_id: int) -> None:
    """The staff's button and ``lk period calculate`` pressed at once launch one after the
    other: the second finds the run and the tasks the first made, instead of failing on
    their unique keys. A lock of its own (PostgreSQL; SQLite has one writer anyway), taken
    first and by nothing else, so it joins no cycle with the rows and the audit chain."""
    advisory_lock(session, _LAUNCH_SPACE, period_id)


def start_calculation(session: DbSession, period: BillingPeriod, *, actor: Actor,
                      client_ids: Sequence[int] | None = None) -> Launch:
    """Make or resume the period's run; the tasks to dispatch (after the commit)."""
    _one_launch_at_a_time(session, period.id)
    # The task rows before the audit chain (appended to last), as a running job takes them:
    # it marks its task done, then appends its pair's entries; the other order could
    # deadlock with it.
    run = get_run(session, period.id)
    if run is None:
        run = CalculationRun(period_id=period.id, launches=0, created_at=utcnow())
        session.add(run)
        session.flush()
    run.launches += 1
    run.launched_at = utcnow()
    run.launched_by = actor.name[:200]
    acts = {a.client_id: a.id for a in accepted_acts(session, period.id, client_ids)}
    tasks = {t.client_id: t for t in session.scalars(
        select(CalculationTask).where(CalculationTask.run_id == run.id))}
    now = utcnow()
    new = [{"run_id": run.id, "client_id": client_id, "act_document_id": act_id,
            "status": TaskStatus.PENDING, "attempts": 0, "reason": "", "reason_params": "{}",
            "updated_at": now}
           for client_id, act_id in acts.items() if client_id not in tasks]
    if new:
        session.execute(insert(CalculationTask), new)
    done = 0
    for client_id, act_id in acts.items():
        task = tasks.get(client_id)
        if task is None:
            continue
        if task.status is TaskStatus.DONE and task.act_document_id == act_id:
            done += 1
            continue
        task.act_document_id = act_id
        task.status = TaskStatus.PENDING
        task.reason, task.reason_params, task.updated_at = "", "{}", now
    session.flush()
    # Filtered here, not with ``client_id IN (…)``: one bound parameter per client would
    # stop at PostgreSQL's 65 535 parameters a statement (psycopg 3 binds on the server).
    pending = tuple(task_id for task_id, client_id in session.execute(
        select(CalculationTask.id, CalculationTask.client_id)
        .where(CalculationTask.run_id == run.id, CalculationTask.status == TaskStatus.PENDING)
        .order_by(CalculationTask.id)) if client_id in acts)
    record(session, "calculation.launched", actor=actor, object_type="billing_period",
           object_id=period.id, details={"period": period.label, "run": run.id,
                                         "dispatched": len(pending), "already_done": done})
    return Launch(run.id, pending, done)


@dataclass(frozen=True)
class Claim:
    run_id: int
    act_document_id: int
    invoiced: bool = True
    """Whether the client had any invoice of the act's period (reserved or issued, of this
    act or an earlier one) when the task was claimed; True when not asked (SQLite)."""


# Built once: every client's job runs these two (a statement built per call costs more than
# the database takes to run it).
_CLAIM = (update(CalculationTask)
          .where(CalculationTask.id == bindparam("task_id"),
                 CalculationTask.status != TaskStatus.DONE)
          .values(status=TaskStatus.RUNNING, attempts=CalculationTask.attempts + 1,
                  updated_at=bindparam("now"))
          .returning(CalculationTask.run_id, CalculationTask.act_document_id))
_COMPLETE = (update(CalculationTask).where(CalculationTask.id == bindparam("task_id"))
             .values(status=TaskStatus.DONE, reason="", reason_params="{}",
                     updated_at=bindparam("now"), finished_at=bindparam("now")))
COMPLETED = _COMPLETE.returning(CalculationTask.id).cte("completed")
""":func:`complete_task` as a CTE, for a statement that marks the task done and does what
else the job's last transaction starts with (PostgreSQL: ``invoicing.operations``' lock
on the reservations); its parameters: ``task_id``, ``now``."""


def claim_task(session: DbSession, task_id: int) -> Claim | None:
    """Mark the task running (one more attempt); None when it is done already or gone."""
    row = session.connection().execute(_CLAIM, {"task_id": task_id, "now": utcnow()}).first()
    return None if row is None else Claim(row[0], row[1])


# The act with its client, period and revisions (the job reads them all), in one query.
_ACT = (select(Document).where(Document.id == bindparam("act_id"))
        .options(lazyload(Document.supersedes), joinedload(Document.revisions)))
# On PostgreSQL the claim and the act in one statement (the UPDATE as a CTE runs exactly
# once): every client's job starts with this, and a round trip costs the worker and the
# server more than either statement does. SQLite has no UPDATE inside WITH.
_CLAIMED = _CLAIM.cte("claimed")
# It also asks whether the client has an invoice of the period yet: nearly every client has
# none when its job starts, and then ``invoicing.operations.prepare_invoices`` need not look.
_INVOICED = (exists().where(Invoice.client_id == Document.client_id,
                            Invoice.period_id == Document.period_id).label("invoiced"))
_CLAIM_WITH_ACT = (select(Document, _CLAIMED.c.run_id, _INVOICED)
                   .join(_CLAIMED, Document.id == _CLAIMED.c.act_document_id)
                   .options(lazyload(Document.supersedes), joinedload(Document.revisions)))
_CLAIM_WITH_ACT_ASYNCHRONOUS = _CLAIM_WITH_ACT.add_columns(ASYNCHRONOUS_COMMIT)


def claim_task_and_act(session: DbSession, task_id: int, *, asynchronous_commit: bool = False
                       ) -> tuple[Claim, Document] | None:
    """:func:`claim_task`, and the task's act loaded with its client, period and revisions;
    None when the task is done already or gone. (Its act cannot be gone: the task's foreign
    key keeps it.)

    ``asynchronous_commit``: the transaction will commit without waiting for the disk
    (``core.uow.commit_without_waiting_for_the_disk``, whose conditions the caller meets),
    said in the same statement (PostgreSQL; SQLite has nothing to say it to)."""
    params = {"task_id": task_id, "now": utcnow()}
    if session.get_bind().dialect.name == "postgresql":
        statement = _CLAIM_WITH_ACT_ASYNCHRONOUS if asynchronous_commit else _CLAIM_WITH_ACT
        row = session.execute(statement, params).unique().first()
        return None if row is None else (Claim(row[1], row[0].id, row[2]), row[0])
    claim = claim_task(session, task_id)
    if claim is None:
        return None
    return claim, session.scalars(_ACT, {"act_id": claim.act_document_id}).unique().one()


def complete_task(session: DbSession, task_id: int) -> None:
    session.connection().execute(_COMPLETE, completion_params(task_id))


def completion_params(task_id: int) -> dict[str, Any]:
    """The parameters of :func:`complete_task`'s statement (and of :data:`COMPLETED`)."""
    return {"task_id": task_id, "now": utcnow()}


def fail_task(session: DbSession, task_id: int, error: BaseException) -> bool:
    """Record why the task failed: a ``DomainError``'s msgid and parameters (translated when
    shown), anything else by its class and text. False when the task is done already (a
    duplicate that lost the race must not mark it failed)."""
    if isinstance(error, DomainError):
        # With their types (core.i18n.dump_params): a term or an amount in the reason is
        # written in the language of whoever reads it, not frozen as text now.
        reason, params = error.message, dict(error.params)
    else:
        reason, params = "%(error)s", {"error": f"{type(error).__name__}: {error}"[:500]}
    now = utcnow()
    changed = session.execute(update(CalculationTask).where(
        CalculationTask.id == task_id, CalculationTask.status != TaskStatus.DONE).values(
        status=TaskStatus.FAILED, reason=reason, reason_params=dump_params(params),
        updated_at=now, finished_at=now))
    return rows_changed(changed) > 0


@dataclass(frozen=True)
class Failure:
    client_id: int
    reason: str
    params: dict[str, Any]
    attempts: int

    def text(self, locale: str | None = None) -> str:
        """The reason in words: the reader's language, or ``locale``'s."""
        return message_text(self.reason, self.params, locale=locale)


STALL = dt.timedelta(minutes=10)
"""A run none of whose tasks has moved for this long has lost its unfinished jobs (a healthy
batch moves many times a second, one slow client takes seconds)."""


@dataclass(frozen=True)
class Progress:
    run: CalculationRun | None
    counts: dict[str, int] = field(default_factory=dict)
    failures: tuple[Failure, ...] = ()
    """The first failures (``progress(failures=...)``); ``count(FAILED)`` says how many."""
    last_movement: dt.datetime | None = None
    """When a task of the run last changed (taken, done, failed, dispatched again)."""

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count(self, status: TaskStatus) -> int:
        return self.counts.get(status.value, 0)

    @property
    def unfinished(self) -> int:
        return self.count(TaskStatus.PENDING) + self.count(TaskStatus.RUNNING)

    def idle(self, now: dt.datetime) -> dt.timedelta | None:
        """How long no task has moved (None before the run has a task)."""
        return None if self.last_movement is None else now - self.last_movement

    def stalled(self, now: dt.datetime, idle: dt.timedelta = STALL) -> bool:
        """Unfinished, and nothing has moved for ``idle``: the jobs were lost (the beat job
        ``lk.resume_stalled_calculations`` dispatches them again; so does launching again)."""
        still = self.idle(now)
        return bool(self.unfinished and still is not None and still >= idle)

    def line(self) -> str:
        """``done 9 / failed 1 / pending 90`` (running ones count as pending)."""
        return (f"done {self.count(TaskStatus.DONE)} / failed {self.count(TaskStatus.FAILED)} "
                f"/ pending {self.unfinished}")


# A task still to finish: dispatched and not taken yet, or taken by a worker.
_UNFINISHED = CalculationTask.status.in_((TaskStatus.PENDING, TaskStatus.RUNNING))


def unfinished_tasks(session: DbSession, run_id: int) -> tuple[int, ...]:
    """The run's tasks that are pending or running: those to dispatch again when the batch
    has stopped moving (their messages lost, or the workers that held them gone)."""
    return tuple(session.scalars(
        select(CalculationTask.id)
        .where(CalculationTask.run_id == run_id,
               _UNFINISHED)
        .order_by(CalculationTask.id)))


def stalled_tasks(session: DbSession, *, idle: dt.timedelta) -> tuple[int, ...]:
    """The unfinished tasks of every run in which no task has moved for ``idle``: their
    jobs were lost (a message dropped with a broker that restarted, a job that failed before
    its own code could record anything), so nothing will finish them. Each is touched, so
    that it counts as moved now and is not found again before another ``idle`` passes;
    the caller dispatches them after the commit (a job dispatched twice does no harm)."""
    now = utcnow()
    runs = list(session.scalars(
        select(CalculationTask.run_id).group_by(CalculationTask.run_id)
        .having(func.max(CalculationTask.updated_at) < now - idle,
                func.count().filter(_UNFINISHED) > 0)))
    found = tuple(task_id for run_id in runs for task_id in unfinished_tasks(session, run_id))
    if found:  # by run, not by ID: a run has as many tasks as the supplier has clients
        session.execute(update(CalculationTask).where(
            CalculationTask.run_id.in_(runs),
            _UNFINISHED)
            .values(updated_at=now))
    return found


def progress(session: DbSession, period_id: int, *, failures: int = 100) -> Progress:
    """The run's tasks by state (counted by the database: ``lk period calculate --wait``
    asks every half second at first, then every two) and the first ``failures`` failures
    with their reasons."""
    run = get_run(session, period_id)
    if run is None:
        return Progress(None)
    counts: dict[str, int] = {}
    moved: list[dt.datetime] = []
    for status, n, last in session.execute(
            select(CalculationTask.status, func.count(), func.max(CalculationTask.updated_at))
            .where(CalculationTask.run_id == run.id).group_by(CalculationTask.status)):
        counts[status.value] = n
        moved.append(last)
    found = []
    if counts.get(TaskStatus.FAILED.value):
        for client_id, reason, params, attempts in session.execute(
                select(CalculationTask.client_id, CalculationTask.reason,
                       CalculationTask.reason_params, CalculationTask.attempts)
                .where(CalculationTask.run_id == run.id,
                       CalculationTask.status == TaskStatus.FAILED)
                .order_by(CalculationTask.client_id).limit(failures)):
            found.append(Failure(client_id, reason, load_params(params), attempts))
    return Progress(run, counts, tuple(found), max(moved, default=None))


def record_calculated(session: DbSession, period: BillingPeriod, *, actor: Actor) -> int:
    """Record in the period's run, as done, the accepted acts whose invoices were issued
    outside a run (the demo's history, calculated while it is seeded), so that the period
    board says what happened instead of «not calculated yet» beside issued invoices.
    Returns how many tasks were recorded."""
    launch = start_calculation(session, period, actor=actor)
    invoiced = set(session.scalars(select(Invoice.act_document_id)
                                   .where(Invoice.period_id == period.id)))
    recorded = 0
    for task_id in launch.task_ids:
        task = session.get(CalculationTask, task_id)
        if task is not None and task.act_document_id in invoiced:
            claim_task(session, task_id)
            complete_task(session, task_id)
            recorded += 1
    session.expire_all()
    return recorded
