"""``lk demo``: set up and start the embedded demo in one command.

Creates the database (SQLite in the instance folder unless LK_DATABASE_URL says otherwise)
by running the migrations, seeds the demo data, generates the demo PKI and serves its
CRL/OCSP/TSA on loopback, then starts the portal and prints every login with its password.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from lk_corporate.demo.seed import seed_demo

PKI_PORT = 8765


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the portal.")
@click.option("--no-server", is_flag=True, help="Set up and print the logins, but start nothing.")
@with_appcontext
def demo(host: str, port: int, no_server: bool) -> None:
    """Set up and start the demo: database, demo data, demo PKI, local CRL/OCSP/TSA."""
    from flask_migrate import upgrade

    from lk_corporate.core.uow import unit_of_work
    from lk_corporate.pki.generate import ensure_demo_pki

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    base_url = f"http://{shown_host}:{port}"
    app.config.update(LK_DEMO=True, LK_BASE_URL=base_url, LK_MAIL_BACKEND="file")

    click.echo("Preparing the database…")
    upgrade(directory=str(Path(app.root_path) / "migrations"))
    with unit_of_work() as session:
        seeded = seed_demo(session)

    pki_dir = Path(app.config["LK_PKI_DIR"])
    click.echo(f"Preparing the demo PKI in {pki_dir}…")
    manifest = ensure_demo_pki(pki_dir, f"http://127.0.0.1:{PKI_PORT}")
    app.config["LK_TSA_URL"] = manifest.tsa_url
    app.config["LK_TRUST_ROOTS"] = str(pki_dir / "root-ca.pem")

    _print_summary(base_url, seeded, pki_dir, app.config["SQLALCHEMY_DATABASE_URI"],
                   app.config["LK_MAIL_DIR"])
    if no_server:
        return

    from lk_corporate.pki.server import start_services

    try:
        services = start_services(pki_dir, "127.0.0.1", PKI_PORT)
        click.echo(f"CRL / OCSP / TSA: {services.base_url}")
    except (OSError, SystemExit):  # werkzeug exits when the port is taken
        services = None
        click.echo(f"CRL / OCSP / TSA not started: port {PKI_PORT} is in use; "
                   "if `lk pki serve` already runs there, that is fine.", err=True)
    _start_revocation_refresh(app)
    from lk_corporate.core.audit_anchor import start_periodic_checkpoints

    start_periodic_checkpoints(app)
    from werkzeug.serving import run_simple

    click.echo(f"\nThe portal: {base_url}/   (Ctrl+C stops it)\n")
    try:
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)
    finally:
        if services is not None:
            services.stop()


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


def _print_summary(base_url: str, seeded: object, pki_dir: Path, db_url: str, mail_dir: str) -> None:
    from lk_corporate.demo.seed import DemoSeed

    assert isinstance(seeded, DemoSeed)
    click.echo("")
    click.echo("LK Corporate demo" + (" (new data)" if seeded.created else " (existing data)"))
    click.echo(f"  database: {db_url}")
    click.echo(f"  e-mail:   written to {mail_dir} and shown at {base_url}/outbox/")
    click.echo(f"  PKI:      {pki_dir} (trust anchor: {pki_dir / 'root-ca.pem'})")
    click.echo("")
    click.echo(f"  {'login':<12} {'password':<18} role (contracts)")
    for u in seeded.logins:
        click.echo(f"  {u.login:<12} {u.password:<18} {u.role} ({u.acts_for})")
    if seeded.activation_code:
        click.echo("")
        click.echo(f"  Try the registration at {base_url}/register with activation code "
                   f"{seeded.activation_code},")
        click.echo(f"  tax ID {seeded.activation_tax_id}, contract {seeded.activation_contract}.")
    click.echo(f"\n  Open {base_url}/ and log in.")
