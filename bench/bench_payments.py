"""Benchmark: importing a 1C bank statement and allocating its payments, on this machine.

``bench/bench_payments.py [--payments 100000] [--clients 10000] [--sqlite]`` sets up a
PostgreSQL database it creates (``lk db upgrade``) and drops at the end (``--sqlite``: a
SQLite file instead), with N clients and two issued invoices each (not timed), writes a
statement of P payments in the 1C client-bank exchange format (Windows-1251, as banks send
it) — most name the contract, some an invoice, 2 % nothing the portal knows (they go to the
staff's queue) — and imports it in one transaction (``payments.operations.import_statement``,
what ``lk payments import`` runs), timed, then checks the result: every payment added once,
every invoice's ``paid`` equal to the sum of its allocations, the matched amounts equal to
what was allocated plus the advances. A second import of the same file adds nothing (timed
too).

Also printed: the floor, the parser alone reading the same file (payments/s), and the
import's rate as a ratio to it, measured in the same run; CPU seconds of this process
(``time.process_time``: one core; the database server's CPU is its own); and the peak RSS
after importing a statement a fifth of the size (two batches of 10 000 on PostgreSQL) and
after the full one: the import is streamed, so the peak does not grow with the statement.

The last line:

    payments: N in S s (R/s)

Needs PostgreSQL on 127.0.0.1:5432 (trust, user postgres) unless ``--sqlite``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import secrets
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
VENV_BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("LK_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SUPPLIER_ACCOUNT = "40702810900000000001"
INVOICE_TOTALS = (Decimal("1200.00"), Decimal("960.00"))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def tax_id(n: int) -> str:
    return f"77{n:08d}"


def write_statement(path: Path, payments: int, clients: int, *, first: int = 0) -> None:
    """A 1C statement: payment k is client k % clients' (ten per client for the defaults)."""
    with path.open("w", encoding="cp1251", newline="\r\n") as out:
        out.write("1CClientBankExchange\nВерсияФормата=1.03\nКодировка=Windows\n"
                  "Отправитель=Бухгалтерия\nДатаСоздания=01.12.2026\nДатаНачала=01.11.2026\n"
                  f"ДатаКонца=30.11.2026\nРасчСчет={SUPPLIER_ACCOUNT}\n"
                  "Документ=Платежное поручение\nСекцияРасчСчет\nДатаНачала=01.11.2026\n"
                  f"ДатаКонца=30.11.2026\nРасчСчет={SUPPLIER_ACCOUNT}\n"
                  "НачальныйОстаток=0.00\nКонецРасчСчет\n")
        for k in range(first, first + payments):
            c = k % clients
            day = 1 + k % 28
            if k % 50 == 49:
                inn, purpose = "5099999999", "Оплата по договору поставки"  # nobody's
            elif k % 5 == 0:
                inn, purpose = tax_id(c), (f"Оплата по счету № 2026-{2 * c + 1:06d} от "
                                           f"03.10.2026 за электроэнергию, в т.ч. НДС 20%")
            else:
                inn, purpose = tax_id(c), (f"Оплата за электроэнергию по договору № C-{c} от "
                                           f"15.01.2024, в т.ч. НДС 20% - 36,67 руб.")
            amount = Decimal(220 + (k * 37) % 400) + Decimal(k % 100) / 100
            out.write(
                f"СекцияДокумент=Платежное поручение\nНомер={k + 1}\nДата={day:02d}.11.2026\n"
                f"Сумма={amount}\nПлательщикСчет=407028104{c:011d}\n"
                f"Плательщик=ИНН {inn} ООО «Клиент {c}»\nПлательщикИНН={inn}\n"
                f"Плательщик1=ООО «Клиент {c}»\nПлательщикРасчСчет=407028104{c:011d}\n"
                "ПлательщикБанк1=АО «АЛЬФА-БАНК»\nПлательщикБИК=044525593\n"
                "ПлательщикКорсчет=30101810200000000593\n"
                f"ПолучательСчет={SUPPLIER_ACCOUNT}\nДатаПоступило={day:02d}.11.2026\n"
                "ПолучательИНН=7701234560\nПолучатель1=АО «Северэнергосбыт»\n"
                f"ПолучательРасчСчет={SUPPLIER_ACCOUNT}\nВидОплаты=01\nОчередность=5\n"
                f"НазначениеПлатежа={purpose}\nКонецДокумента\n")
        out.write("КонецФайла\n")


