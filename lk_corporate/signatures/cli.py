"""`lk sign`: sign a PDF with a PKCS#12 identity (PAdES)."""

import click


@click.command("sign")
def sign() -> None:
    """Sign a PDF (being built)."""
    raise click.ClickException("lk sign is not available yet")
