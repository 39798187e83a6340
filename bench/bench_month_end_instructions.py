"""Benchmark: the instructions a month-end job executes per client, counted by callgrind.

``bench/bench_month_end.py`` times the whole batch on the production shape, but its figure
moves by a factor of two with the other work on the host, and two versions of the job that
differ by 5 % cannot be told apart by it. This one counts what the worker's own process
executes, which does not depend on the neighbours:

    .venv/bin/python bench/bench_month_end_instructions.py [--pairs 200] [--warm 20]

It sets up a PostgreSQL database (created and dropped here), a demo PKI with its TSA in a
process of its own (``lk pki serve``), and ``warm + pairs`` clients with three meters and an
accepted, client-signed act each (``tests/support/month.py``, as the batch benchmark seeds
them). Then it runs the job (``invoicing.tasks.calculate_client``, in the app a worker
builds: ``lk_corporate.tasks.worker_app``) in one process under ``valgrind --tool=callgrind``
twice, on two copies of the seeded database: once for the first ``warm`` clients, once for
``warm + pairs``. The difference of the two totals, divided by ``pairs``, is what one more
client costs: the start-up, the imports and the warm-up (caches, prepared statements) cancel
out. The floor is counted the same way: ``bench_documents``' one-line reportlab document,
100 and 1 100 of them.

Each run's total still varies by a few hundred million instructions from one run to the
next (seen here: ±300 M for the same code and data; the start-up, the warm-up), so the
difference needs a couple of hundred clients: with 200 that is ±1.5 M of the ~70 M a
client costs, with 40 it was ±7 M.

PostgreSQL and the TSA run outside valgrind and are not counted (``bench_month_end.py``
measures their CPU). Instructions are not time: cache misses and the kernel's work (the two
fsyncs) are not in them. Use this to compare two versions of the job, ``bench_month_end.py``
for the time.

Last line: ``month-end job: N instructions per pair (R floor documents)``.
Needs valgrind (Debian's package), PostgreSQL (trust, user postgres) as ``bench_month_end.py``
finds it (``LK_BENCH_PG_URL`` overrides).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_month_end import PG_SERVER, VENV_BIN, _free_port, _wait_port

FLOOR_SMALL, FLOOR_LARGE = 100, 1_100


def _callgrind(args: list[str], env: dict[str, str], workdir: Path) -> tuple[int, str]:
    """The instructions ``python args…`` executes under callgrind (all its threads), and
    what it printed."""
    out = workdir / f"callgrind.{uuid.uuid4().hex[:8]}"
    run = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                          sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                         text=True)
    if run.returncode != 0:
        raise RuntimeError(f"{args}: {run.stderr[-2000:]}")
    match = re.search(r"^summary:\s*(\d+)", out.read_text(errors="replace"), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary in {out}")
    return int(match.group(1)), run.stdout


def _inner_jobs(count: int) -> None:
    """Under callgrind: launch the period's run and calculate its first ``count`` clients."""
    from sqlalchemy import select

    from lk_corporate.core.uow import unit_of_work
    from lk_corporate.invoicing import runs
    from lk_corporate.invoicing.models import TaskStatus
    from lk_corporate.invoicing.tasks import ACTOR, calculate_client
    from lk_corporate.periods.models import BillingPeriod
    from lk_corporate.tasks import worker_app

    app = worker_app()
    with app.app_context(), unit_of_work() as session:
        period = session.scalars(select(BillingPeriod)).one()
        period_id = period.id
        task_ids = runs.start_calculation(session, period, actor=ACTOR).task_ids
    for task_id in task_ids[:count]:
        with app.app_context():  # as Celery's task does: an app context per job
            calculate_client(task_id)
    with app.app_context(), unit_of_work() as session:
        done = runs.progress(session, period_id).count(TaskStatus.DONE)
    print(json.dumps({"done": done}))


