"""``lk countersign list [--kind K]`` and ``lk countersign sign (--all | ID…) [--kind K]``:
the supplier's countersigning queue from the command line (a scheduled approval run, or a
signer without a browser), through the same batch as the queue page: one job per document,
then a line per result."""

from __future__ import annotations

import click
from flask.cli import AppGroup

countersign = AppGroup("countersign",
                       help="The supplier's countersigning queue: list it, countersign.")

KINDS = ("reading_act", "limit_request")


@countersign.command("list")
@click.option("--kind", type=click.Choice(KINDS), help="Only this kind of document.")
def list_command(kind: str | None) -> None:
    """List the documents waiting for the supplier's signature, oldest first."""
    from lk_corporate.core.extensions import db
    from lk_corporate.countersign.operations import queue
    from lk_corporate.docflow.models import DocumentKind

    documents = queue(db.session, kinds=[DocumentKind(kind)] if kind else None)
    for d in documents:
        click.echo(f"{d.id}\t{d.kind.value}\t{d.number}\t{d.client.display_name}\t"
                   f"{d.date:%Y-%m-%d}")
    click.echo(f"{len(documents)} document(s) waiting.", err=True)


@countersign.command("sign")
@click.argument("document_ids", nargs=-1, type=click.IntRange(1))
@click.option("--all", "everything", is_flag=True, help="Every document in the queue.")
@click.option("--kind", type=click.Choice(KINDS), help="With --all: only this kind.")
@click.option("--timeout", type=click.IntRange(1, 86400), default=600, show_default=True,
              help="Seconds to wait for the in-process jobs.")
def sign_command(document_ids: tuple[int, ...], everything: bool, kind: str | None,
                 timeout: int) -> None:
    """Countersign DOCUMENT_IDS (or --all): one job each; print each result."""
    from flask import current_app

    from lk_corporate.core.audit import Actor
    from lk_corporate.core.errors import DomainError
    from lk_corporate.core.extensions import db
    from lk_corporate.core.jobs import wait_idle
    from lk_corporate.core.uow import unit_of_work
    from lk_corporate.countersign.models import CountersignStatus
    from lk_corporate.countersign.operations import batch_results, queue, request_batch
    from lk_corporate.docflow.models import DocumentKind

    if everything == bool(document_ids):
        raise click.UsageError("Name the documents, or --all (not both).")
    try:
        with unit_of_work() as session:
            ids = list(document_ids) or [d.id for d in queue(
                session, kinds=[DocumentKind(kind)] if kind else None)]
            if not ids:
                click.echo("Nothing is waiting for the supplier's signature.")
                return
            rows = request_batch(session, ids, actor=Actor.system("lk countersign"))
            batch = rows[0].batch
    except DomainError as exc:
        raise click.ClickException(exc.message % exc.params if exc.params else exc.message) \
            from None
    if not wait_idle(current_app, timeout=timeout):
        click.echo("Still running: see the queue page for the rest.", err=True)
    db.session.expire_all()
    failed = 0
    for row in batch_results(db.session, batch):
        failed += row.status is CountersignStatus.FAILED
        click.echo(f"{row.document.number}\t{row.status.value}\t{row.note_in('en')}".rstrip())
    if failed:
        raise SystemExit(1)
