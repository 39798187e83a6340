"""The audit log in words: a label per action code and the details as "key: value" lines.

The log stores codes (``login.succeeded``) and canonical JSON; people read «Вход выполнен»
and «Номер договора: 123». Both maps below are plain data: a package that records a new
action adds its label to ``ACTION_LABELS`` (and any new detail key to ``DETAIL_LABELS``).
Whatever is not here yet is shown as it is stored: an unknown code as the code, an unknown key
as the key, a value that is not JSON as the raw text. Nothing here changes what is stored or
hashed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l

from lk_corporate.accounts.forms import NOTIFICATION_LABELS
from lk_corporate.clients.forms import SERVICE_LABELS, ZONE_LABELS
from lk_corporate.clients.forms import STATUS_LABELS as METER_STATUS_LABELS
from lk_corporate.core.i18n import format_date, format_datetime, format_number
from lk_corporate.core.rights import BUILTIN_ROLES
from lk_corporate.docflow.models import DocumentKind, DocumentStatus
from lk_corporate.docflow.states import KIND_LABELS
from lk_corporate.docflow.states import STATUS_LABELS as DOCUMENT_STATUS_LABELS
from lk_corporate.staff.forms import RIGHT_LABELS

ACTION_LABELS: dict[str, Any] = {
    # Accounts and logins
    "login.succeeded": _l("Login succeeded"),
    "login.refused_network": _l("Login refused: network not allowed"),
    "logout": _l("Logged out"),
    "session.ended": _l("Session ended"),
    # Documents (docflow): each move of a document's state machine
    # Also a cancelled unsent signature returns the document to «awaiting signature».
    "document.awaiting_signature": _l("Document awaiting signature"),
    "document.signing_started": _l("Signing started"),
    "document.signed": _l("Document signed"),
    "document.signature_completed": _l("Signature completed later (timestamp added)"),
    "document.sent": _l("Document sent"),
    "document.received": _l("Document received"),
    "document.accepted": _l("Document accepted"),
    "document.rejected": _l("Document rejected"),
    "document.voided": _l("Document voided"),
    "document.superseded": _l("Document superseded"),
    "reading_act.readings_confirmed": _l("Readings confirmed by the engineer"),
    # Money
    "payments.imported": _l("Bank statement imported"),
    "payments.assigned": _l("Payment assigned to a client"),
    "reconciliation_act.issued": _l("Reconciliation act issued"),
    "charges.breakdown_emailed": _l("Charges breakdown sent by e-mail"),
    "reading_act.reading_corrected": _l("Reading corrected by the engineer"),
    "period.readings_confirmation_required": _l(
        "Readings must be confirmed by an engineer before the calculation"),
    "period.readings_confirmation_not_required": _l(
        "Readings no longer need an engineer's confirmation before the calculation"),
    "session.ended_others": _l("Other sessions ended"),
    "session.ended_all": _l("All sessions ended"),
    "mail.requeued": _l("Message sent again"),
    "account.registered": _l("User registered"),
    "account.email_confirmed": _l("E-mail address confirmed"),
    "password.reset_requested": _l("Password reset requested"),
    "password.reset": _l("Password restored by a reset link"),
    "password.changed": _l("Password changed"),
    "email.change_requested": _l("E-mail change requested"),
    "email.changed": _l("E-mail address changed"),
    "profile.updated": _l("Personal data changed"),
    "membership.linked": _l("Contract added to the account"),
    "activation_code.issued": _l("Activation code issued"),
    "activation_code.revoked": _l("Activation code revoked"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    # Clients and meters
    "client.created": _l("Client created"),
    "client.updated": _l("Client details changed"),
    "metering_point.created": _l("Metering point created"),
    "metering_point.updated": _l("Metering point changed"),
    "meter.created": _l("Meter added"),
    "meter.updated": _l("Meter changed"),
    # Periods and tariffs
    "period.created": _l("Billing period created"),
    "period.open": _l("Billing period opened"),
    "period.closed": _l("Billing period closed"),
    "tariff.created": _l("Tariff created"),
    "tariff.updated": _l("Tariff changed"),
    "tariff.ended": _l("Tariff validity ended"),
    # Documents and the month-end calculation
    "calculation.launched": _l("Calculation of the period started"),
    # Supplier administration
    "supplier.settings_updated": _l("Supplier requisites changed"),
    "staff.created": _l("Staff user created"),
    "staff.updated": _l("Staff user changed"),
    "staff.blocked": _l("Staff user blocked"),
    "staff.unblocked": _l("Staff user unblocked"),
    "staff.password_set": _l("Staff user's password set"),
    "role.updated": _l("Role changed"),
    "demo.user_created": _l("Demo user created"),
    # Notices, correspondence and service requests
    "profile.notifications_updated": _l("E-mail notices changed"),
    "message_thread.created": _l("Conversation started"),
    "message.posted": _l("Message sent"),
    "message_thread.assigned": _l("Conversation assigned"),
    "message_thread.closed": _l("Conversation closed"),
    "message_thread.open": _l("Conversation reopened"),
    "service_request.created": _l("Service request filed"),
    "service_request.assigned": _l("Service request assigned"),
    "service_request.in_progress": _l("Service request taken into work"),
    "service_request.done": _l("Service request done"),
    "service_request.rejected": _l("Service request rejected"),
    # Readings and certificates
    "readings.submitted": _l("Readings submitted"),
    "certificate.registered": _l("Certificate registered for a client"),
    "certificate.unregistered": _l("Certificate unregistered"),
}

DETAIL_LABELS: dict[str, Any] = {
    # Who and what
    "login": _l("Login"),
    "code": _l("Code"),  # of a role in role.* entries: shown as «Роль»
    "email": _l("E-mail"),
    "new_email": _l("New e-mail"),
    "full_name": _l("Full name"),
    "role": _l("Role"),
    "roles": _l("Roles"),
    "rights": _l("Rights"),
    "ip_allowlist": _l("IP allow-list"),
    "client_id": _l("Client (ID)"),
    "point_id": _l("Metering point (ID)"),
    "code_id": _l("Activation code (ID)"),
    "hint": _l("Code ends with"),
    "token_id": _l("API token (ID)"),
    "token_hint": _l("API token ends with"),
    "expires_at": _l("Valid until"),
    # Client and supplier requisites
    "name": lazy_pgettext("audit", "Name"),
    "short_name": _l("Short name"),
    "tax_id": _l("Tax ID"),
    "kpp": _l("КПП"),
    "ogrn": _l("ОГРН"),
    "address": _l("Address"),
    "phone": _l("Phone"),
    "contract_number": _l("Contract number"),
    "contract_date": _l("Contract date"),
    "is_active": _l("Active contract"),
    "bank_name": _l("Bank"),
    "bank_bik": _l("БИК"),
    "bank_account": _l("Settlement account"),
    "bank_correspondent_account": _l("Correspondent account"),
    "director": _l("Director"),
    "chief_accountant": _l("Chief accountant"),
    "vat_rate": _l("VAT rate"),
    "currency": _l("Currency"),
    "login_prefix": _l("Login prefix"),
    # Meters
    "service": _l("Service"),
    "factory_number": _l("Factory number"),
    "verification_date": _l("Verification date"),
    "status": _l("Status"),
    "digits": lazy_pgettext("meter", "Register"),
    "decimals": _l("Decimal places"),
    "ct_ratio": _l("CT ratio"),
    "vt_ratio": _l("VT ratio"),
    "zones": _l("Tariff zones"),
    "max_consumption": _l("Max. consumption"),
    "installed_on": _l("Installed on"),
    "removed_on": _l("Removed on"),
    "notes": _l("Notes"),
    # Periods and tariffs
    "period": _l("Period"),
    "calculation_date": _l("Calculation date"),
    "zone": _l("Zone"),
    "group": _l("Tariff group"),
    "unit": _l("Unit"),
    "price": _l("Price"),
    "valid_from": _l("Valid from"),
    "valid_to": _l("Valid to"),
    # Documents and the calculation
    "run": _l("Calculation run"),
    "dispatched": _l("Clients dispatched"),
    "already_done": _l("Clients already done"),
    # What changed: shown after what the entry is about (the order of this dict is the order
    # of the lines).
    "was": _l("Before"),
    "old": _l("Before"),
    "new": _l("After"),
    "from": _l("Before"),
    "to": _l("After"),
    "added": lazy_pgettext("audit", "Added"),
    "removed": lazy_pgettext("audit", "Removed"),
    "changes": _l("Changes"),
    "before": _l("Before"),
    "after": _l("After"),
    # Signatures
    "signer": _l("Signer"),
    "organization": _l("Organisation"),
    "serial": _l("Serial number"),
    "certificate_sha256": _l("Certificate SHA-256"),
    "scheme": _l("Signature algorithm"),
    "level": _l("Signature level"),
    "verdict": _l("Verdict"),
    "discarded": _l("Discarded file revisions (SHA-256)"),
    # Sessions and mail
    "session": _l("Session"),
    "remember": _l("Remember me"),
    "count": _l("How many"),
    "recipient": _l("Recipient"),
    # Correspondence and service requests
    "thread_id": _l("Conversation (ID)"),
    "subject": _l("Subject"),
    "category": _l("Topic"),
    "attachments": _l("Attached files (SHA-256)"),
    "meter_id": _l("Meter (ID)"),
    "kind": lazy_pgettext("audit", "Kind"),
    "reason": _l("Reason"),
    # E-mail notices (profile.notifications_updated: which were switched on or off)
    **{kind.value: label for kind, (label, _description) in NOTIFICATION_LABELS.items()},
    # Documents, readings, signatures
    "sha256": _l("SHA-256"),
    "sha256_before": _l("File before (SHA-256)"),
    "sha256_after": _l("File after (SHA-256)"),
    "supersedes": _l("Replaces (ID)"),
    "superseded_by": _l("Replaced by (ID)"),
    "superseded_by_number": _l("Replaced by"),
    "source": _l("Source"),
    "confirmed": _l("Confirmed warnings"),
    "superseded": _l("Replaced acts"),
    "signer_tax_id": _l("Signer's tax ID"),
    "certificate_serial": _l("Certificate serial number"),
    "field": _l("Signature field"),
    "reason_code": _l("Reason code"),
    "calculation_number": _l("Calculation run"),
    "upgrade_pending": _l("To be completed later"),
    "person": _l("Certificate holder"),
    "installation_single": _l("Installation reading (single rate)"),
    "installation_day": _l("Installation reading (day)"),
    "installation_night": _l("Installation reading (night)"),
    "installation_peak": _l("Installation reading (peak)"),
    "installation_half_peak": _l("Installation reading (half-peak)"),
}
_ORDER = {key: n for n, key in enumerate(DETAIL_LABELS)}

PERIOD_STATUS_LABELS: dict[str, Any] = {
    "planned": lazy_pgettext("period status", "Planned"),
    "open": lazy_pgettext("period status", "Open"),
    "closed": lazy_pgettext("period status", "Closed"),
}

_DOCUMENT_STATUSES = {s.value for s in DocumentStatus}
_DOCUMENT_KINDS = {k.value for k in DocumentKind}

NUMBER_KEYS = {"price", "vat_rate", "ct_ratio", "vt_ratio", "max_consumption", "amount"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class DetailLine:
    """One line of an entry's details: ``label: value``, indented ``depth`` levels."""

    key: str
    label: str
    value: str
    depth: int = 0


