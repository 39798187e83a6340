"""The revocation job on Celery beat (the demo runs it in a thread, ``lk revocation refresh``
from the shell)."""

from __future__ import annotations

from flask import current_app

from lk_corporate.core.jobs import job
from lk_corporate.verification.jobs import refresh_revocation_index


@job("lk.refresh_revocation_index")
def refresh_revocation_task() -> None:
    """Periodic: keep the CRL index fresh so validation never fetches."""
    refresh_revocation_index(current_app._get_current_object())  # type: ignore[attr-defined]