def seed(session: object, clients: int) -> None:
    """N clients, a period, two issued invoices each (documents without files: the import
    reads amounts and numbers only)."""
    import sqlalchemy as sa

    from lk_corporate.clients.models import Client
    from lk_corporate.core.db import utcnow
    from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
    from lk_corporate.invoicing.models import Invoice
    from lk_corporate.periods.models import BillingPeriod, PeriodStatus

    conn = session.connection()  # type: ignore[attr-defined]
    now = utcnow()
    period_id = conn.execute(sa.insert(BillingPeriod).values(
        year=2026, month=10, calculation_date=dt.date(2026, 10, 28),
        status=PeriodStatus.OPEN.value, created_at=now).returning(BillingPeriod.id)).scalar()
    step = 2000
    for start in range(0, clients, step):
        ids = conn.execute(sa.insert(Client).returning(Client.id, sort_by_parameter_order=True),
                           [{"name": f"ООО «Клиент {c}»", "short_name": "", "tax_id": tax_id(c),
                             "contract_number": f"C-{c}", "kpp": "", "ogrn": "", "address": "",
                             "phone": "", "email": "", "bank_name": "", "bank_bik": "",
                             "bank_account": "", "bank_correspondent_account": "",
                             "is_active": True, "created_at": now}
                            for c in range(start, min(clients, start + step))]).scalars().all()
        docs = []
        for i, client_id in enumerate(ids):
            c = start + i
            for j in range(2):
                docs.append({"kind": DocumentKind.INVOICE.value, "number": f"2026-{2 * c + 1 + j:06d}",
                             "client_id": client_id, "period_id": period_id,
                             "status": DocumentStatus.SENT.value,
                             "date": dt.date(2026, 10 + j, 3), "sha256": "0" * 64,
                             "status_reason": "", "created_at": now, "updated_at": now})
        doc_ids = conn.execute(sa.insert(Document).returning(Document.id,
                                                             sort_by_parameter_order=True),
                               docs).scalars().all()
        conn.execute(sa.insert(Invoice), [
            {"kind": DocumentKind.INVOICE.value, "number": d["number"], "client_id": d["client_id"],
             "period_id": period_id, "act_document_id": doc_id, "document_id": doc_id,
             "date": d["date"], "due_date": d["date"] + dt.timedelta(days=10), "currency": "RUB",
             "net": INVOICE_TOTALS[k % 2] / Decimal("1.2"),
             "vat": INVOICE_TOTALS[k % 2] - INVOICE_TOTALS[k % 2] / Decimal("1.2"),
             "total": INVOICE_TOTALS[k % 2], "paid": Decimal("0.00"), "lines": "[]",
             "upgrade_pending": False, "signature_level": "", "created_at": now}
            for k, (d, doc_id) in enumerate(zip(docs, doc_ids, strict=True))])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file, not PostgreSQL")
    args = parser.parse_args()

    import sqlalchemy as sa

    home = Path(tempfile.mkdtemp(prefix="lk-bench-payments-"))
    db_name = f"lk_bench_{uuid.uuid4().hex[:10]}"
    admin = None
    if args.sqlite:
        database_url = f"sqlite:///{home / 'bench.db'}"
    else:
        server = sa.make_url(PG_SERVER)
        admin = sa.create_engine(server.set(drivername="postgresql+psycopg2"),
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{db_name}"'))
        database_url = server.set(database=db_name).render_as_string(hide_password=False)
    try:
        env = {**os.environ, "LK_INSTANCE_DIR": str(home / "instance"),
               "LK_DATABASE_URL": database_url, "LK_SECRET_KEY": secrets.token_hex(16),
               "LK_STORAGE_DIR": str(home / "files"), "LK_MAIL_BACKEND": "file",
               "LK_MAIL_DIR": str(home / "mail"), "LK_RATELIMIT_STORAGE_URL": "memory://"}
        subprocess.run([str(VENV_BIN / "lk"), "db", "upgrade"], env=env, check=True,
                       capture_output=True, cwd=ROOT)
        os.environ.update({k: v for k, v in env.items() if k.startswith("LK_")})
        from lk_corporate.app import create_app
        from lk_corporate.core.audit import Actor
        from lk_corporate.core.extensions import db
        from lk_corporate.core.uow import unit_of_work
        from lk_corporate.invoicing.models import Invoice
        from lk_corporate.payments.models import Payment, PaymentAllocation
        from lk_corporate.payments.operations import import_statement
        from lk_corporate.payments.statement import parse_statement

        app = create_app()
        actor = Actor.system("bench")
        with app.app_context():
            print(f"seeding {args.clients} clients with two invoices each …", flush=True)
            with unit_of_work() as session:
                seed(session, args.clients)
            small = home / "small.txt"
            big = home / "statement.txt"
            write_statement(small, args.payments // 5, args.clients, first=10_000_000)
            write_statement(big, args.payments, args.clients)
            print(f"statement: {args.payments} payments, {big.stat().st_size / 1e6:.1f} MB "
                  f"(Windows-1251)", flush=True)

            # The floor: the parser alone, the same file.
            t0, c0 = time.perf_counter(), time.process_time()
            with big.open("rb") as stream:
                parsed = sum(1 for _ in parse_statement(stream))
            floor_wall, floor_cpu = time.perf_counter() - t0, time.process_time() - c0
            assert parsed == args.payments

            rss_start = _rss_mib()
            with unit_of_work() as session, small.open("rb") as stream:
                import_statement(session, stream, actor=actor, file_name=small.name,
                                 supplier_account=SUPPLIER_ACCOUNT)
            rss_small = _rss_mib()
            db.session.remove()

            t0, c0 = time.perf_counter(), time.process_time()
            with unit_of_work() as session, big.open("rb") as stream:
                result = import_statement(session, stream, actor=actor, file_name=big.name,
                                          supplier_account=SUPPLIER_ACCOUNT)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            rss_big = _rss_mib()
            db.session.remove()

            t0 = time.perf_counter()
            with unit_of_work() as session, big.open("rb") as stream:
                again = import_statement(session, stream, actor=actor, file_name=big.name,
                                         supplier_account=SUPPLIER_ACCOUNT)
            again_wall = time.perf_counter() - t0

            with unit_of_work(write=False) as session:
                count = session.scalar(sa.select(sa.func.count()).select_from(Payment))
                sums = dict(session.execute(
                    sa.select(PaymentAllocation.invoice_id, sa.func.sum(PaymentAllocation.amount))
                    .group_by(PaymentAllocation.invoice_id)).all())
                # Compared in Python: SQLite sums NUMERIC as floats.
                bad = sum(1 for i, paid in session.execute(sa.select(Invoice.id, Invoice.paid))
                          if paid != Decimal(str(sums.get(i, 0))).quantize(Decimal("0.01")))
                over = session.scalar(sa.select(sa.func.count()).select_from(Invoice).where(
                    Invoice.paid > Invoice.total))
                allocated = sum(session.scalars(sa.select(PaymentAllocation.amount)), Decimal(0))
                payments_allocated = sum(session.scalars(sa.select(Payment.allocated)),
                                         Decimal(0))
        assert result.added == args.payments and again.added == 0, (result, again)
        assert count == args.payments + args.payments // 5, count
        assert bad == 0 and over == 0 and allocated == payments_allocated, (bad, over)

        rate = args.payments / wall
        floor_rate = args.payments / floor_wall
        print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}, "
              f"{'SQLite' if args.sqlite else 'PostgreSQL'}")
        print(f"floor (the parser alone): {floor_rate:,.0f} payments/s "
              f"({floor_cpu:.1f} s CPU)")
        print(f"import + matching + allocation: {rate:,.0f} payments/s, "
              f"{rate / floor_rate:.2f}× the floor; this process {cpu:.1f} s CPU "
              f"({args.payments / cpu:,.0f}/s per core)")
        print(f"matched {result.matched}, to the queue {result.unmatched}, "
              f"allocations {result.allocations}, amount {result.amount}")
        print(f"the same file again: {again.added} added in {again_wall:.1f} s")
        print(f"peak RSS: {rss_start:.0f} MiB before, {rss_small:.0f} MiB after "
              f"{args.payments // 5} payments, {rss_big:.0f} MiB after {args.payments}")
        print(f"payments: {args.payments} in {wall:.1f} s ({rate:,.0f}/s)")
    finally:
        if admin is not None:
            from lk_corporate.core.extensions import db as _db

            if "app" in locals():
                with app.app_context():
                    _db.session.remove()
                    _db.engine.dispose()
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
