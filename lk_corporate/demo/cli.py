"""``lk demo``: set up and start the embedded demo in one command.

Creates the database (SQLite in the instance folder unless LK_DATABASE_URL says otherwise)
by running the migrations, seeds the demo data, generates the demo PKI and serves its
CRL/OCSP/TSA on loopback, then starts the portal and prints every login with its password.

Several demos can share a machine: each needs its own folder, portal port and PKI port
(``--pki-port`` / ``LK_PKI_PORT``). The settings a user gave (LK_TSA_URL, LK_TRUST_ROOTS,
LK_MAIL_BACKEND) are kept; the demo only fills in its own where none was given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import click
from flask import current_app
from flask.cli import with_appcontext

from lk_corporate.config import write_demo_addresses
from lk_corporate.demo.seed import demo_seeders, seed_demo

if TYPE_CHECKING:
    from lk_corporate.pki import Manifest, ServicesHandle

PKI_HOST = "127.0.0.1"
DEFAULT_PKI_PORT = 8765


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the portal.")
@click.option("--pki-port", type=click.IntRange(1, 65535), default=None, envvar="LK_PKI_PORT",
              show_envvar=True,
              help=f"Port of the demo PKI's CRL/OCSP/TSA on {PKI_HOST}; a new PKI carries it in "
                   f"its certificates [default: the existing PKI's, else {DEFAULT_PKI_PORT}].")
@click.option("--no-server", is_flag=True, help="Set up and print the logins, but start nothing.")
@with_appcontext
def demo(host: str, port: int, pki_port: int | None, no_server: bool) -> None:
    """Set up and start the demo: database, demo data, demo PKI, local CRL/OCSP/TSA."""
    from flask_migrate import upgrade

    from lk_corporate.core.storage import FileStore
    from lk_corporate.core.uow import unit_of_work

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base_url = f"http://{shown_host}:{port}"
    # LK_MAIL_BACKEND is the user's (default: file); only demo mode and the address are set.
    app.config.update(LK_DEMO=True, LK_BASE_URL=base_url)

    # The PKI first: a port that cannot be used refuses the start before anything is written.
    pki_dir = Path(app.config["LK_PKI_DIR"])
    click.echo(f"Preparing the demo PKI in {pki_dir}…")
    manifest, services = _prepare_pki(pki_dir, pki_port, serve=not no_server)
    # The demo's own TSA and root, unless the user configured others.
    if not os.environ.get("LK_TSA_URL"):
        app.config["LK_TSA_URL"] = manifest.tsa_url
    if not os.environ.get("LK_TRUST_ROOTS"):
        app.config["LK_TRUST_ROOTS"] = str(manifest.trust_anchor)
    # For `lk` commands run beside the demo with LK_DEMO set (e.g. `lk period calculate`):
    # the same links and TSA in what they issue.
    write_demo_addresses(Path(app.instance_path), app.config)

    try:
        click.echo("Preparing the database…")
        upgrade(directory=str(Path(app.root_path) / "migrations"))
        with unit_of_work() as session:
            seeded = seed_demo(session, store=FileStore(Path(app.config["LK_STORAGE_DIR"])))
        if seeded.created:
            # What other packages add (the previous month, calculated: an invoice to see).
            for seeder in demo_seeders():
                with unit_of_work() as session:
                    message = seeder(session, app.config, manifest)
                if message:
                    click.echo(message)

        _print_summary(app.config, base_url, seeded, manifest)
        if no_server:
            return
        _start_revocation_refresh(app)
        from werkzeug.serving import run_simple

        from lk_corporate.audit.anchor import start_periodic_checkpoints

        start_periodic_checkpoints(app)

        click.echo(f"\nThe portal: {base_url}/   (Ctrl+C stops it)\n")
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        if services is not None:
            services.stop()


def _prepare_pki(pki_dir: Path, pki_port: int | None, *,
                 serve: bool) -> tuple[Manifest, ServicesHandle | None]:
    """The demo PKI for ``pki_port`` and its CRL/OCSP/TSA (None: served by someone else).

    Refuses (exit 1) rather than sign with a PKI that does not fit: one generated for another
    port (its certificates carry the URLs), or a port that answers with another PKI — another
    demo's TSA would timestamp this demo's signatures, and none of them would validate.
    """
    from lk_corporate.pki import (
        ManifestError,
        PkiBaseUrlMismatch,
        PortInUseError,
        ensure_demo_pki,
        load_manifest,
        port_is_free,
        serves_pki,
        start_services,
    )

    try:
        existing = load_manifest(pki_dir) if (pki_dir / "manifest.json").exists() else None
    except ManifestError as exc:
        raise click.ClickException(str(exc)) from exc
    if pki_port is None:  # neither --pki-port nor LK_PKI_PORT: keep the port the PKI was made for
        pki_port = (urlsplit(existing.base_url).port if existing else None) or DEFAULT_PKI_PORT
    pki_url = f"http://{PKI_HOST}:{pki_port}"
    if existing is not None and existing.base_url.rstrip("/") != pki_url:
        raise _port_mismatch(existing.directory, existing.base_url, pki_port)

    shared = False
    if serve and not port_is_free(PKI_HOST, pki_port):
        if existing is None or not serves_pki(existing, PKI_HOST, pki_port):
            raise _foreign_port(pki_port)
        shared = True  # this PKI's own `lk pki serve` (or another demo on this same folder)

    try:
        manifest = ensure_demo_pki(pki_dir, pki_url)
    except PkiBaseUrlMismatch as exc:  # generated meanwhile by another process
        raise _port_mismatch(exc.manifest.directory, exc.manifest.base_url, pki_port) from exc
    if not serve:
        return manifest, None
    if shared:
        click.echo(f"CRL / OCSP / TSA: {pki_url}, already served there for this PKI "
                   "(`lk pki serve`); using it.")
        return manifest, None
    try:
        services = start_services(pki_dir, PKI_HOST, pki_port)
    except PortInUseError:  # taken between the check and the start
        if serves_pki(manifest, PKI_HOST, pki_port):
            return manifest, None
        raise _foreign_port(pki_port) from None
    click.echo(f"CRL / OCSP / TSA: {services.base_url}")
    return manifest, services


def _foreign_port(pki_port: int) -> click.ClickException:
    return click.ClickException(
        f"port {pki_port} on {PKI_HOST} is in use, and not by this demo's PKI (another demo's, "
        "or another program). Its timestamps and revocation answers would not fit this demo's "
        "certificates, so signatures would not validate. Choose another port: "
        "lk demo --pki-port N (or LK_PKI_PORT=N; PKI_PORT=N make demo).")


def _port_mismatch(directory: Path, made_for: str, pki_port: int) -> click.ClickException:
    made = urlsplit(made_for)
    # Only a PKI made for this host can be served here at all, on its own port.
    same_port = (f"Run the demo with the PKI's port (--pki-port {made.port}), or set "
                 if made.hostname == PKI_HOST and made.port else "Set ")
    return click.ClickException(
        f"the demo PKI in {directory} was generated for {made_for}: its certificates carry "
        f"that address (CRL, OCSP, CA certificates), so it cannot be served at "
        f"http://{PKI_HOST}:{pki_port}. {same_port}LK_PKI_DIR to another folder, or move "
        f"{directory} away to generate a new PKI for port {pki_port} (documents signed with "
        f"the old one will not validate against the new root, and a reader that trusted the "
        f"old root must be told to trust the new one).")


def _start_revocation_refresh(app: object, every_seconds: float = 3600.0) -> None:
    """The demo has no Celery beat: refresh the CRL index from a daemon thread instead."""
    import threading
    import time

    from lk_corporate.verification.jobs import refresh_revocation_index

    def loop() -> None:
        while True:
            try:
                refresh_revocation_index(app, timeout=5.0)  # type: ignore[arg-type]
            except Exception as exc:  # noqa: BLE001 - a failed refresh must not stop the demo
                click.echo(f"CRL refresh failed: {exc}", err=True)
            time.sleep(every_seconds)

    threading.Thread(target=loop, name="lk-crl-refresh", daemon=True).start()


_KEY_NOTES = {"client": "", "revoked": " (revoked: refused)", "expired": " (expired: refused)",
              "untrusted": " (unknown CA: refused)"}


def _print_keys(manifest: Manifest) -> None:
    """The clients' key files: what a new user picks on the signing page («Подписать»)."""
    click.echo("")
    click.echo("  Keys to sign with in the browser (PKCS#12 file, its password; contract):")
    for ident in manifest.identities:
        if ident.role in _KEY_NOTES:
            click.echo(f"  {ident.p12}  {ident.password}  {ident.client_contract or '—'}"
                       f"{_KEY_NOTES[ident.role]}")


