"""``lk revocation refresh``: update the CRL index now (the periodic job, by hand)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

revocation = AppGroup("revocation", help="Revocation data: the CRL index validation reads.")


@revocation.command("refresh")
def refresh_command() -> None:
    """Download and verify the CRLs of the trusted CAs and index their serials."""
    from lk_corporate.verification.jobs import crl_index_path, refresh_revocation_index

    report = refresh_revocation_index(current_app._get_current_object())  # type: ignore[attr-defined]
    for line in report.updated:
        click.echo(f"updated: {line}")
    for line in report.errors:
        click.echo(f"error:   {line}", err=True)
    click.echo(f"index: {crl_index_path(current_app._get_current_object())}")  # type: ignore[attr-defined]
    if report.errors and not report.updated:
        raise SystemExit(1)
