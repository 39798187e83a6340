"""`lk pki ...`: create and serve the demo PKI (no database needed)."""

from __future__ import annotations

from pathlib import Path

import click

from lk_corporate.pki.declaration import DEFAULT_DECLARATION, DeclarationError, load_declaration
from lk_corporate.pki.generate import DEFAULT_BASE_URL, PkiGenerationError, init_pki
from lk_corporate.pki.manifest import ManifestError
from lk_corporate.pki.server import DEFAULT_HOST, DEFAULT_PORT, serve_forever

pki = click.Group("pki", help="Demo PKI: generate certificates, serve CRL/OCSP/TSA on loopback.")


class _UsageError(click.ClickException):
    exit_code = 2


@pki.command("init")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--base-url", default=DEFAULT_BASE_URL, show_default=True,
              help="Where `lk pki serve` will answer; written into every certificate.")
@click.option("--declaration", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_DECLARATION, show_default=True, help="The PKI declaration.")
def init_command(directory: Path, base_url: str, declaration: Path) -> None:
    """Generate the demo PKI into DIRECTORY (root-ca.pem, manifest.json, PKCS#12 files)."""
    if not base_url.startswith(("http://", "https://")):
        raise _UsageError(f"--base-url must be an http(s) URL, not {base_url!r}")
    try:
        manifest = init_pki(directory, base_url, declaration=load_declaration(declaration))
    except (DeclarationError, PkiGenerationError) as exc:
        raise _UsageError(str(exc)) from exc
    except OSError as exc:
        raise _UsageError(f"cannot write {directory}: {exc.strerror or exc}") from exc
    click.echo(f"Demo PKI written to {manifest.directory}")
    click.echo(f"  trust anchor: {manifest.trust_anchor}")
    click.echo(f"  TSA: {manifest.tsa_url}   OCSP: {manifest.ocsp_url}")
    for ident in manifest.identities:
        click.echo(f"  {ident.role:9} {ident.name:18} {ident.tax_id}  {ident.p12.name}"
                   f"  (password in {ident.password_file.relative_to(manifest.directory)})")
    click.echo(f"Serve it with: lk pki serve {directory}")


@pki.command("serve")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--host", default=DEFAULT_HOST, show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
def serve_command(directory: Path, host: str, port: int) -> None:
    """Serve DIRECTORY's CRLs, OCSP responder and TSA until interrupted."""
    try:
        from lk_corporate.pki.manifest import load_manifest

        manifest = load_manifest(directory)
    except ManifestError as exc:
        raise _UsageError(f"{exc} (run `lk pki init {directory}` first)") from exc
    def ready() -> None:
        click.echo(f"Serving the demo PKI of {manifest.directory} on http://{host}:{port}"
                   f" (certificates point at {manifest.base_url})")
        if not manifest.base_url.endswith(f":{port}"):
            click.echo(f"Warning: the certificates point at {manifest.base_url}, not port {port}",
                       err=True)

    try:
        serve_forever(directory, host, port, on_ready=ready)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror or exc}") \
            from exc
    except KeyboardInterrupt:
        pass