def action_label(code: str) -> str:
    """«Вход выполнен» for ``login.succeeded``; an unknown code stays as it is."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def known_actions() -> list[tuple[str, str]]:
    """(code, label) of every action with a label, for the filter's suggestions."""
    return sorted(((code, str(label)) for code, label in ACTION_LABELS.items()),
                  key=lambda pair: pair[1])


def detail_label(key: str, action: str = "") -> str:
    if key == "code" and action.startswith("role."):
        return str(DETAIL_LABELS["role"])
    label = DETAIL_LABELS.get(key)
    return str(label) if label is not None else key


def detail_lines(details: str | None, action: str = "") -> list[DetailLine]:
    """The stored JSON as readable lines. Not JSON (or not an object): one line, as stored."""
    if not details or details == "{}":
        return []
    try:
        data = json.loads(details)
    except ValueError:
        return [DetailLine("", "", details)]
    if not isinstance(data, dict):
        return [DetailLine("", "", details)]
    return list(_lines(_before_after_as_changes(data), action, 0))


def _before_after_as_changes(data: dict[str, Any]) -> dict[str, Any]:
    """{"before": {...}, "after": {...}} (a whole record twice) → the fields that differ."""
    before, after = data.get("before"), data.get("after")
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return data
    changes = {key: [before.get(key), after.get(key)] for key in sorted(set(before) | set(after))
               if before.get(key) != after.get(key)}
    rest = {k: v for k, v in data.items() if k not in ("before", "after")}
    return {**rest, "changes": changes}


