"""`lk documents ...`: the PDF documents from the command line."""

from pathlib import Path

import click

documents = click.Group("documents", help="PDF documents: samples and rendering.")


@documents.command("sample")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def sample(directory: Path) -> None:
    """Write one sample PDF of every document kind (from the demo data) into DIRECTORY.

    Needs no database: the samples are built from the demo constants.
    """
    from lk_corporate.demo.samples import write_samples

    for path in write_samples(directory):
        click.echo(f"{path}  {path.stat().st_size} bytes")
