"""`lk verify`: validate every signature of a PDF and print the report.

Exit status: 0 when every signature is TOTAL-PASSED (and, with ``--tax-id``, the last signer
signs for that tax ID); 1 otherwise, including a file without signatures; 2 when the input
cannot be read or analysed (with a message, never a traceback). No database is used; the CLI
may fetch revocation data over the network (it is not a web request) unless ``--offline``.
"""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path

import click

from lk_corporate.config import demo_trust_roots
from signing.validation import (
    CrlIndex,
    DocumentReport,
    Indication,
    SignatureKind,
    SignatureReport,
    ValidationError,
    ValidationSettings,
    validate_pdf,
)
from signing.validation.validate import DEFAULT_MAX_FILE_SIZE

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _t(dt: datetime | None) -> str:
    return dt.strftime("%Y-%m-%d %H:%M:%S UTC") if dt else "—"


_CN = re.compile(r"Common Name: ([^,]+)")


def _short(subject: str) -> str:
    """A certificate's common name for the human report (the JSON keeps the whole subject)."""
    m = _CN.search(subject)
    return m.group(1).strip() if m else subject


def _signature_text(s: SignatureReport, total: int) -> list[str]:
    kind = "Document timestamp" if s.kind is SignatureKind.DOCUMENT_TIMESTAMP else "Signature"
    verdict = s.indication.value + (f" / {s.sub_indication.value}" if s.sub_indication else "")
    lines = [f"{kind} {s.index} of {total} — field {s.field_name!r} — {verdict}"]

    def row(label: str, value: str) -> None:
        lines.append(f"  {label:<14} {value}")

    if s.signer is not None:
        who = ", ".join(x for x in (s.signer.common_name, s.signer.organization) if x) or s.signer.subject
        ids = ", ".join(f"{k} {v}" for k, v in s.signer.tax_ids)
        row("Signer:", who + (f" ({ids})" if ids else ""))
        row("Certificate:", f"serial {s.signer.serial_hex}, issued by {s.signer.issuer}, "
                            f"valid {_t(s.signer.not_before)} – {_t(s.signer.not_after)}")
    else:
        row("Signer:", "unknown")
    ts = s.timestamp
    ts_text = "none"
    if ts is not None:
        tsa = ts.tsa.common_name if ts.tsa else "?"
        ts_text = f"{_t(ts.time)} by {tsa} ({ts.indication.value})"
    if s.kind is SignatureKind.SIGNATURE:
        row("Signing time:", f"{_t(s.claimed_signing_time)} (claimed); timestamp: {ts_text}")
    else:
        row("Time:", ts_text)
    i = s.integrity
    row("Integrity:", f"byte range {'OK' if i.byte_range_ok else 'BAD'} {list(i.byte_range or [])}, "
                      f"digest {'OK' if i.digest_ok else 'BAD'}, signature {'OK' if i.signature_ok else 'BAD'}"
                      + (f" ({i.digest_algorithm}, {i.signature_algorithm})" if i.digest_algorithm else ""))
    c = s.coverage
    cov = f"revision {c.revision} of {c.revision_count}" if c.revision else "no complete revision"
    if c.covers_whole_file:
        cov += " (the whole file)"
    elif c.covers_whole_revision:
        cov += " (the whole revision)"
    row("Covers:", cov)
    ch = s.changes_after
    after = {
        "none": "nothing",
        "ltv-only": "LTV data only",
        "signatures": "more signatures / LTV data",
        "other": "DISALLOWED CHANGES",
    }[ch.kind.value]
    row("After it:", after + (f": {'; '.join(ch.details)}" if ch.details and not ch.violations else ""))
    for v in ch.violations[:10]:
        lines.append(f"    ! {v}")
    if s.chain is not None:
        row("Chain:", ("trusted: " if s.chain.trusted else "NOT trusted: ")
            + (" → ".join(_short(n) for n in s.chain.path) if s.chain.path
               else (s.chain.detail or "")))
        for r in s.chain.revocation:
            extra = f", revoked {_t(r.revoked_at)}" if r.revoked_at else ""
            row("Revocation:", f"{_short(r.subject)}: {r.status.value} (source: {r.source.value}{extra})")
    row("PAdES level:", s.pades_level.value)
    if s.certification_level is not None:
        row("Certifies:", f"DocMDP P={s.certification_level}")
    if s.authorization is not None:
        a = s.authorization
        row("Authorized:", ("yes — " if a.authorized else "NO — ") + a.detail)
    for m in s.messages:
        lines.append(f"    - {m}")
    return lines


