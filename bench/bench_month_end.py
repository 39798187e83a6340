"""Benchmark: the month-end batch on the production shape, on this machine.

``bench/bench_month_end.py [--clients N] [--workers W]`` (defaults 10 000 and 2) sets up:

* a PostgreSQL database it creates (``lk db upgrade``) and drops at the end;
* a fresh demo PKI with its CRL/OCSP/TSA in its own process (``lk pki serve``: the TSA is
  a separate service, as in production);
* N clients with three meters each (a two-zone meter, a meter behind CT 200/5 and VT
  10000/100, a water meter) and an accepted reading act each, rendered and signed by the
  client's key (``tests/support/month.py``; not timed), then ``VACUUM ANALYZE`` and a
  ``CHECKPOINT``, as a database that has lived a while has its statistics and its pages on
  disk (not timed either);
* Redis (a database number of its own, flushed before and after) and W Celery worker
  processes (``celery -A lk_corporate.tasks.celery_app worker -P threads -c 2``: each
  process runs two clients at once, so one renders and signs while the other waits for
  the database or the TSA; ``--threads 1`` runs ``-P solo``);
* gunicorn serving the portal, and a client logged in who loads a page again and again
  while the batch runs (``--page``, default the readings page ``/readings``).

Then it runs ``lk period calculate YYYY-MM --wait`` and times from the start to the moment
the last invoice + tax invoice pair was stored, signed at B-T (local TSA). It checks the
result (N pairs, every signature B-T, numbers 1..N without a gap, three documents validated
TOTAL-PASSED, the totals equal to the per-client amount worked out by hand) and prints the
page's latency while the batch ran and the CPU each part of the system used. The last line:

    month-end: N pairs in S s on W workers (R pairs/s)

Speed: this machine's speed changes by a factor of two from hour to hour (other work on
the same host), so the script also measures a floor in the same run — ``bench_documents``'
one-line reportlab document, one process per core, before and after the batch — and prints
the rate as a ratio to it, and the time scaled to the machine of the first runs in
``BENCHMARKS.md`` (3 067 floor documents per second per core).

Needs PostgreSQL on this machine (trust, user postgres): through its Unix socket
(``/var/run/postgresql``) when there is one — as the workers of a server beside its database
connect: a loopback TCP round trip costs both sides ~0.2 ms more CPU per statement here —
else 127.0.0.1:5432 (``LK_BENCH_PG_URL`` overrides); and Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
PG_SOCKET = Path("/var/run/postgresql/.s.PGSQL.5432")
PG_SERVER = os.environ.get("LK_BENCH_PG_URL") or (
    f"postgresql://postgres@/postgres?host={PG_SOCKET.parent}" if PG_SOCKET.exists()
    else "postgresql://postgres@127.0.0.1:5432/postgres")
REFERENCE_FLOOR = 3067.0
"""Floor documents per second per core on the machine of the first runs in BENCHMARKS.md."""
FLOOR_SCRIPT = f"""
import sys, time
sys.path.insert(0, {str(Path(__file__).resolve().parent)!r})
from bench_documents import floor
for _ in range(50):
    floor()
n, start = 0, time.process_time()
while time.process_time() - start < float(sys.argv[1]):
    floor()
    n += 1
