"""A stored validation report in plain words, per signature, for the act's page.

The report is the validator's JSON (``signing.validation.DocumentReport.to_json()``, kept
with the revision that added the signature); this turns each signature's entry into labelled
lines a client's accountant can read — who signed, for whom, whether the file changed since,
whether the certificate is trusted and was not revoked — and the ETSI verdict with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lk_corporate.core.i18n import format_datetime, message_text
from lk_corporate.reading_acts.wording import common_name, rejection_reason
from signing.validation.authorization import normalize_tax_id

PARTY_LABELS: Mapping[str, Any] = {"client": _l("Client's signature"),
                                   "supplier": _l("Supplier's acceptance signature")}
VERDICT_LABELS: Mapping[str, Any] = {
    "TOTAL-PASSED": _l("Valid"),
    "TOTAL-FAILED": _l("Invalid"),
    "INDETERMINATE": _l("Cannot be confirmed"),
}
CHANGES_LABELS: Mapping[str, Any] = {
    "none": _l("Nothing: the signature covers the whole file"),
    "ltv-only": _l("Only validation data (certificates, revocation data, timestamps)"),
    "signatures": _l("Only further signatures"),
    "other": _l("Other changes"),
}
REVOCATION_LABELS: Mapping[str, Any] = {
    "good": _l("Not revoked"),
    "revoked": _l("Revoked"),
    "unknown": _l("Unknown"),
}
SOURCE_LABELS: Mapping[str, Any] = {
    "embedded-ocsp": _l("OCSP response in the file"),
    "embedded-crl": _l("CRL in the file"),
    "crl-index": _l("the supplier's CRL index"),
    "supplied-crl": _l("a CRL given for the check"),
    "fetched-ocsp": _l("OCSP responder"),
    "fetched-crl": _l("CRL downloaded"),
    "none": _l("none"),
}


@dataclass(frozen=True)
class SignatureView:
    field: str
    title: str
    verdict: str
    indication: str
    passed: bool
    lines: list[tuple[str, str]]
    problem: str | None


def _time(value: Any) -> str:
    if not value:
        return "—"
    try:
        return format_datetime(dt.datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _tax_ids(signer: Mapping[str, Any]) -> str:
    return ", ".join(f"{kind} {value}" for kind, value in signer.get("tax_ids") or ()) or "—"


def _authorization(sig: Mapping[str, Any]) -> str:
    auth = sig.get("authorization")
    if not auth:
        return "—"
    if auth.get("authorized"):
        if auth.get("matched_by") == "fingerprint":
            return _("Yes: the certificate is registered for the client by the supplier")
        return _("Yes: the certificate carries the client's tax ID (%(tax_id)s)",
                 tax_id=normalize_tax_id(str(auth.get("tax_id") or "")))
    return _("No: the certificate neither carries the tax ID %(tax_id)s nor is registered for "
             "the client", tax_id=auth.get("tax_id") or "—")


def _integrity(sig: Mapping[str, Any]) -> str:
    integrity = sig.get("integrity") or {}
    if all(integrity.get(k) for k in ("byte_range_ok", "digest_ok", "signature_ok")):
        return _("Intact: the signed part of the file is exactly what was signed")
    return _("Broken: the file was changed after signing, or the signature is damaged")


def _coverage(sig: Mapping[str, Any]) -> str:
    coverage = sig.get("coverage") or {}
    if coverage.get("covers_whole_file"):
        return _("The whole file")
    return _("Revision %(revision)s of %(count)s: the document as it was when signed",
             revision=coverage.get("revision") or "—", count=coverage.get("revision_count") or "—")


def _chain(sig: Mapping[str, Any]) -> str:
    chain = sig.get("chain") or {}
    path = " → ".join(common_name(p) for p in chain.get("path") or ())
    if chain.get("trusted"):
        return _("Trusted: %(path)s", path=path or "—")
    return _("Not trusted: %(detail)s", detail=chain.get("detail") or path or "—")


def _revocation(sig: Mapping[str, Any]) -> str:
    entries = (sig.get("chain") or {}).get("revocation") or ()
    if not entries:
        return "—"
    signer = entries[0]
    status = str(REVOCATION_LABELS.get(str(signer.get("status")), signer.get("status")))
    source = str(SOURCE_LABELS.get(str(signer.get("source")), signer.get("source")))
    text = _("%(status)s (source: %(source)s)", status=status, source=source)
    if signer.get("revoked_at"):
        text += " — " + _time(signer.get("revoked_at"))
    return text


def signature_views(report: Mapping[str, Any] | None, *, client_name: str,
                    tax_id: str) -> list[SignatureView]:
    """Every approval signature of ``report``, in file order, in words."""
    views = []
    for sig in (report or {}).get("signatures") or ():
        if sig.get("kind") != "signature":
            continue
        signer = sig.get("signer") or {}
        field = str(sig.get("field_name") or "")
        indication = str(sig.get("indication") or "")
        sub = sig.get("sub_indication")
        verdict = str(VERDICT_LABELS.get(indication, indication))
        verdict += f" ({indication}{': ' + sub if sub else ''})"
        timestamp = sig.get("timestamp") or {}
        tsa = (timestamp.get("tsa") or {}).get("common_name")
        changes = sig.get("changes_after") or {}
        lines = [
            (_("Signer"), signer.get("common_name") or signer.get("subject") or "—"),
            (_("Organization"), signer.get("organization") or "—"),
            (_("Tax IDs in the certificate"), _tax_ids(signer)),
            (_("Certificate"), _("%(issuer)s, serial %(serial)s, valid %(start)s – %(end)s",
                                 issuer=common_name(signer.get("issuer") or "—"),
                                 serial=signer.get("serial_hex") or "—",
                                 start=_time(signer.get("not_before")),
                                 end=_time(signer.get("not_after")))),
            (_("Signing time (claimed)"), _time(sig.get("claimed_signing_time"))),
            (_("Timestamp"), (_time(timestamp.get("time")) + (f" ({tsa})" if tsa else ""))
             if timestamp else _("none")),
            (_("Integrity"), _integrity(sig)),
            (_("What the signature covers"), _coverage(sig)),
            (_("Changes after the signature"),
             str(CHANGES_LABELS.get(str(changes.get("kind")), changes.get("kind") or "—"))),
            (_("Certificate chain"), _chain(sig)),
            (_("Revocation"), _revocation(sig)),
            (_("PAdES level"), str(sig.get("pades_level") or "—")),
        ]
        problem = None
        if field == "client":
            lines.append((_("Signs for the client"), _authorization(sig)))
            reason = rejection_reason(sig, client_name=client_name, tax_id=tax_id)
            if reason is not None:
                problem = message_text(reason.message, reason.params)
        elif indication != "TOTAL-PASSED":
            messages = sig.get("messages") or ()
            problem = messages[0] if messages else None
        views.append(SignatureView(field=field, title=str(PARTY_LABELS.get(field, field)),
                                   verdict=verdict, indication=indication,
                                   passed=indication == "TOTAL-PASSED" and problem is None,
                                   lines=[(str(k), str(v)) for k, v in lines], problem=problem))
    return views


STATUS_KINDS: Mapping[str, str] = {
    "awaiting_signature": "warning", "signed": "info", "sent": "info", "received": "primary",
    "accepted": "success", "rejected": "danger", "voided": "secondary", "superseded": "secondary",
}
"""The colour of each status badge."""