def _print_summary(config: Any, base_url: str, seeded: object, manifest: Manifest) -> None:
    from lk_corporate.demo.seed import DemoSeed

    assert isinstance(seeded, DemoSeed)
    click.echo("")
    click.echo("LK Corporate demo" + (" (new data)" if seeded.created else " (existing data)"))
    click.echo(f"  database: {config['SQLALCHEMY_DATABASE_URI']}")
    if config["LK_MAIL_BACKEND"] == "smtp":
        click.echo(f"  e-mail:   sent through {config['LK_SMTP_HOST']}:{config['LK_SMTP_PORT']} "
                   f"(LK_MAIL_BACKEND=smtp) and shown at {base_url}/outbox/ on this machine")
    else:
        click.echo(f"  e-mail:   written to {config['LK_MAIL_DIR']} and shown at {base_url}/outbox/ "
                   "on this machine")
    click.echo(f"  PKI:      {manifest.directory} (trust anchor: {manifest.trust_anchor}), "
               f"CRL / OCSP / TSA at {manifest.base_url}")
    click.echo(f"  check a downloaded PDF's signatures: lk verify FILE.pdf --trust "
               f"{manifest.trust_anchor}")
    if config["LK_TSA_URL"] != manifest.tsa_url:
        click.echo(f"  TSA:      {config['LK_TSA_URL']} (LK_TSA_URL)")
    click.echo("")
    click.echo(f"  {'login':<12} {'password':<18} role (contracts)")
    for u in seeded.logins:
        click.echo(f"  {u.login:<12} {u.password:<18} {u.role} ({u.acts_for})")
    _print_keys(manifest)
    if seeded.activation_code:
        click.echo("")
        click.echo(f"  Try the registration at {base_url}/register with activation code "
                   f"{seeded.activation_code},")
        click.echo(f"  tax ID {seeded.activation_tax_id}, contract {seeded.activation_contract}.")
    click.echo(f"\n  Open {base_url}/ and log in.")
