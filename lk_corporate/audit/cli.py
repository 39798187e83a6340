"""``lk audit verify`` and ``lk audit checkpoint``: check the audit chain and its anchors.

``verify`` walks the hash chain and checks every signed checkpoint of its head
(:mod:`lk_corporate.audit.anchor`) against the database: exit 0 when all holds, 1 naming
each problem, 2 when checkpoints exist but cannot be checked (no usable trust anchors).
``checkpoint`` signs and timestamps the current head now (the hourly job does the same).
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

audit = AppGroup("audit", help="The hash-chained audit log.")


def _when(moment: object) -> str:
    import datetime as dt

    assert isinstance(moment, dt.datetime)
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


@audit.command("verify")
@click.option("--checkpoint-dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Check the checkpoints in DIR (e.g. an off-site copy) instead of "
                   "$LK_AUDIT_CHECKPOINT_DIR.")
def verify_command(checkpoint_dir: Path | None) -> None:
    """Check every entry's hash and link and every checkpoint; exit 1 when something is wrong."""
    from lk_corporate.audit.anchor import (
        AnchorConfigurationError,
        AnchorSettings,
        verify_checkpoints,
    )
    from lk_corporate.core.audit import verify_chain
    from lk_corporate.core.extensions import db

    session = db.session()
    report = verify_chain(session)
    settings = AnchorSettings.from_app(current_app, checkpoint_dir)
    try:
        anchors = verify_checkpoints(session, settings)
        unusable = None
    except AnchorConfigurationError as exc:
        anchors, unusable = None, str(exc)
    problems = [(f"entry #{p.seq}" if p.seq is not None else "chain end", p.message)
                for p in report.problems]
    if anchors is not None:
        for cp in anchors.problems:
            where = "checkpoints" if cp.checkpoint is None else f"checkpoint {cp.checkpoint}"
            if cp.seq is not None:
                where += f" (seq {cp.seq})"
            problems.append((where, cp.message))
    if problems:
        read = f", {len(anchors.checkpoints)} checkpoints" if anchors is not None else ""
        click.echo(f"Audit chain BROKEN ({report.entries} entries read{read}):", err=True)
        for where, message in problems:
            click.echo(f"  {where}: {message}", err=True)
    if unusable is not None:
        click.echo(f"The checkpoints in {settings.directory} cannot be checked: {unusable}",
                   err=True)
        raise SystemExit(1 if problems else 2)
    if problems:
        raise SystemExit(1)
    assert anchors is not None
    newest = anchors.newest
    if newest is None:
        click.echo(f"Audit chain intact: {report.entries} entries, no checkpoints.")
        click.echo(f"Warning: no checkpoint in {settings.directory} anchors the chain outside "
                   "the database, so someone with database access could rewrite it unnoticed. "
                   "Run `lk audit checkpoint` (hourly on Celery beat).", err=True)
        return
    stamp = _when(newest.timestamp) if newest.timestamp else "?"
    n = len(anchors.checkpoints)
    click.echo(f"Audit chain intact: {report.entries} entries, {n} "
               f"checkpoint{'s' if n != 1 else ''}, newest at seq {newest.checkpoint.seq}, "
               f"{stamp}.")
    click.echo(f"  Checkpoints in {settings.directory}: signed by {newest.signer}, timestamped "
               f"by {newest.tsa}; the database agrees with every one.")
    head = newest.checkpoint.seq
    after = (f"the {anchors.uncovered} entries after seq {head} (the next checkpoint covers "
             "them)" if anchors.uncovered else f"entries appended after seq {head} until the "
             "next checkpoint")
    click.echo(f"  Not protected: {after}, and the removal of the newest checkpoints "
               "themselves: keep a copy of the directory elsewhere and check it with "
               "--checkpoint-dir.")
    if anchors.pinned_to is None:
        click.echo("Warning: LK_SUPPLIER_P12 is not set, so any certificate chaining to "
                   "LK_TRUST_ROOTS was accepted as the checkpoints' signer.", err=True)


@audit.command("checkpoint")
@click.option("--if-changed", is_flag=True,
              help="Write nothing when the newest checkpoint already names the chain's head "
                   "(what the hourly job does).")
def checkpoint_command(if_changed: bool) -> None:
    """Sign and timestamp the chain's head now; exit 1 when no checkpoint could be written."""
    from lk_corporate.audit.anchor import AnchorSettings, CheckpointError, write_checkpoint
    from lk_corporate.core.extensions import db

    settings = AnchorSettings.from_app(current_app)
    try:
        written = write_checkpoint(db.session(), settings, only_if_changed=if_changed)
    except CheckpointError as exc:
        click.echo(f"No checkpoint written: {exc}", err=True)
        raise SystemExit(1) from None
    finally:
        db.session.remove()
    if written is None:
        click.echo("The newest checkpoint already names the chain's head; nothing written.")
        return
    cp = written.checkpoint
    click.echo(f"Checkpoint {cp.number} written to {written.path}: seq {cp.seq} "
               f"(hash {cp.hash[:16]}…), {cp.entries} entries, signed by {written.signer}, "
               f"timestamped {_when(written.timestamp)} by {written.tsa}.")
