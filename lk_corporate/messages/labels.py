"""The words of the correspondence pages and e-mails: categories and statuses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext

from lk_corporate.messages.models import ThreadCategory, ThreadStatus

CATEGORY_LABELS: Mapping[ThreadCategory, Any] = {
    ThreadCategory.GENERAL: _l("General question"),
    ThreadCategory.READINGS: _l("Meter readings"),
    ThreadCategory.INVOICES: _l("Invoices and payments"),
    ThreadCategory.CONTRACT: _l("Contract"),
    ThreadCategory.OTHER: lazy_pgettext("message category", "Other"),
}

STATUS_LABELS: Mapping[ThreadStatus, Any] = {
    ThreadStatus.OPEN: lazy_pgettext("conversation status", "Awaiting reply"),
    ThreadStatus.ANSWERED: lazy_pgettext("conversation status", "Answered"),
    ThreadStatus.CLOSED: lazy_pgettext("conversation status", "Closed"),
}

STATUS_BADGES: Mapping[ThreadStatus, str] = {
    ThreadStatus.OPEN: "warning",
    ThreadStatus.ANSWERED: "success",
    ThreadStatus.CLOSED: "secondary",
}
"""The colour of each status pill (``macros/ui.html status_badge``)."""
