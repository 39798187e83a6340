"""The month-end batch: ``lk period calculate`` through the real console script, resumable and
idempotent under concurrency and faults — two workers on one act, many at once on the
numbers, the TSA down (B-B, upgraded later), a Celery worker killed with SIGKILL mid-batch,
the database connections cut mid-batch. Nothing lost, nothing duplicated, no number skipped.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select, text

from lk_corporate.core.audit import Actor, verify_chain
from lk_corporate.core.extensions import db
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document, DocumentKind
from lk_corporate.invoicing.models import CalculationTask, Invoice, TaskStatus
from lk_corporate.invoicing.operations import issue_invoices_for_act
from tests.invoicing.conftest import TODAY
from tests.support.month import CLIENT_NET, CLIENT_TOTAL, CLIENT_VAT, seed_month

LK = str(Path(sys.executable).parent / "lk")
CELERY = str(Path(sys.executable).parent / "celery")
ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("LK_TEST_REDIS_URL", "redis://127.0.0.1:6379/12")


@pytest.fixture()
def month(session: Any, store: FileStore, demo_pki: Any) -> Any:
    """Six clients with three meters and an accepted, client-signed act each."""
    return seed_month(db.session, store, clients=6, signer=demo_pki.client, processes=1)


def _env(app: Any, demo_pki: Any, **extra: str) -> dict[str, str]:
    config = app.config
    env = {**os.environ,
           "LK_DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
           "LK_SECRET_KEY": "batch-test", "LK_STORAGE_DIR": config["LK_STORAGE_DIR"],
           "LK_PKI_DIR": str(demo_pki.directory), "LK_TSA_URL": demo_pki.tsa_url,
           "LK_TRUST_ROOTS": str(demo_pki.root_pem),
           "LK_SUPPLIER_P12": str(demo_pki.supplier.p12),
           "LK_SUPPLIER_P12_PASSWORD_FILE": str(demo_pki.supplier.password_file),
           "LK_CELERY_BROKER_URL": "", "LK_MAIL_BACKEND": "file",
           "LK_MAIL_DIR": config["LK_MAIL_DIR"]}
    env.update(extra)
    return env


def _lk(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([LK, *args], env=env, capture_output=True, text=True, timeout=timeout,
                          cwd=ROOT)


def _at_once(target: Any, threads: int, *, timeout: float) -> None:
    """Run ``target`` on ``threads`` threads at once and wait for them all."""
    started = [threading.Thread(target=target) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join(timeout=timeout)


def _check_complete(clients: int) -> None:
    """Every client done once: one pair each, numbers 1..N per kind, amounts by hand."""
    db.session.expire_all()
    tasks = db.session.scalars(select(CalculationTask)).all()
    assert len(tasks) == clients and {t.status for t in tasks} == {TaskStatus.DONE}
    for kind in (DocumentKind.INVOICE, DocumentKind.TAX_INVOICE):
        rows = db.session.scalars(select(Invoice).where(Invoice.kind == kind)).all()
        assert sorted(int(r.number.split("-")[1]) for r in rows) == list(range(1, clients + 1))
        assert len({r.act_document_id for r in rows}) == clients
        assert all(r.document_id is not None for r in rows)
        assert all((r.net, r.vat, r.total) == (CLIENT_NET, CLIENT_VAT, CLIENT_TOTAL)
                   for r in rows)
        documents = db.session.scalar(select(func.count(Document.id)).where(Document.kind == kind))
        assert documents == clients
    assert verify_chain(db.session).intact


def test_lk_period_calculate_waits_prints_progress_and_resumes(clean_app, month, demo_pki,
                                                               pki_services):
    env = _env(clean_app, demo_pki)
    result = _lk(env, "period", "calculate", "2026-10", "--wait", "--progress")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("period 10.2026: 6 clients dispatched, 0 already done")
    assert "finished: done 6 / failed 0 / pending 0" in result.stdout
    _check_complete(6)
    again = _lk(env, "period", "calculate", "2026-10", "--wait")
    assert again.returncode == 0 and "0 clients dispatched, 6 already done" in again.stdout
    _check_complete(6)
    bad = _lk(env, "period", "calculate", "2026-13")
    assert bad.returncode == 2 and "YYYY-MM" in bad.stderr
    missing = _lk(env, "period", "calculate", "2031-01")
    assert missing.returncode == 2 and "no billing period 01.2031" in missing.stderr


def test_an_advance_pays_the_new_invoice_when_the_batch_issues_it(clean_app, month, demo_pki,
                                                                  pki_services):
    """A client paid 70 000.00 ahead (no invoice yet: all of it an advance). The batch issues
    its October invoice (59 531.62): the advance pays it in full at once, 10 468.38 stays an
    advance; a client who paid nothing owes the whole invoice."""
    import datetime as dt
    import io
    from decimal import Decimal

    from lk_corporate.clients.models import Client
    from lk_corporate.payments.models import Payment, PaymentAllocation
    from lk_corporate.payments.operations import advance, import_statement
    from tests.payments.statements import Order, one_c

    payer = db.session.get(Client, month.client_ids[0])
    orders = [Order("901", dt.date(2026, 10, 20), Decimal("70000.00"), payer.tax_id,
                    f"Аванс по договору № {payer.contract_number}")]
    result = import_statement(db.session, io.BytesIO(one_c(orders)),
                              actor=Actor.system("test"))
    db.session.commit()
    assert (result.added, result.matched, result.allocations) == (1, 1, 0)

    done = _lk(_env(clean_app, demo_pki), "period", "calculate", "2026-10", "--wait")
    assert done.returncode == 0, done.stdout + done.stderr
    db.session.expire_all()
    invoices = {i.client_id: i for i in db.session.scalars(
        select(Invoice).where(Invoice.kind == DocumentKind.INVOICE))}
    assert invoices[payer.id].paid == CLIENT_TOTAL and invoices[payer.id].remaining == 0
    assert advance(db.session, payer.id) == Decimal("70000.00") - CLIENT_TOTAL
    other = invoices[month.client_ids[1]]
    assert other.paid == 0 and other.remaining == CLIENT_TOTAL
    [allocation] = db.session.scalars(select(PaymentAllocation)).all()
    assert (allocation.invoice_id, allocation.amount) == (invoices[payer.id].id, CLIENT_TOTAL)
    assert db.session.scalar(select(Payment.allocated)) == CLIENT_TOTAL


def test_the_pair_says_whether_the_settling_step_has_anything_to_do(
        clean_app, month, store, supplier_key, settings):
    """Step 3 asks the payments package (``invoicing.signals.settlement_due``) in the pair's
    own transaction; the month-end job runs step 4 only when told to: for the client with
    an advance, not for the one without."""
    import datetime as dt
    import io
    from decimal import Decimal

    from lk_corporate.clients.models import Client
    from lk_corporate.invoicing.operations import prepare_invoices, record_invoices, sign_invoices
    from lk_corporate.payments.operations import import_statement
    from tests.payments.statements import Order, one_c

    payer = db.session.get(Client, month.client_ids[0])
    import_statement(db.session, io.BytesIO(one_c([Order(
        "902", dt.date(2026, 10, 20), Decimal("100.00"), payer.tax_id,
        f"Аванс по договору № {payer.contract_number}")])), actor=Actor.system("test"))
    db.session.commit()
    settle = {}
    for act_id in month.act_ids[:2]:
        with unit_of_work() as s:
            draft = prepare_invoices(s, store, s.get(Document, act_id), settings=settings,
                                     today=TODAY)
        signed = sign_invoices(draft, supplier_key, store=store)
        with unit_of_work() as s:
            settle[draft.client_id] = record_invoices(s, store, draft, signed,
                                                      actor=Actor.system("w")).settle
    assert settle == {month.client_ids[0]: True, month.client_ids[1]: False}


def test_a_failing_client_is_reported_with_its_reason_and_exit_1(clean_app, month, demo_pki,
                                                                 pki_services):
    from lk_corporate.clients.models import Meter

    meter = db.session.scalars(select(Meter).where(Meter.client_id == month.client_ids[0])
                               .order_by(Meter.id)).first()
    meter.ct_ratio = meter.ct_ratio * 2
    db.session.commit()
    result = _lk(_env(clean_app, demo_pki), "period", "calculate", "2026-10", "--wait")
    assert result.returncode == 1
    assert "finished: done 5 / failed 1 / pending 0" in result.stdout
    assert "transformer ratios" in result.stderr and f"M-{month.client_ids[0]}" in result.stderr


def test_the_same_act_calculated_by_two_workers_at_once_gives_one_pair(
        clean_app, month, store, supplier_key, settings):
    act_id = month.act_ids[0]
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def worker() -> None:
        with clean_app.app_context():
            barrier.wait()
            for _ in range(5):  # a transaction that lost a race is run again, as a job would
                try:
                    with unit_of_work() as s:
                        pair = issue_invoices_for_act(
                            s, store, s.get(Document, act_id), actor=Actor.system("w"),
                            supplier_key=supplier_key, settings=settings, today=TODAY)
                        results.append((pair.invoice.number, pair.tax_invoice.number,
                                        pair.created))
                    return
                except sa.exc.DBAPIError:
                    db.session.remove()
            db.session.remove()

    _at_once(worker, 2, timeout=120)
    assert sorted(r[:2] for r in results) == [("2026-000001", "2026-000001")] * 2
    assert sorted(r[2] for r in results) == [False, True]  # one created it, one found it
    assert db.session.scalar(select(func.count(Invoice.id))) == 2
    assert db.session.scalar(select(func.count(Document.id)).where(
        Document.kind != DocumentKind.READING_ACT)) == 2


def test_a_job_claims_its_task_and_reads_its_act_once_and_not_when_done(clean_app, month):
    """``runs.claim_task_and_act`` (one statement on PostgreSQL, two on SQLite): the task
    running with one more attempt, and its act with the revisions the check reads; a done
    task is not claimed again, and its attempts stay."""
    from lk_corporate.invoicing import runs
    from lk_corporate.periods.models import BillingPeriod

    with unit_of_work() as s:
        launch = runs.start_calculation(s, s.get(BillingPeriod, month.period_id),
                                        actor=Actor.system("test"))
    first, second = launch.task_ids[:2]
    postgresql = db.engine.dialect.name == "postgresql"
    with unit_of_work() as s:
        claim, act = runs.claim_task_and_act(s, first, asynchronous_commit=True)
        assert (claim.run_id, claim.act_document_id) == (launch.run_id, act.id)
        assert act.id in month.act_ids and [r.seq for r in act.revisions] == [1, 2]
        if postgresql:  # the job's transaction commits without waiting for the disk
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "off"
        # the client has no invoice of the period yet (asked on PostgreSQL only)
        assert claim.invoiced is not postgresql
        runs.complete_task(s, second)
    with unit_of_work() as s:
        assert runs.claim_task_and_act(s, second) is None
        if postgresql:
            assert s.execute(text("SHOW synchronous_commit")).scalar() == "on"
        assert runs.claim_task_and_act(s, 10**9) is None
    db.session.expire_all()
    tasks = {t.id: t for t in db.session.scalars(select(CalculationTask))}
    assert (tasks[first].status, tasks[first].attempts) == (TaskStatus.RUNNING, 1)
    assert (tasks[second].status, tasks[second].attempts) == (TaskStatus.DONE, 0)


def test_two_launches_of_one_period_at_once_make_one_run(clean_app, month):
    """The staff's «Рассчитать» and ``lk period calculate`` at the same moment: both succeed,
    one after the other, and the second resumes the first's run (without the launch lock,
    on PostgreSQL one of them failed on the run's or the tasks' unique keys)."""
    from lk_corporate.invoicing import runs
    from lk_corporate.invoicing.models import CalculationRun
    from lk_corporate.periods.models import BillingPeriod

    barrier = threading.Barrier(2)
    launched: list[int] = []
    errors: list[BaseException] = []

    def launch() -> None:
        with clean_app.app_context():
            try:
                barrier.wait()
                with unit_of_work() as s:
                    period = s.get(BillingPeriod, month.period_id)
                    launched.append(len(runs.start_calculation(
                        s, period, actor=Actor.system("launch")).task_ids))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion
                errors.append(exc)
            finally:
                db.session.remove()

    _at_once(launch, 2, timeout=60)
    assert errors == [] and launched == [6, 6]  # nothing done yet: both dispatch the six
    db.session.expire_all()
    (run,) = db.session.scalars(select(CalculationRun)).all()
    assert run.launches == 2
    assert db.session.scalar(select(func.count(CalculationTask.id))) == 6
    assert verify_chain(db.session).intact


def test_a_launch_while_a_job_records_its_pair_does_not_deadlock(clean_app, month):
    """A job's last transaction marks its task done, then appends to the audit chain; a
    launch arriving in between must take the task rows before the chain too. (When the
    launch took the chain first, PostgreSQL found a deadlock here and aborted one side.)"""
    from lk_corporate.core.audit import record
    from lk_corporate.invoicing import runs
    from lk_corporate.periods.models import BillingPeriod

    with unit_of_work() as s:
        task_id = runs.start_calculation(s, s.get(BillingPeriod, month.period_id),
                                         actor=Actor.system("first launch")).task_ids[0]
    db.session.remove()
    task_done = threading.Event()
    errors: list[BaseException] = []

    def job() -> None:
        with clean_app.app_context():
            try:
                with unit_of_work() as s:
                    runs.complete_task(s, task_id)
                    task_done.set()
                    time.sleep(1.0)  # the launch is waiting for this task's row by now
                    record(s, "document.sent", actor=Actor.system("job"))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion
                errors.append(exc)
                task_done.set()
            finally:
                db.session.remove()

    def launch() -> None:
        with clean_app.app_context():
            try:
                task_done.wait(timeout=30)
                with unit_of_work() as s:
                    runs.start_calculation(s, s.get(BillingPeriod, month.period_id),
                                           actor=Actor.system("second launch"))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=job), threading.Thread(target=launch)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert verify_chain(db.session).intact


def test_a_run_that_stopped_moving_is_dispatched_again_by_the_periodic_job(
        clean_app, month, supplier_config):
    """A launch from the staff's button whose jobs were all lost (here: never dispatched):
    the beat job finds the run still, ten minutes on, and dispatches its clients again; a
    run that moves, or is done, is left alone."""
    import datetime as dt

    from sqlalchemy import update

    from lk_corporate.core import jobs
    from lk_corporate.core.db import utcnow
    from lk_corporate.invoicing import runs
    from lk_corporate.invoicing.tasks import resume_stalled_calculations
    from lk_corporate.periods.models import BillingPeriod

    with unit_of_work() as s:
        runs.start_calculation(s, s.get(BillingPeriod, month.period_id),
                               actor=Actor.system("launch"))
    assert resume_stalled_calculations() == 0  # launched just now: not stalled
    with unit_of_work() as s:
        s.execute(update(CalculationTask).values(updated_at=utcnow() - dt.timedelta(minutes=11)))
    assert resume_stalled_calculations() == 6
    assert resume_stalled_calculations() == 0  # touched: not again before another ten minutes
    assert jobs.wait_idle(clean_app, timeout=240)
    _check_complete(6)
    with unit_of_work() as s:
        s.execute(update(CalculationTask).values(updated_at=utcnow() - dt.timedelta(hours=1)))
    assert resume_stalled_calculations() == 0  # done: nothing to resume


def test_a_tariff_added_after_a_refusal_counts_when_launched_again_at_once(
        clean_app, month, supplier_config):
    """A worker reuses a period's tariffs for half a minute, but never refuses a client on
    them: the staff add the tariff a batch failed for and press «Рассчитать» again at once,
    and every client is calculated."""
    from lk_corporate.core import jobs
    from lk_corporate.invoicing import runs
    from lk_corporate.periods.models import BillingPeriod
    from lk_corporate.tariffs.models import Tariff

    water = [t for t in db.session.scalars(select(Tariff)) if t.service.value == "cold_water"]
    assert water
    kept = [{c.key: getattr(t, c.key) for c in Tariff.__table__.columns if c.key != "id"}
            for t in water]
    for t in water:
        db.session.delete(t)
    db.session.commit()

    def launch() -> None:
        with unit_of_work() as s:
            launched = runs.start_calculation(s, s.get(BillingPeriod, month.period_id),
                                              actor=Actor.system("launch"))
        jobs.dispatch_many("lk.calculate_client", ((t,) for t in launched.task_ids))
        assert jobs.wait_idle(clean_app, timeout=240)

    launch()
    db.session.expire_all()
    assert {t.status for t in db.session.scalars(select(CalculationTask))} == {TaskStatus.FAILED}
    db.session.add_all(Tariff(**row) for row in kept)
    db.session.commit()
    launch()
    _check_complete(6)


def test_numbers_have_no_gap_and_no_repeat_with_many_workers_at_once(
        clean_app, month, store, supplier_key, settings):
    todo = list(month.act_ids)
    lock = threading.Lock()

    def worker() -> None:
        with clean_app.app_context():
            while True:
                with lock:
                    if not todo:
                        return
                    act_id = todo.pop()
                for _ in range(10):
                    try:
                        with unit_of_work() as s:
                            issue_invoices_for_act(
                                s, store, s.get(Document, act_id), actor=Actor.system("w"),
                                supplier_key=supplier_key, settings=settings, today=TODAY)
                        break
                    except sa.exc.DBAPIError:
                        db.session.remove()
                db.session.remove()

    _at_once(worker, 4, timeout=300)
    for kind in (DocumentKind.INVOICE, DocumentKind.TAX_INVOICE):
        numbers = db.session.scalars(select(Invoice.number).where(Invoice.kind == kind)).all()
        assert sorted(numbers) == [f"2026-{n:06d}" for n in range(1, 7)]


def test_tsa_down_signs_at_b_b_and_the_upgrade_completes_them(clean_app, month, demo_pki,
                                                              pki_services, store):
    from signing import Level, signature_level
    from signing.validation import ValidationSettings, validate_pdf
    from signing.validation.trust import load_trust_roots

    down = _env(clean_app, demo_pki, LK_TSA_URL="http://127.0.0.1:9/tsa")
    result = _lk(down, "period", "calculate", "2026-10", "--wait")
    assert result.returncode == 0, result.stdout + result.stderr
    db.session.expire_all()
    rows = db.session.scalars(select(Invoice)).all()
    assert len(rows) == 12 and all(r.upgrade_pending and r.signature_level == "B-B"
                                   for r in rows)
    still_down = _lk(down, "period", "upgrade-signatures")
    assert still_down.returncode == 1 and "still pending an upgrade: 12" in still_down.stdout
    up = _lk(_env(clean_app, demo_pki), "period", "upgrade-signatures")
    assert up.returncode == 0, up.stdout + up.stderr
    db.session.expire_all()
    settings = ValidationSettings(trust_roots=load_trust_roots((str(demo_pki.root_pem),)),
                                  allow_fetch=True)
    for row in db.session.scalars(select(Invoice)):
        assert not row.upgrade_pending and row.signature_level == "B-T"
        pdf = store.get(row.document.sha256)
        assert signature_level(pdf, "supplier").level is Level.B_T
        assert [r.source.value for r in row.document.revisions] == ["supplier_signature",
                                                                   "upgrade"]
    assert validate_pdf(pdf, settings).all_passed
    _check_complete(6)


# --- a real Celery worker on the Redis broker -------------------------------------------------

@pytest.fixture()
def redis_broker() -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
    client.flushdb()
    yield REDIS_URL
    client.flushdb()
    client.close()


def _worker(env: dict[str, str], name: str, log: Path) -> subprocess.Popen[bytes]:
    handle = log.open("wb")
    proc = subprocess.Popen(
        [CELERY, "-A", "lk_corporate.tasks.celery_app", "worker", "-P", "solo", "-n",
         f"{name}@%h", "--without-gossip", "--without-mingle", "--without-heartbeat",
         "--loglevel", "INFO"], env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
    deadline = time.monotonic() + 60
    while b"ready." not in log.read_bytes():
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.1)
    return proc


def _done() -> int:
    db.session.remove()
    return db.session.scalar(select(func.count(CalculationTask.id)).where(
        CalculationTask.status == TaskStatus.DONE)) or 0


DISPATCH = """
from lk_corporate.app import create_app
from lk_corporate.core import jobs
app = create_app()
with app.app_context():
    print(jobs.dispatch_many("lk.calculate_client", ((n,) for n in range(1, 451))))