def _inner_floor(count: int) -> None:
    from bench_documents import floor

    for _ in range(count):
        floor()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=200)
    parser.add_argument("--warm", type=int, default=20)
    parser.add_argument("--inner-jobs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--inner-floor", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner_jobs is not None:
        return _inner_jobs(args.inner_jobs)
    if args.inner_floor is not None:
        return _inner_floor(args.inner_floor)
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")

    import sqlalchemy as sa

    subprocess.run([sys.executable, "-m", "compileall", "-q", "lk_corporate", "signing",
                    "documents"], check=True, cwd=ROOT)
    home = Path(tempfile.mkdtemp(prefix="lk-bench-instructions-"))
    server = sa.make_url(PG_SERVER)
    admin = sa.create_engine(server.set(drivername="postgresql+psycopg2"),
                             isolation_level="AUTOCOMMIT")
    seeded = f"lk_bench_{uuid.uuid4().hex[:10]}"
    copies: list[str] = []
    tsa = None
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{seeded}"'))
    try:
        from lk_corporate.pki import init_pki

        pki_port = _free_port()
        manifest = init_pki(home / "pki", f"http://127.0.0.1:{pki_port}")
        supplier = manifest.by_role("supplier")[0]
        env = {**os.environ,
               "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               "LK_INSTANCE_DIR": str(home / "instance"),
               "LK_DATABASE_URL": server.set(database=seeded).render_as_string(
                   hide_password=False),
               "LK_CELERY_BROKER_URL": "", "LK_SECRET_KEY": secrets.token_hex(16),
               "LK_BASE_URL": "http://127.0.0.1:8000", "LK_STORAGE_DIR": str(home / "files"),
               "LK_PKI_DIR": str(home / "pki"), "LK_TSA_URL": manifest.tsa_url,
               "LK_TRUST_ROOTS": str(manifest.trust_anchor), "LK_SUPPLIER_P12": str(supplier.p12),
               "LK_SUPPLIER_P12_PASSWORD_FILE": str(supplier.password_file),
               "LK_MAIL_BACKEND": "file", "LK_MAIL_DIR": str(home / "mail"),
               "LK_RATELIMIT_STORAGE_URL": "memory://"}
        subprocess.run([str(VENV_BIN / "lk"), "db", "upgrade"], env=env, check=True,
                       capture_output=True, cwd=ROOT)
        tsa = subprocess.Popen([str(VENV_BIN / "lk"), "pki", "serve", str(home / "pki"),
                                "--port", str(pki_port)], env=env, cwd=ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(pki_port)

        clients = args.warm + args.pairs
        print(f"seeding {clients} clients …", flush=True)
        os.environ.update({k: v for k, v in env.items() if k.startswith("LK_")})
        from lk_corporate.app import create_app
        from lk_corporate.core.extensions import db
        from lk_corporate.core.storage import FileStore
        from tests.support.month import seed_month

        app = create_app()
        with app.app_context():
            seed_month(db.session, FileStore(home / "files"), clients=clients,
                       signer=manifest.by_role("client")[0], processes=2)
            db.session.remove()
            db.engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text("CHECKPOINT"))

        totals = {}
        for count in (args.warm, clients):
            copy = f"{seeded}_{count}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{copy}" TEMPLATE "{seeded}"'))
            copies.append(copy)
            run_env = {**env, "LK_DATABASE_URL": server.set(database=copy).render_as_string(
                hide_password=False)}
            started = time.perf_counter()
            totals[count], out = _callgrind([__file__, "--inner-jobs", str(count)], run_env,
                                            home)
            done = json.loads(out.strip().splitlines()[-1])["done"]
            if done != count:
                raise RuntimeError(f"{done} of {count} clients calculated")
            print(f"{count} clients under callgrind: {totals[count]:,} instructions "
                  f"({time.perf_counter() - started:.0f} s)", flush=True)
        floors = {n: _callgrind([__file__, "--inner-floor", str(n)], env, home)[0]
                  for n in (FLOOR_SMALL, FLOOR_LARGE)}
    finally:
        if tsa is not None:
            tsa.terminate()
            tsa.wait()
        with admin.connect() as conn:
            for name in (*copies, seeded):
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(home, ignore_errors=True)

    per_pair = (totals[clients] - totals[args.warm]) / args.pairs
    per_floor = (floors[FLOOR_LARGE] - floors[FLOOR_SMALL]) / (FLOOR_LARGE - FLOOR_SMALL)
    print(f"\nmachine: {platform.machine()}, Python {platform.python_version()}, "
          f"valgrind {subprocess.run(['valgrind', '--version'], capture_output=True, text=True).stdout.strip()}")
    print(f"floor (bench_documents' one-line document): {per_floor:,.0f} instructions")
    print(f"month-end job: {per_pair:,.0f} instructions per pair "
          f"({per_pair / per_floor:,.1f} floor documents)")


if __name__ == "__main__":
    main()
