"""A validation report in words an accountant reads: per signature who signed, for which
organisation and tax ID, when (claimed and timestamped), whether the file is intact, whether
the certificate is trusted and not revoked, what changed after the signature, and the verdict
in plain Russian beside the ETSI terms.

Works on the report's JSON form (``DocumentReport.to_dict``), which is what the portal
stores with each revision, so old reports read the same as new ones.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

INDICATIONS: dict[str, Any] = {
    "TOTAL-PASSED": _l("Valid"),
    "TOTAL-FAILED": _l("Invalid"),
    "INDETERMINATE": _l("Cannot be confirmed"),
}
CHANGES: dict[str, Any] = {
    "none": _l("Nothing changed after this signature"),
    "ltv-only": _l("Only validation data and timestamps were added after it"),
    "signatures": _l("Only further signatures were added after it"),
    "other": _l("The document was changed after this signature"),
}
# The identifiers a certificate names its owner by, as Russian documents call them.
IDENTIFIERS = {"INN": "ИНН", "INNLE": "ИНН ЮЛ", "OGRN": "ОГРН", "OGRNIP": "ОГРНИП",
               "SNILS": "СНИЛС", "EDRPOU": "ЄДРПОУ", "organizationIdentifier": "ID организации"}

REVOCATION: dict[str, Any] = {
    "good": _l("not revoked"),
    "revoked": _l("revoked"),
    "unknown": _l("revocation status unknown"),
}


@dataclass(frozen=True)
class SignatureSummary:
    index: int
    kind: str
    field: str
    signer: str
    organization: str
    tax_ids: str
    serial: str
    valid_from: dt.datetime | None
    valid_to: dt.datetime | None
    claimed_time: dt.datetime | None
    timestamp_time: dt.datetime | None
    intact: bool
    trusted: bool
    revocation: Any
    changes: Any
    changes_kind: str
    level: str
    indication: str
    sub_indication: str
    verdict: Any
    messages: tuple[str, ...]
    authorized: bool | None


def _time(value: Any) -> dt.datetime | None:
    if not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def summarize(report: dict[str, Any]) -> list[SignatureSummary]:
    """One summary per signature (and document timestamp) of a stored report."""
    out = []
    for sig in report.get("signatures") or ():
        signer = sig.get("signer") or {}
        integrity = sig.get("integrity") or {}
        chain = sig.get("chain") or {}
        revocations = chain.get("revocation") or ()
        statuses = {r.get("status") for r in revocations}
        revocation = ("revoked" if "revoked" in statuses
                      else "good" if statuses == {"good"} else "unknown")
        timestamp = sig.get("timestamp") or {}
        changes = (sig.get("changes_after") or {}).get("kind") or "none"
        authorization = sig.get("authorization")
        indication = str(sig.get("indication") or "")
        out.append(SignatureSummary(
            index=int(sig.get("index") or 0), kind=str(sig.get("kind") or ""),
            field=str(sig.get("field_name") or ""),
            signer=str(signer.get("common_name") or signer.get("subject") or "—"),
            organization=str(signer.get("organization") or ""),
            tax_ids=", ".join(f"{IDENTIFIERS.get(k, k)} {v}" for k, v in signer.get("tax_ids") or ()),
            serial=str(signer.get("serial_hex") or ""),
            valid_from=_time(signer.get("not_before")), valid_to=_time(signer.get("not_after")),
            claimed_time=_time(sig.get("claimed_signing_time")),
            timestamp_time=_time(timestamp.get("time")),
            intact=bool(integrity.get("digest_ok") and integrity.get("signature_ok")),
            trusted=bool(chain.get("trusted")), revocation=REVOCATION[revocation],
            changes=CHANGES.get(changes, changes), changes_kind=changes,
            level=str(sig.get("pades_level") or ""), indication=indication,
            sub_indication=str(sig.get("sub_indication") or ""),
            verdict=INDICATIONS.get(indication, indication),
            messages=tuple(str(m) for m in sig.get("messages") or ()),
            authorized=(bool(authorization.get("authorized")) if authorization else None),
        ))
    return out
