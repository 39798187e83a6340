"""``lk payments import FILE``: import a bank statement (1C client-bank exchange or CSV).

Prints how many payments the file holds, how many were new, matched and left for the
staff's queue. Exit codes: 0 — imported (also when nothing was new); 2 — the file is
malformed (the line and the reason are printed; nothing was imported) or cannot be read.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import click
from sqlalchemy import select

from lk_corporate.core.audit import Actor
from lk_corporate.core.uow import is_transient, unit_of_work
from lk_corporate.payments.operations import import_statement
from lk_corporate.payments.statement import StatementError
from lk_corporate.supplier.models import SupplierSettings

payments = click.Group("payments", help="Payments from bank statements.")

ATTEMPTS = 5


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@payments.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_command(file: Path) -> None:
    """Import FILE: new payments matched to clients and allocated to their invoices; those
    imported before are skipped; a malformed file is refused whole."""
    sha = file_sha256(file)
    actor = Actor.system("lk payments import")
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with unit_of_work() as session, file.open("rb") as stream:
                account = session.scalar(select(SupplierSettings.bank_account)
                                         .order_by(SupplierSettings.id).limit(1)) or ""
                result = import_statement(session, stream, actor=actor, file_name=file.name,
                                          sha256=sha, supplier_account=account)
            break
        except StatementError as exc:
            click.echo(f"{file.name}: refused, nothing imported: {exc}", err=True)
            raise SystemExit(2) from None
        except Exception as exc:
            # Another import of an overlapping statement in the way (a deadlock, a
            # serialization failure): the whole file again, from its first line.
            if not is_transient(exc) or attempt == ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    click.echo(f"{file.name}: import No. {result.number}: {result.payments} payments, "
               f"{result.added} new ({result.duplicates} imported before), "
               f"{result.matched} matched, {result.unmatched} to assign by hand; "
               f"amount {result.amount}")
