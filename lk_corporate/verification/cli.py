"""`lk verify`: validate every signature of a PDF and print the report."""

import click


@click.command("verify")
def verify() -> None:
    """Validate a signed PDF (being built)."""
    raise click.ClickException("lk verify is not available yet")
