"""Why an uploaded act was refused or rejected, in words a client's accountant acts on.

Two kinds of "no", deliberately different:

* a **refusal** (``UploadRefused``): the file is not a candidate at all — not a PDF, damaged,
  not the act as issued, no signature, modified after signing, more than one signature, the
  supplier's box signed, revocation status not checkable right now. Nothing is stored and
  nothing moves: the act still awaits the client's signature and the client uploads again.
* a **rejection** (``rejection_reason``): the file *is* the issued act with one intact
  signature, but the signature does not count — the certificate is untrusted, revoked or
  expired, or it does not sign for this client. The signed file and its validation report
  are kept as evidence and the act becomes «Отклонён» with the reason; the readings stay
  pending and the client submits them again for a new act.

Each reason is an English msgid with parameters (the page shows it in the reader's
language) and a stable ``code`` (the API's). The act's stored reason and the audit entry
keep the Russian text (``message_text(..., locale="ru")``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from lk_corporate.core.errors import N_
from signing.validation.authorization import normalize_tax_id


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    params: Mapping[str, Any] = field(default_factory=dict)


REFUSALS: Mapping[str, str] = {
    "empty": N_("Choose the signed act file (PDF)."),
    "too_large": N_("The file is larger than %(mb)s MB: this is not the signed act."),
    "not_pdf": N_("The file is not a PDF document. Upload the signed act (.pdf)."),
    "unreadable": N_("The file is damaged or incomplete: it cannot be read as a PDF. Upload "
                     "the file exactly as the signing program saved it."),
    "not_issued": N_("This is not act № %(number)s as the portal issued it (or it was re-saved "
                     "after downloading). Download the act from this page and sign it without "
                     "changing it."),
    "unsigned": N_("The file carries no new signature. Sign the act (for example with "
                   "«lk sign … --field client») and upload the signed file."),
    "several_signatures": N_("The file adds more than one signature: upload the act with your "
                             "signature only."),
    "modified": N_("The act was modified after signing (or something besides the signature "
                   "was added): upload the file exactly as the signing program saved it."),
    "supplier_field": N_("The act is signed in the supplier's box. Sign the client's box "
                         "(the field «client»)."),
    "certified_no_changes": N_("The act was certified with no changes allowed after the "
                               "signature, so the supplier could not add its acceptance. Sign "
                               "it without certification, or allow further signatures."),
    "try_later": N_("The revocation status of the signer's certificate cannot be checked right "
                    "now. Nothing was changed; try again in a few minutes."),
    "already_accepted": N_("Act № %(number)s has already been accepted; nothing was changed."),
    "already_received": N_("Act № %(number)s has already been received and awaits the "
                           "supplier's acceptance; nothing was changed."),
    "superseded": N_("Act № %(number)s has been replaced by a newer act: sign the current "
                     "one."),
    "rejected": N_("Act № %(number)s was rejected. Submit the readings again to get a new act "
                   "to sign."),
}


_COMMON_NAME = re.compile(r"Common Name: ((?:[^,]|, (?![A-Z][A-Za-z ]+:))+)")


def common_name(subject: str) -> str:
    """«Common Name: ЛК …: выпускающий УЦ, Organization: …» → «ЛК …: выпускающий УЦ» (the
    whole subject when it names no CN): how a report's subjects are shown to people."""
    match = _COMMON_NAME.search(subject or "")
    return match.group(1) if match else subject


def refusal(code: str, **params: Any) -> Reason:
    return Reason(code, REFUSALS[code], params)


_REVOKED = {"REVOKED", "REVOKED_NO_POE", "REVOKED_CA_NO_POE"}
_EXPIRED = {"EXPIRED", "NOT_YET_VALID", "OUT_OF_BOUNDS_NO_POE", "OUT_OF_BOUNDS_NOT_REVOKED"}
_UNTRUSTED = {"NO_CERTIFICATE_CHAIN_FOUND", "CERTIFICATE_CHAIN_GENERAL_FAILURE",
              "CHAIN_CONSTRAINTS_FAILURE"}
_TAMPERED = {"HASH_FAILURE", "SIG_CRYPTO_FAILURE", "FORMAT_FAILURE"}
_TIMESTAMP = {"TIMESTAMP_ORDER_FAILURE"}


def _moment(value: Any) -> Any:
    """An ISO time of the report as a date (what the reason prints)."""
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value).date()
        except ValueError:
            return value
    return value


def _revoked_at(signature: Mapping[str, Any]) -> Any:
    for entry in (signature.get("chain") or {}).get("revocation") or ():
        if entry.get("status") == "revoked":
            return _moment(entry.get("revoked_at"))
    return "—"


_TAX_ID_KINDS = ("INN", "INNLE", "organizationIdentifier", "EDRPOU")


def _tax_ids(signer: Mapping[str, Any]) -> str:
    """The tax IDs a certificate carries, each once (a Russian one is often there three
    times: ИНН, ИНН ЮЛ and organizationIdentifier VATRU-…)."""
    ids = dict.fromkeys(normalize_tax_id(str(value)) for kind, value in signer.get("tax_ids") or ()
                        if kind in _TAX_ID_KINDS)
    return ", ".join(i for i in ids if i) or "—"


def rejection_reason(signature: Mapping[str, Any], *, client_name: str,
                     tax_id: str) -> Reason | None:
    """Why the signature in ``signature`` (one entry of a stored report's ``signatures``,
    i.e. ``SignatureReport`` as JSON) does not make the act count for the client; None when
    it does (TOTAL-PASSED and authorized)."""
    sub = signature.get("sub_indication") or ""
    signer = signature.get("signer") or {}
    if sub in _REVOKED:
        return Reason("revoked", N_("The signer's certificate was revoked on %(date)s."),
                      {"date": _revoked_at(signature)})
    if sub in _EXPIRED:
        return Reason("expired", N_("The signer's certificate was not valid when the act was "
                                    "signed (valid from %(start)s to %(end)s)."),
                      {"start": _moment(signer.get("not_before")),
                       "end": _moment(signer.get("not_after"))})
    if sub in _UNTRUSTED:
        return Reason("untrusted", N_("The signer's certificate was not issued by a "
                                      "certification authority the supplier trusts (issuer: "
                                      "%(issuer)s)."),
                      {"issuer": common_name(signer.get("issuer") or "—")})
    if sub in _TAMPERED:
        return Reason("modified", N_("The signature does not match the document: the act was "
                                     "modified after signing."))
    if sub in _TIMESTAMP:
        return Reason("timestamp", N_("The signature's timestamp is earlier than the time the "
                                      "signature claims: it cannot be trusted."))
    if signature.get("indication") != "TOTAL-PASSED":
        messages: Sequence[str] = signature.get("messages") or ()
        return Reason("invalid", N_("The signature is not valid: %(detail)s."),
                      {"detail": messages[0] if messages else sub or "—"})
    authorization = signature.get("authorization") or {}
    if not authorization.get("authorized"):
        return Reason("not_authorized",
                      N_("The certificate of %(person)s does not sign for %(client)s: it carries "
                         "the tax ID %(found)s, not %(tax_id)s, and it is not registered for the "
                         "client. Sign with your organisation's certificate, or ask the "
                         "supplier to register this one."),
                      {"person": signer.get("common_name") or signer.get("subject") or "—",
                       "client": client_name, "found": _tax_ids(signer), "tax_id": tax_id})
    return None
