"""``lk period calculate YYYY-MM [--wait] [--progress]`` and ``lk period upgrade-signatures``.

``calculate`` starts (or resumes) the month-end calculation of a period: one background job
per client with an accepted act (Celery workers with ``LK_CELERY_BROKER_URL``, else the
in-process pool of this command, which then always waits). Waiting, it dispatches the
unfinished clients again if nothing moves for ``--stall`` seconds (lost jobs).

Exit codes: 0 — dispatched (or, waiting, every client done); 1 — waiting, some clients
failed (each is printed with its reason) or ``--timeout`` passed first (run the command
again to resume); 2 — no such period or a malformed one.
"""

from __future__ import annotations

import re
import time

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from lk_corporate.clients.models import Client
from lk_corporate.core import jobs
from lk_corporate.core.audit import Actor
from lk_corporate.core.extensions import db
from lk_corporate.core.uow import unit_of_work
from lk_corporate.invoicing import runs
from lk_corporate.periods.models import BillingPeriod

period = click.Group("period", help="Billing periods: the month-end calculation.")

ACTOR = Actor.system("lk period calculate")
# Waiting, the progress is asked for often at first (a few clients are done in seconds),
# then every two seconds: each question counts the run's tasks, 10 000 rows at month end,
# and a person watching needs no more.
FIRST_POLL, LAST_POLL = 0.5, 2.0
# A batch whose counts have not moved for this long has lost jobs: a message dropped with a
# broker that restarted, or a job that failed before its own code could record anything
# (the worker could not build the app). Waiting would never end, so the unfinished clients
# are dispatched again, as running the command again would do; a job dispatched twice does
# no harm (``runs``). A healthy batch moves many times a second; one slow client takes
# seconds.
STALL_SECONDS = 300.0


def _period(text: str) -> BillingPeriod:
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise click.UsageError(f"the period is YYYY-MM, e.g. 2026-10 (got {text!r})")
    year, month = int(match.group(1)), int(match.group(2))
    found = db.session.scalars(select(BillingPeriod).where(BillingPeriod.year == year,
                                                           BillingPeriod.month == month)).first()
    if found is None:
        raise click.UsageError(f"no billing period {month:02d}.{year}")
    return found


def _failures(period_id: int) -> list[str]:
    p = runs.progress(db.session, period_id, failures=10_000)
    names = dict(db.session.execute(select(Client.id, Client.contract_number).where(
        Client.id.in_([f.client_id for f in p.failures]))).all())
    return [f"  contract {names.get(f.client_id, f.client_id)}: {f.text(locale='en')}"
            for f in p.failures]


@period.command("calculate")
@click.argument("month", metavar="YYYY-MM")
@click.option("--wait", is_flag=True, help="Wait until every client is done or failed.")
@click.option("--progress", "show_progress", is_flag=True,
              help="Print done / failed / pending while waiting (implies --wait).")
@click.option("--timeout", type=float, default=None,
              help="Stop waiting after this many seconds (exit 1; run again to resume).")
@click.option("--stall", type=click.FloatRange(min=1), default=STALL_SECONDS,
              show_default=True,
              help="Waiting, dispatch the unfinished clients again when nothing has moved "
                   "for this many seconds (lost jobs).")
def calculate(month: str, wait: bool, show_progress: bool, timeout: float | None,
              stall: float) -> None:
    """Calculate the period's accepted reading acts and issue the signed invoices and tax
    invoices: one job per client; running it again resumes what is not done."""
    target = _period(month)
    period_id, label = target.id, target.label
    with unit_of_work() as session:
        launch = runs.start_calculation(session, target, actor=ACTOR)
    jobs.dispatch_many("lk.calculate_client", ((task_id,) for task_id in launch.task_ids))
    click.echo(f"period {label}: {len(launch.task_ids)} clients dispatched, "
               f"{launch.already_done} already done (run {launch.run_id})")
    in_process = not current_app.config.get("LK_CELERY_BROKER_URL")
    if not (wait or show_progress or in_process):
        return
    deadline = None if timeout is None else time.monotonic() + timeout
    last = ""
    moved = time.monotonic()
    pause = FIRST_POLL
    while True:
        db.session.remove()
        try:
            with unit_of_work(write=False) as session:
                state = runs.progress(session, period_id)
        except DBAPIError as exc:  # the database restarting: the jobs retry, so do we
            click.echo(f"database unavailable ({type(exc.orig).__name__}); waiting", err=True)
            time.sleep(1.0)
            continue
        line = state.line()
        if line != last:
            if show_progress:
                click.echo(line)
            last, moved = line, time.monotonic()
        if state.unfinished == 0:
            break
        if time.monotonic() - moved > stall and state.run is not None:
            _dispatch_again(state.run.id, stall)
            moved = time.monotonic()
        if deadline is not None and time.monotonic() > deadline:
            click.echo(f"timed out: {line}; run `lk period calculate {month}` again to resume",
                       err=True)
            raise SystemExit(1)
        time.sleep(pause)
        pause = min(pause * 1.25, LAST_POLL)
    if in_process:
        jobs.wait_idle(current_app, timeout=60)
    click.echo(f"finished: {line}")
    failures = _failures(period_id)
    if failures:
        click.echo("failed:\n" + "\n".join(failures), err=True)
        raise SystemExit(1)


def _dispatch_again(run_id: int, stall: float) -> None:
    with unit_of_work(write=False) as session:
        task_ids = runs.unfinished_tasks(session, run_id)
    jobs.dispatch_many("lk.calculate_client", ((task_id,) for task_id in task_ids))
    click.echo(f"nothing moved for {stall:.0f} s: {len(task_ids)} unfinished clients "
               f"dispatched again", err=True)


@period.command("upgrade-signatures")
def upgrade_signatures_command() -> None:
    """Complete the supplier signatures made at B-B while the TSA was down (exit 1 while
    some are still pending)."""
    from lk_corporate.invoicing.tasks import upgrade_invoice_signatures

    upgrade_invoice_signatures()
    from lk_corporate.invoicing.models import Invoice

    pending = len(db.session.scalars(select(Invoice.id).where(
        Invoice.upgrade_pending.is_(True))).all())
    click.echo(f"signatures still pending an upgrade: {pending}")
    if pending:
        raise SystemExit(1)
