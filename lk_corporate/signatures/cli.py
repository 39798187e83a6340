"""`lk sign`: sign a PDF with a PKCS#12 identity (PAdES B-B … B-LTA).

A thin shell over :func:`signing.sign_pdf`: parse options, map the precise
errors of :mod:`signing.errors` to clear one-line messages. Exit status 2 for
bad input (missing or unreadable file, wrong password, not a PDF, unusable
certificate), 1 when a service (TSA, OCSP) fails, 0 on success. No database.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from lk_corporate.config import demo_tsa_url
from signing import (
    DEFAULT_TSA_URL,
    IdentityError,
    InvalidInputError,
    Level,
    ServiceUnavailableError,
    SigningError,
    SigningOptions,
    load_pkcs12_identity,
    sign_pdf,
)


class BadInput(click.ClickException):
    """A user mistake: exit status 2, like click's usage errors."""

    exit_code = 2


def _read_password(path: Path) -> str:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read the password file {path}: {exc}") from exc
    # The first line, without its line ending: `echo secret > file` must work.
    return text.splitlines()[0] if text else ""


def _write_atomically(path: Path, data: bytes) -> None:
    directory = path.resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@click.command("sign")
@click.argument("input_pdf", metavar="IN.pdf",
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("output_pdf", metavar="OUT.pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--p12", "p12", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="PKCS#12 file with the signing key and certificate chain.")
@click.option("--password-file", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="File whose first line is the PKCS#12 password.")
@click.option("--level", type=click.Choice([lv.value for lv in Level]), default=Level.B_T.value,
              show_default=True, help="PAdES baseline level.")
@click.option("--tsa", "tsa_url", default=None, metavar="URL",
              help="RFC 3161 time-stamping authority [default: $LK_TSA_URL; beside a demo "
                   f"(LK_DEMO set) the demo's own; else {DEFAULT_TSA_URL}].")
@click.option("--certify", is_flag=True,
              help="Certification signature: afterwards only form filling and signatures.")
@click.option("--field", "field_name", metavar="NAME",
              help="Sign this field (an existing empty one, or create it).")
@click.option("--add-empty-field", "empty_fields", multiple=True, metavar="NAME",
              help="Create an empty signature field for a later signer (repeatable).")
@click.option("--trust-root", "trust_roots", multiple=True, metavar="PEM",
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Trust anchor for collecting revocation data (B-LT, B-LTA) "
                   "[default: the root in the PKCS#12 file].")
@click.option("--invisible", is_flag=True, help="No visible stamp.")
@click.option("--reason", default=None, help="Reason recorded in the signature.")
@click.option("--allow-degraded", is_flag=True,
              help="If the TSA or OCSP is unreachable, sign at a lower level instead of failing.")
def sign(input_pdf: Path, output_pdf: Path, p12: Path, password_file: Path, level: str,
         tsa_url: str | None, certify: bool, field_name: str | None,
         empty_fields: tuple[str, ...], trust_roots: tuple[Path, ...], invisible: bool,
         reason: str | None, allow_degraded: bool) -> None:
    """Sign IN.pdf into OUT.pdf (PAdES, incremental: earlier signatures stay valid)."""
    try:
        pdf = input_pdf.read_bytes()
    except OSError as exc:
        raise BadInput(f"cannot read {input_pdf}: {exc.strerror or exc}") from exc
    options = SigningOptions(
        level=Level(level),
        tsa_url=tsa_url or os.environ.get("LK_TSA_URL") or demo_tsa_url() or DEFAULT_TSA_URL,
        trust_roots=trust_roots,
        field_name=field_name,
        certify=certify,
        add_empty_fields=empty_fields,
        visible=not invisible,
        reason=reason,
        degrade=allow_degraded,
    )
    try:
        identity = load_pkcs12_identity(p12, _read_password(password_file))
        result = sign_pdf(pdf, identity, options)
    except (InvalidInputError, IdentityError) as exc:
        raise BadInput(str(exc)) from exc
    except ServiceUnavailableError as exc:
        raise click.ClickException(f"{exc} (use --allow-degraded to sign at a lower level, "
                                   f"or check `lk pki serve`)") from exc
    except SigningError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        _write_atomically(output_pdf, result.pdf)
    except OSError as exc:
        raise BadInput(f"cannot write {output_pdf}: {exc.strerror or exc}") from exc
    summary = identity.summary
    click.echo(f"Signed {output_pdf}: {result.level_reached}, field {result.field_name!r}, "
               f"{summary.person} ({summary.organization}, ИНН {summary.tax_id})")
    if result.upgrade_pending:
        click.echo(f"Warning: {result.target_level} not reached, upgrade pending: {result.reason}",
                   err=True)
