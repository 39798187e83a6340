"""`lk documents ...`: the PDF documents from the command line."""

import click

documents = click.Group("documents", help="PDF documents: samples and rendering.")
