"""``lk mail retry``: deliver the messages a mail server failure left queued."""

from __future__ import annotations

import click
from flask.cli import AppGroup

mail = AppGroup("mail", help="Outgoing e-mail.")


@mail.command("retry")
def retry_command() -> None:
    """Try every queued message again. Exit 1 when a message could not be delivered now but
    will be tried again (the mail server is down); messages given up for good (refused
    address, too many attempts) are counted and listed for staff, and do not fail the run."""
    from lk_corporate.core.extensions import db
    from lk_corporate.core.mail import retry_pending

    report = retry_pending(db.session)
    click.echo(f"Delivered {report.sent}, still queued {report.still_queued}, "
               f"given up {report.given_up}.")
    if report.still_queued:
        raise SystemExit(1)