"""


def test_many_jobs_are_dispatched_in_batches_and_every_message_arrives(redis_broker, tmp_path):
    """450 jobs through kombu's publish batch (200 per round trip): the last, partial batch
    is sent too, each message is a Celery task message of its own with its own ID, and the
    workers take them oldest first."""
    import base64
    import json

    import redis

    from lk_corporate.core.jobs import DISPATCH_BATCH

    assert 450 % DISPATCH_BATCH, "the test needs a partial last batch"
    env = {**os.environ, "LK_CELERY_BROKER_URL": redis_broker, "LK_SECRET_KEY": "dispatch",
           "LK_INSTANCE_DIR": str(tmp_path), "LK_DATABASE_URL": f"sqlite:///{tmp_path}/db"}
    done = subprocess.run([sys.executable, "-c", DISPATCH], env=env, capture_output=True,
                          text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "450"
    client = redis.Redis.from_url(redis_broker)
    queued = client.lrange("celery", 0, -1)[::-1]  # LPUSH: the oldest at the right end
    assert len(queued) == 450
    messages = [json.loads(raw) for raw in queued]
    assert {m["headers"]["task"] for m in messages} == {"lk.calculate_client"}
    assert len({m["headers"]["id"] for m in messages}) == 450
    args = [json.loads(base64.b64decode(m["body"]))[0] for m in messages]
    assert args == [[n] for n in range(1, 451)]


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
        clean_app, session, store, demo_pki, pki_services, redis_broker, tmp_path):
    # Enough clients, and the kill at the first one done, that an idle fast machine does not
    # finish the batch before the kill (30 clients and the kill at the fifth once did).
    clients = 60
    seed_month(db.session, store, clients=clients, signer=demo_pki.client, processes=2)
    env = _env(clean_app, demo_pki, LK_CELERY_BROKER_URL=redis_broker)
    doomed = _worker(env, "doomed", tmp_path / "doomed.log")
    survivor = _worker(env, "survivor", tmp_path / "survivor.log")
    try:
        started = _lk(env, "period", "calculate", "2026-10")  # dispatch only
        assert started.returncode == 0, started.stderr
        deadline = time.monotonic() + 120
        while _done() < 1:
            assert time.monotonic() < deadline, "the batch does not progress"
            time.sleep(0.05)
        os.kill(doomed.pid, signal.SIGKILL)  # mid-batch, likely mid-task
        doomed.wait(timeout=10)
        assert _done() < clients, "the batch was finished before the kill: too few clients"
        rerun = _lk(env, "period", "calculate", "2026-10", "--wait", "--timeout", "240")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    finally:
        for proc in (doomed, survivor):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
    _check_complete(clients)


def test_waiting_dispatches_lost_jobs_again_when_nothing_moves(
        clean_app, month, demo_pki, pki_services, redis_broker, tmp_path):
    """The broker loses every message after the dispatch (a Redis restarted without its
    data): ``--wait`` sees nothing move for ``--stall`` seconds, dispatches the unfinished
    clients again and finishes. Before, it waited until ``--timeout``."""
    import redis

    env = _env(clean_app, demo_pki, LK_CELERY_BROKER_URL=redis_broker)
    queue = redis.Redis.from_url(redis_broker)
    batch = subprocess.Popen(
        [LK, "period", "calculate", "2026-10", "--wait", "--stall", "3", "--timeout", "90"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while queue.llen("celery") < 6:
            assert batch.poll() is None and time.monotonic() < deadline, "nothing dispatched"
            time.sleep(0.05)
        queue.delete("celery")  # the six messages lost before any worker took one
        worker = _worker(env, "late", tmp_path / "late.log")
        out, err = batch.communicate(timeout=120)
    finally:
        if batch.poll() is None:
            batch.kill()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    assert batch.returncode == 0, out + err
    assert "nothing moved for 3 s: 6 unfinished clients dispatched again" in err
    assert "finished: done 6 / failed 0 / pending 0" in out
    _check_complete(6)


def test_the_database_cut_off_mid_batch_loses_and_duplicates_nothing(
        clean_app, session, store, demo_pki, pki_services, database_url):
    """PostgreSQL only. Other test sessions share the server, so instead of restarting it
    this cuts every connection of the batch (``pg_terminate_backend``) again and again while
    it runs: to the batch that is what a restart looks like (its connections die, new ones
    are refused for a moment, then accepted)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("cutting connections is a PostgreSQL test (LK_TEST_DATABASE_URL)")
    clients = 12
    seed_month(db.session, store, clients=clients, signer=demo_pki.client, processes=2)
    env = _env(clean_app, demo_pki)
    db.session.remove()  # this process's own connections are cut as well: hold none
    db.engine.dispose()
    killer = sa.create_engine(database_url, isolation_level="AUTOCOMMIT")
    batch = subprocess.Popen([LK, "period", "calculate", "2026-10", "--wait"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    cut = 0
    try:
        with killer.connect() as conn:
            deadline = time.monotonic() + 60
            while batch.poll() is None and cut < 12 and time.monotonic() < deadline:
                time.sleep(0.25)
                cut += conn.execute(sa.text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'")).scalar_one()
        out, err = batch.communicate(timeout=300)
    finally:
        killer.dispose()
        if batch.poll() is None:
            batch.kill()
    db.engine.dispose()
    assert cut > 0, "no connection was cut: the batch ended too soon"
    rerun = _lk(env, "period", "calculate", "2026-10", "--wait")  # whatever gave up: resumed
    assert rerun.returncode == 0, out + err + rerun.stdout + rerun.stderr
    _check_complete(clients)


@pytest.mark.slow
def test_a_supplier_with_more_clients_than_a_statement_has_parameters_launches(session):
    """70 000 accepted acts: more than the 65 535 parameters PostgreSQL allows a statement,
    which bind one by one on the server (psycopg 3). Launching the month makes a task for
    each and dispatches every one; nothing names the clients one parameter each."""
    import datetime as dt

    from sqlalchemy import insert

    from lk_corporate.clients.models import Client
    from lk_corporate.core.db import utcnow
    from lk_corporate.invoicing import runs
    from lk_corporate.periods.models import BillingPeriod, PeriodStatus

    n = 70_000
    now = utcnow()
    db.session.execute(insert(BillingPeriod), [{
        "year": 2026, "month": 10, "calculation_date": dt.date(2026, 10, 28),
        "status": PeriodStatus.OPEN, "opened_at": now, "created_at": now}])
    period = db.session.scalars(select(BillingPeriod)).one()
    db.session.execute(insert(Client), [
        {"name": f"ООО «Потребитель {i}»", "short_name": "", "tax_id": f"{7700000000 + i}",
         "kpp": "", "contract_number": f"M-{i}", "contract_date": dt.date(2021, 3, 1),
         "address": "", "email": "", "bank_name": "", "bank_bik": "", "bank_account": "",
         "bank_correspondent_account": "", "is_active": True, "created_at": now, "phone": "",
         "ogrn": ""} for i in range(n)])
    client_ids = db.session.scalars(select(Client.id).order_by(Client.id)).all()
    db.session.execute(insert(Document), [
        {"kind": DocumentKind.READING_ACT, "number": f"АП-2026-{i:06d}", "client_id": c,
         "period_id": period.id, "status": "accepted", "date": dt.date(2026, 10, 25),
         "sha256": "0" * 64, "status_reason": "", "created_at": now, "updated_at": now}
        for i, c in enumerate(client_ids)])
    db.session.commit()
    launch = runs.start_calculation(db.session, period, actor=Actor.system("test"))
    db.session.commit()
    assert len(launch.task_ids) == n and launch.already_done == 0
    assert db.session.scalar(select(func.count(CalculationTask.id))) == n
