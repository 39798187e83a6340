"""``lk audit verify``: walk the audit chain and report any edited or deleted entry."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lk_corporate.core.audit import verify_chain
from lk_corporate.core.extensions import db

audit = AppGroup("audit", help="The hash-chained audit log.")


@audit.command("verify")
def verify_command() -> None:
    """Check every entry's hash and link; exit 1 when the chain is broken."""
    report = verify_chain(db.session)
    if report.intact:
        click.echo(f"Audit chain intact: {report.entries} entries.")
        return
    click.echo(f"Audit chain BROKEN ({report.entries} entries read):", err=True)
    for p in report.problems:
        where = f"entry #{p.seq}" if p.seq is not None else "chain end"
        click.echo(f"  {where}: {p.message}", err=True)
    raise SystemExit(1)