def _lines(data: dict[str, Any], action: str, depth: int, parent: str = "") -> Iterator[DetailLine]:
    for key in sorted(data, key=_key_order):
        value, label = data[key], detail_label(key, action)
        if isinstance(value, dict):  # a group: {"changes": {...}}, {"before": {...}}
            yield DetailLine(key, label, "" if value else "—", depth)
            yield from _lines(value, action, depth + 1, key)
        elif parent == "changes" and _is_pair(value):  # {"field": [old, new]}
            before, after = (_value(key, v, action) for v in value)
            yield DetailLine(key, label, f"{before} → {after}", depth)
        else:
            # {"rights": {"added": [...]}}: the items are rights, not "added"s.
            kind = parent if key in ("added", "removed") else key
            yield DetailLine(key, label, _value(kind, value, action), depth)


def _is_pair(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and not any(
        isinstance(v, (list, dict)) for v in value)


def _key_order(key: str) -> tuple[int, str]:
    # Known keys in the order of DETAIL_LABELS, unknown ones after them by name.
    return (_ORDER.get(key, len(_ORDER)), key)


def _value(key: str, value: Any, action: str) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool) or value in ("True", "False"):  # a flag, or one as text
        return gettext("yes") if value in (True, "True") else gettext("no")
    if isinstance(value, list):
        return ", ".join(_value(key, item, action) for item in value) or "—"
    if not isinstance(value, str):
        return str(value)
    return _word(key, value, action)


