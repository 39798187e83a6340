"""``lk mail retry``: deliver the messages a mail server failure left queued."""

from __future__ import annotations

import click
from flask.cli import AppGroup

mail = AppGroup("mail", help="Outgoing e-mail.")


@mail.command("retry")
def retry_command() -> None:
    """Try every queued message again; exit 1 when some still could not be delivered."""
    from lk_corporate.core.mail import retry_pending
    from lk_corporate.extensions import db

    sent, failed = retry_pending(db.session)
    click.echo(f"Delivered {sent}, still queued {failed}.")
    if failed:
        raise SystemExit(1)
