"""The Celery worker's entry point: ``celery -A lk_corporate.tasks.celery_app worker`` (and
``beat``).

The worker knows every package's jobs (``app.JOB_MODULES``) and builds the Flask app its
tasks run in on first use; the beat schedule lives here. The web app does not import this
module: it registers the same jobs itself, for the in-process runner of the embedded demo.
"""

from __future__ import annotations

import gc
import os

from flask import Flask

from lk_corporate.app import create_app, import_jobs
from lk_corporate.core.jobs import celery_app, set_app_factory


def worker_app() -> Flask:
    """The app a worker's jobs run in: the portal's, without a round trip to check each
    pooled connection before each transaction (``pool_pre_ping``). A job that loses its
    connection starts over by itself (the month-end job, ``invoicing.tasks``) or is run
    again by a periodic job (mail, audit checkpoints); the month-end batch runs two
    transactions per client, and the check was one statement in eight."""
    app = create_app({"SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False}})
    _tune_gc()
    return app


# The cyclic collector's defaults (a young collection every 700 allocations) suit small
# programs; a worker holds the whole app — SQLAlchemy's mappers, Celery, the fonts — and a
# month-end job allocates tens of thousands of short-lived objects (layout operations, ORM
# rows), so collections ran hundreds of times per job and each walked objects that live as
# long as the process. Measured on the month-end job (in-process, one client after another):
# 42.2 → 38.0 ms of CPU per client. Reference counting still frees almost everything at
# once; only cycles wait a little longer.
GC_THRESHOLDS = (20_000, 50, 100)


def _tune_gc() -> None:
    """Move everything alive once the app is built to the permanent generation (never
    scanned again) and collect the young generation less often."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


set_app_factory(worker_app)
import_jobs()
# The worker connects to its broker before any task builds the app (whose ``init_app`` sets
# the same URL in the web process), so it reads the setting itself.
celery_app.conf.broker_url = os.environ.get("LK_CELERY_BROKER_URL") or "memory://"


celery_app.conf.beat_schedule = {
    "retry-queued-mail": {"task": "lk.retry_mail", "schedule": 300.0},
    "refresh-revocation-index": {"task": "lk.refresh_revocation_index", "schedule": 3600.0},
    "audit-checkpoint": {"task": "lk.audit_checkpoint", "schedule": 3600.0},
    # Notices sent once whatever the rate (notifications.tasks): hourly catches up soon.
    "reading-window-reminders": {"task": "lk.reading_window_reminders", "schedule": 3600.0},
    "certificate-expiry-notices": {"task": "lk.certificate_expiry_notices", "schedule": 3600.0},
    "complete-client-signatures": {"task": "lk.docsign.complete_signatures", "schedule": 900.0},
    "forget-expired-signing-sessions": {"task": "lk.docsign.forget_expired_sessions",
                                        "schedule": 3600.0},
    "upgrade-invoice-signatures": {"task": "lk.upgrade_invoice_signatures", "schedule": 600.0},
    "resume-stalled-calculations": {"task": "lk.resume_stalled_calculations",
                                    "schedule": 300.0},
}

__all__ = ["celery_app"]
