"""The JSON the signing endpoints answer with: what to sign, and the document after a step.

Plain dicts of strings, numbers and booleans; labels in the request's language beside the
stable codes (``status`` / ``status_label``), so the browser page shows the seeds' words and
accounting software keys on the codes.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable
from typing import Any

from lk_corporate.docflow.models import Document
from lk_corporate.docflow.states import KIND_LABELS, STATUS_LABELS
from lk_corporate.docsign.models import SigningSession
from lk_corporate.docsign.operations import Started, newest_report
from lk_corporate.signatures.presentation import SignatureSummary, summarize


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def started_json(started: Started) -> dict[str, Any]:
    """``POST …/signing``: the session and exactly what the client signs."""
    tbs = started.to_be_signed
    summary = started.signer.summary
    return {
        "session": started.signing_session.public_id,
        "expires_at": _time(started.signing_session.expires_at),
        "to_be_signed": _b64(tbs.signed_attributes),
        "digest": _b64(tbs.digest),
        "signature_algorithm": tbs.scheme,
        "digest_algorithm": "SHA-256",
        "webcrypto": tbs.webcrypto_algorithm,
        "signer": {"person": summary.person, "organization": summary.organization,
                   "tax_id": summary.tax_id, "serial": summary.serial_hex,
                   "not_before": _time(summary.not_before), "not_after": _time(summary.not_after)},
        "chain_length": len(started.signer.chain),
    }


def signature_json(s: SignatureSummary) -> dict[str, Any]:
    return {
        "index": s.index, "kind": s.kind, "field": s.field, "signer": s.signer,
        "organization": s.organization, "tax_ids": s.tax_ids, "serial": s.serial,
        "valid_from": _time(s.valid_from), "valid_to": _time(s.valid_to),
        "claimed_time": _time(s.claimed_time), "timestamp_time": _time(s.timestamp_time),
        "intact": s.intact, "trusted": s.trusted, "revocation": str(s.revocation),
        "changes_after": s.changes_kind, "changes_after_label": str(s.changes),
        "level": s.level, "indication": s.indication, "sub_indication": s.sub_indication,
        "verdict": str(s.verdict), "authorized": s.authorized,
    }


def document_json(document: Document, *, url: Callable[..., str] | None = None,
                  signing_session: SigningSession | None = None) -> dict[str, Any]:
    """A document after a signing step: its status (code and words), its file, the report
    of its newest signed revision. ``url(endpoint, **args)`` builds links (the web layer's
    ``url_for``)."""
    revision, report = newest_report(document)
    out: dict[str, Any] = {
        "id": document.id,
        "kind": document.kind.value,
        "kind_label": str(KIND_LABELS[document.kind]),
        "number": document.number,
        "date": document.date.isoformat(),
        "status": document.status.value,
        "status_label": str(STATUS_LABELS[document.status]),
        "status_reason": document.status_reason,
        "sha256": document.sha256,
        "revisions": [{"seq": r.seq, "source": r.source.value, "sha256": r.sha256,
                       "size": r.size, "verdict": r.verdict, "note": r.note,
                       "created_at": _time(r.created_at)} for r in document.revisions],
        "report_revision": revision.seq if revision is not None else None,
        "verdict": report.get("indication") if report else None,
        "signatures": [signature_json(s) for s in summarize(report)] if report else [],
    }
    if signing_session is not None:
        out["signing"] = {"session": signing_session.public_id,
                          "level": signing_session.level_reached,
                          "target_level": signing_session.target_level,
                          "upgrade_pending": signing_session.upgrade_pending}
    if url is not None:
        out["links"] = {
            "page": url("docsign.page", document_id=document.id),
            "file": url("docflow.revision_file", document_id=document.id,
                        seq=document.current_revision.seq),
        }
    return out