def render_text(report: DocumentReport, name: str) -> str:
    head = f"File: {name} ({report.size} bytes, {report.revision_count} revisions, sha256 {report.sha256})"
    lines = [head, f"Validated at: {_t(report.validation_time)}", ""]
    for s in report.signatures:
        lines.extend(_signature_text(s, len(report.signatures)))
        lines.append("")
    for f in report.structure_findings:
        lines.append(f"! {f}")
    if not report.approval_signatures:
        lines.append("Result: the document has no signature")
    elif report.all_passed:
        lines.append("Result: every signature is TOTAL-PASSED")
    else:
        lines.append(f"Result: {report.indication.value}")
    return "\n".join(lines)


def exit_code(report: DocumentReport, tax_id: str | None) -> int:
    if not report.all_passed:
        return EXIT_INVALID
    if tax_id is not None:
        last = report.last_signature
        if last is None or last.authorization is None or not last.authorization.authorized:
            return EXIT_INVALID
    return EXIT_OK


@click.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--trust", "trust", multiple=True, type=click.Path(path_type=Path),
              help="Trust anchor certificate(s), PEM or DER; default: $LK_TRUST_ROOTS, or "
                   "beside the demo (LK_DEMO set) its PKI's root.")
@click.option("--crl", "crls", multiple=True, type=click.Path(path_type=Path),
              help="CRL file (DER or PEM) to use as a revocation source.")
@click.option("--tax-id", default=None, help="Require the last signer to sign for this tax ID (ИНН).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--crl-index", type=click.Path(path_type=Path), default=None, envvar="LK_CRL_INDEX",
              help="CRL index file filled by the refresh job.")
@click.option("--offline", is_flag=True, help="Never fetch OCSP/CRLs over the network.")
def verify(file: Path, trust: tuple[Path, ...], crls: tuple[Path, ...], tax_id: str | None,
           as_json: bool, crl_index: Path | None, offline: bool) -> None:
    """Validate every signature of FILE.pdf and print the report."""
    def fail(msg: str) -> None:
        click.echo(f"lk verify: {msg}", err=True)
        sys.exit(EXIT_UNREADABLE)

    try:
        size = file.stat().st_size
        if size > DEFAULT_MAX_FILE_SIZE:
            fail(f"{file}: {size} bytes is more than the {DEFAULT_MAX_FILE_SIZE}-byte limit")
        data = file.read_bytes()
    except OSError as e:
        fail(f"cannot read {file}: {e.strerror or e}")
        return
    if not trust and not os.environ.get("LK_TRUST_ROOTS"):
        trust = tuple(Path(p) for p in demo_trust_roots())
    try:
        settings = ValidationSettings.from_files(
            trust, crls,
            crl_index=CrlIndex(crl_index) if crl_index else None,
            allow_fetch=not offline,
            expected_tax_id=tax_id,
        )
        report = validate_pdf(data, settings)
    except ValidationError as e:
        fail(f"{file}: {e}")
        return
    except (MemoryError, RecursionError):
        fail(f"{file}: the file is too complex to analyse")
        return
    except Exception as e:  # noqa: BLE001 - a validator bug must still not print a traceback
        fail(f"{file}: internal validator error ({type(e).__name__}: {e})")
        return
    if as_json:
        click.echo(report.to_json())
    else:
        click.echo(render_text(report, str(file)))
    sys.exit(exit_code(report, tax_id))


__all__ = ["Indication", "exit_code", "render_text", "verify"]