print(n / (time.process_time() - start))
"""
PASSWORD = "Bench-pass-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of the processes and their children that exited (/proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += sum(int(v) for v in fields[11:15])  # utime stime cutime cstime
    return total / tick


def _pids(pattern: str) -> list[int]:
    out = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if re.search(pattern, text):
            out.append(int(cmdline.parent.name))
    return out


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


def _floor(seconds: float = 3.0) -> float:
    """``bench_documents``' floor, one process per core at once: documents per CPU-second
    per core (the median of the processes)."""
    procs = [subprocess.Popen([sys.executable, "-c", FLOOR_SCRIPT, str(seconds)],
                              stdout=subprocess.PIPE, text=True)
             for _ in range(os.cpu_count() or 1)]
    return statistics.median(float(proc.communicate()[0]) for proc in procs)


def _logged_in(base_url: str, login: str) -> Any:
    import requests

    http = requests.Session()
    page = http.get(f"{base_url}/login").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on /login"
    answer = http.post(f"{base_url}/login", data={
        "csrf_token": token.group(1), "login": login, "password": PASSWORD})
    assert answer.ok and "/login" not in answer.url, f"{login} cannot log in"
    return http


class PagePoller(threading.Thread):
    """A client who keeps loading a page; the latencies while the batch runs."""

    def __init__(self, base_url: str, login: str, path: str) -> None:
        super().__init__(daemon=True)
        self.http = _logged_in(base_url, login)
        self.base_url, self.path = base_url, path
        self.samples: list[float] = []
        self.errors = 0
        self.recording = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            start = time.perf_counter()
            response = self.http.get(self.base_url + self.path)
            elapsed = time.perf_counter() - start
            if self.recording.is_set():
                if response.status_code == 200:
                    self.samples.append(elapsed)
                else:
                    self.errors += 1
            time.sleep(0.25)  # a person clicking about, not a load test


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--page", default="/readings")
    parser.add_argument("--threads", type=int, default=2,
                        help="tasks each worker process runs at once (Celery's thread pool; "
                             "1: -P solo)")
    parser.add_argument("--pool", default="threads", choices=("threads", "prefork"))
    args = parser.parse_args()

    import redis
    import sqlalchemy as sa

    # As a deployment has them (``make install``, the image): the portal's modules compiled,
    # so that `lk period calculate` does not compile ~300 of them inside the timed run.
    subprocess.run([sys.executable, "-m", "compileall", "-q", "lk_corporate", "signing",
                    "documents"], check=True, cwd=ROOT)
    home = Path(tempfile.mkdtemp(prefix="lk-bench-month-"))
    db_name = f"lk_bench_{uuid.uuid4().hex[:10]}"
    server = sa.make_url(PG_SERVER)
    admin = sa.create_engine(server.set(drivername="postgresql+psycopg2"),
                             isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
    database_url = server.set(database=db_name).render_as_string(hide_password=False)
    broker = f"redis://127.0.0.1:6379/{args.redis_db}"
    redis_client = redis.Redis.from_url(broker)
    redis_client.flushdb()
    processes: list[subprocess.Popen[bytes]] = []
    try:
        pki_port, web_port = _free_port(), _free_port()
        from lk_corporate.pki import init_pki

        manifest = init_pki(home / "pki", f"http://127.0.0.1:{pki_port}")
        supplier = manifest.by_role("supplier")[0]
        env = {**os.environ,
               "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               "LK_INSTANCE_DIR": str(home / "instance"), "LK_DATABASE_URL": database_url,
               "LK_CELERY_BROKER_URL": broker, "LK_SECRET_KEY": secrets.token_hex(16),
               "LK_BASE_URL": f"http://127.0.0.1:{web_port}",
               "LK_STORAGE_DIR": str(home / "files"), "LK_PKI_DIR": str(home / "pki"),
               "LK_TSA_URL": manifest.tsa_url, "LK_TRUST_ROOTS": str(manifest.trust_anchor),
               "LK_SUPPLIER_P12": str(supplier.p12),
               "LK_SUPPLIER_P12_PASSWORD_FILE": str(supplier.password_file),
               "LK_MAIL_BACKEND": "file", "LK_MAIL_DIR": str(home / "mail"),
               "LK_ARGON2_TIME_COST": "1", "LK_ARGON2_MEMORY_KIB": "1024",
               "LK_RATELIMIT_STORAGE_URL": "memory://"}
        subprocess.run([str(VENV_BIN / "lk"), "db", "upgrade"], env=env, check=True,
                       capture_output=True, cwd=ROOT)
        processes.append(subprocess.Popen(
            [str(VENV_BIN / "lk"), "pki", "serve", str(home / "pki"), "--port", str(pki_port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT))
        tsa_pid = processes[-1].pid
        _wait_port(pki_port)

        print(f"seeding {args.clients} clients with 3 meters and an accepted act each …",
              flush=True)
        started = time.perf_counter()
        os.environ.update({k: v for k, v in env.items() if k.startswith("LK_")})
        from lk_corporate.app import create_app
        from lk_corporate.core.extensions import db
        from lk_corporate.core.storage import FileStore
        from tests.support.factories import create_client_user
        from tests.support.month import CLIENT_TOTAL, seed_month

        app = create_app()
        with app.app_context():
            setup = seed_month(db.session, FileStore(home / "files"), clients=args.clients,
                               signer=manifest.by_role("client")[0], processes=2)
            from lk_corporate.clients.models import Client

            first = db.session.get(Client, setup.client_ids[0])
            create_client_user(first, login="bench", password=PASSWORD)
            from lk_corporate.core.rights import SUPPLIER_SIGNER
            from tests.support.factories import create_staff_user

            create_staff_user(SUPPLIER_SIGNER, login="bench-signer", password=PASSWORD,
                              ip_allowlist="127.0.0.0/8")
            db.session.remove()
            db.engine.dispose()
        # A supplier's database at month end has its statistics and has written its pages
        # out long ago; one just bulk-loaded has neither, and the autovacuum's ANALYZE and
        # the checkpoint of the seeding would run inside the timed batch.
        seeded = sa.create_engine(sa.make_url(database_url).set(drivername="postgresql+psycopg2"),
                                  isolation_level="AUTOCOMMIT")
        with seeded.connect() as conn:
            conn.execute(sa.text("VACUUM ANALYZE"))
            conn.execute(sa.text("CHECKPOINT"))
        seeded.dispose()
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)

        logs = home / "logs"
        logs.mkdir()
        workers = []
        for n in range(args.workers):
            log = open(logs / f"worker{n}.log", "wb")  # noqa: SIM115 - closed with the process
            workers.append(subprocess.Popen(
                [str(VENV_BIN / "celery"), "-A", "lk_corporate.tasks.celery_app", "worker",
                 *(["-P", "solo"] if args.threads == 1 else
                   ["-P", args.pool, "-c", str(args.threads)]),
                 "-n", f"bench{n}@%h", "--without-gossip", "--without-mingle",
                 "--without-heartbeat", "--loglevel", "INFO"],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT))
        processes += workers
        deadline = time.monotonic() + 60
        while not all(b"ready." in (logs / f"worker{n}.log").read_bytes()
                      for n in range(args.workers)):
            if time.monotonic() > deadline:
                raise RuntimeError("the Celery workers did not start")
            time.sleep(0.2)
        processes.append(subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{web_port}",
             "lk_corporate.app:create_app()"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=ROOT))
        web_pid = processes[-1].pid
        _wait_port(web_port)
        poller = PagePoller(f"http://127.0.0.1:{web_port}", "bench", args.page)
        poller.start()
        time.sleep(2)  # the page warm (gunicorn workers loaded)

        groups = {
            "workers": lambda: [p for w in workers for p in (w.pid, *_children(w.pid))],
            # This database's connections, and the server's own writers (shared with whatever
            # else runs on the server: other databases' backends are left out).
            "PostgreSQL": lambda: _pids(rf"^postgres: .* {db_name} |^postgres: \S+: "
                                        r"(checkpointer|background writer|walwriter)"),
            "TSA": lambda: [tsa_pid],
            "Redis": lambda: _pids(r"redis-server"),
            "web": lambda: [web_pid, *_children(web_pid)],
        }
        floor_before = _floor()
        cpu_before = {name: _cpu_seconds(pids()) for name, pids in groups.items()}
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        wall_start = dt.datetime.now(dt.UTC)
        start = time.perf_counter()
        poller.recording.set()
        command = subprocess.run(
            [str(VENV_BIN / "lk"), "period", "calculate", "2026-10", "--wait"], env=env,
            capture_output=True, text=True, cwd=ROOT)
        returned = time.perf_counter() - start
        poller.recording.clear()
        cpu = {name: _cpu_seconds(pids()) - cpu_before[name] for name, pids in groups.items()}
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the command, which has exited
        cpu["lk period calculate"] = (after.ru_utime + after.ru_stime
                                      - children.ru_utime - children.ru_stime)
        print(command.stdout.strip())
        if command.returncode != 0:
            print(command.stderr[-3000:])
            raise SystemExit("lk period calculate failed")

        with app.app_context():
            from sqlalchemy import func, select

            from lk_corporate.docflow.models import Document, DocumentKind
            from lk_corporate.invoicing.models import Invoice
            from signing.validation import ValidationSettings, validate_pdf
            from signing.validation.trust import load_trust_roots

            last = db.session.scalar(select(func.max(Invoice.issued_at)))
            assert last is not None
            seconds = (last - wall_start).total_seconds()
            invoices = db.session.execute(select(Invoice.kind, Invoice.number, Invoice.total,
                                                 Invoice.signature_level,
                                                 Invoice.upgrade_pending)).all()
            for kind in (DocumentKind.INVOICE, DocumentKind.TAX_INVOICE):
                rows = [r for r in invoices if r.kind is kind]
                numbers = sorted(int(r.number.split("-")[1]) for r in rows)
                assert numbers == list(range(1, args.clients + 1)), f"{kind}: numbers"
                assert all(r.signature_level == "B-T" and not r.upgrade_pending for r in rows)
                assert all(r.total == CLIENT_TOTAL for r in rows), f"{kind}: amounts"
            store = FileStore(home / "files")
            settings = ValidationSettings(
                trust_roots=load_trust_roots((str(manifest.trust_anchor),)), allow_fetch=True)
            sample = db.session.scalars(select(Document).where(
                Document.kind.in_((DocumentKind.INVOICE, DocumentKind.TAX_INVOICE)))
                .order_by(func.random()).limit(3)).all()
            for document in sample:
                assert validate_pdf(store.get(document.sha256), settings).all_passed, \
                    document.number
            db.session.remove()
            db.engine.dispose()
        poller.stopping.set()
        staff = _logged_in(f"http://127.0.0.1:{web_port}", "bench-signer")
        board_times = []
        for _ in range(3):
            began = time.perf_counter()
            page = staff.get(f"http://127.0.0.1:{web_port}/staff/periods/{setup.period_id}")
            board_times.append((time.perf_counter() - began) * 1000)
            assert page.ok and "calculation-progress" in page.text, page.status_code

        floor_after = _floor()
        floor = (floor_before + floor_after) / 2
        rate = args.clients / seconds
        cpu_total = sum(cpu.values())
        print()
        print(f"machine: {platform.processor() or platform.machine()}, "
              f"{os.cpu_count()} cores (`nproc`), Python {platform.python_version()}, "
              f"load average before the run {os.getloadavg()[0]:.2f}")
        pool = "-P solo" if args.threads == 1 else f"-P {args.pool} -c {args.threads}"
        print(f"clients: {args.clients}, workers: {args.workers} (celery {pool}), "
              f"gunicorn -w 2 serving {args.page}; PostgreSQL "
              + ("through its Unix socket" if "host=/" in PG_SERVER else "over TCP"))
        print(f"floor (bench_documents' one-line document, one process per core): "
              f"{floor_before:,.0f} documents/s per core before the batch, "
              f"{floor_after:,.0f} after")
        print(f"last pair stored {seconds:.1f} s after the start; "
              f"`lk period calculate --wait` returned after {returned:.1f} s")
        print("CPU seconds during the batch: " + ", ".join(
            f"{name} {value:.0f} ({value / args.clients * 1000:.1f} ms/pair)"
            for name, value in cpu.items()) + f"; total {cpu_total:.0f} "
              f"({cpu_total / seconds:.2f} cores busy)")
        if poller.samples:
            ms = [s * 1000 for s in poller.samples]
            print(f"{args.page} while the batch ran: {len(ms)} requests, "
                  f"median {statistics.median(ms):.0f} ms, p95 {_percentile(ms, 0.95):.0f} ms, "
                  f"p99 {_percentile(ms, 0.99):.0f} ms, errors {poller.errors}")
        print(f"the period board (/staff/periods/{setup.period_id}, {args.clients} clients) "
              f"after the batch: median {statistics.median(board_times):.0f} ms")
        print(f"pairs/s as a ratio to the floor: {rate / floor:.5f}; the same ratio on the "
              f"machine of the first runs ({REFERENCE_FLOOR:,.0f} floor documents/s per core): "
              f"{args.clients / (rate / floor * REFERENCE_FLOOR):.1f} s")
        print(f"month-end: {args.clients} pairs in {seconds:.1f} s on {args.workers} workers "
              f"({rate:.1f} pairs/s)")
    finally:
        for proc in processes:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        redis_client.flushdb()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))
        admin.dispose()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