def _role_name(code: str) -> str | None:
    from flask_babel import get_locale

    for spec in BUILTIN_ROLES:
        if spec.code == code:
            locale = get_locale()
            return spec.name_ru if locale is None or locale.language == "ru" else spec.name_en
    return None


def _word(key: str, value: str, action: str) -> str:
    """A stored code in words where the key says what kind of code it is."""
    if key in ("role", "roles") or (key == "code" and action.startswith("role.")):
        return _role_name(value) or value
    if key == "rights" and value in RIGHT_LABELS:
        return str(RIGHT_LABELS[value])
    if key == "service" and value in SERVICE_LABELS:
        return str(SERVICE_LABELS[value])
    if key in ("zone", "zones"):
        zones = [str(ZONE_LABELS.get(z, z)) for z in value.split(",") if z]
        return ", ".join(zones) or value
    if key == "status" and value in METER_STATUS_LABELS:
        return str(METER_STATUS_LABELS[value])
    if key in ("from", "to") and action.startswith("period.") and value in PERIOD_STATUS_LABELS:
        return str(PERIOD_STATUS_LABELS[value])
    if action.startswith("document."):
        if key in ("from", "to") and value in _DOCUMENT_STATUSES:
            return str(DOCUMENT_STATUS_LABELS[DocumentStatus(value)])
        if key == "kind" and value in _DOCUMENT_KINDS:
            return str(KIND_LABELS[DocumentKind(value)])
    if key in NUMBER_KEYS:
        try:
            return format_number(Decimal(value))
        except (InvalidOperation, ValueError):
            return value
    if _ISO_DATETIME.match(value):
        try:
            return format_datetime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
    if _ISO_DATE.match(value):
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return value
