"""The words of the service-request pages and e-mails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from lk_corporate.service_requests.models import RequestKind, RequestStatus

KIND_LABELS: Mapping[RequestKind, Any] = {
    RequestKind.METER_REPLACEMENT: _l("Meter replacement"),
    RequestKind.VERIFICATION: _l("Meter verification"),
    RequestKind.SEAL: _l("Sealing"),
    RequestKind.MALFUNCTION: _l("Malfunction"),
    RequestKind.OTHER: lazy_pgettext("service request", "Other"),
}

STATUS_LABELS: Mapping[RequestStatus, Any] = {
    RequestStatus.NEW: lazy_pgettext("service request status", "New"),
    RequestStatus.IN_PROGRESS: lazy_pgettext("service request status", "In progress"),
    RequestStatus.DONE: lazy_pgettext("service request status", "Done"),
    RequestStatus.REJECTED: lazy_pgettext("service request status", "Rejected"),
}

STATUS_BADGES: Mapping[RequestStatus, str] = {
    RequestStatus.NEW: "warning",
    RequestStatus.IN_PROGRESS: "primary",
    RequestStatus.DONE: "success",
    RequestStatus.REJECTED: "danger",
}
