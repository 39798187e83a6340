"""The Celery worker's entry point: ``celery -A lk_corporate.tasks.celery_app worker`` (and
``beat``).

The worker knows every package's jobs (``app.JOB_MODULES``) and builds the Flask app its
tasks run in on first use; the beat schedule lives here. The web app does not import this
module: it registers the same jobs itself, for the in-process runner of the embedded demo.
"""

from __future__ import annotations

from lk_corporate.app import create_app, import_jobs
from lk_corporate.core.jobs import celery_app, set_app_factory

set_app_factory(create_app)
import_jobs()


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
}

__all__ = ["celery_app"]
