"""`lk pki ...`: create and serve the demo PKI."""

import click

pki = click.Group("pki", help="Demo PKI: generate certificates, serve CRL/OCSP/TSA on loopback.")
