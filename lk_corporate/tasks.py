"""Background jobs: Celery when a broker is configured, in-process otherwise.

The embedded demo needs nothing beyond Python, so every job is a plain function that runs
in-process; with ``LK_CELERY_BROKER_URL`` set the same functions run on Celery workers
(``celery -A lk_corporate.tasks.celery_app worker``). Tasks receive IDs, never ORM objects.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from flask import Flask

_flask_app: Flask | None = None


def _app() -> Flask:
    """The Flask app tasks run in: the web app's own, or one made for the worker."""
    global _flask_app
    if _flask_app is None:
        from lk_corporate.app import create_app

        _flask_app = create_app()
    return _flask_app


class FlaskTask(Task):  # type: ignore[misc]
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with _app().app_context():
            return self.run(*args, **kwargs)


celery_app = Celery(
    "lk_corporate",
    broker=os.environ.get("LK_CELERY_BROKER_URL") or "memory://",
    task_cls=FlaskTask,
)
celery_app.conf.update(task_ignore_result=True, task_acks_late=True, worker_prefetch_multiplier=1)


def init_app(app: Flask) -> None:
    """Bind tasks to this Flask app; without a broker they run eagerly, in-process."""
    global _flask_app
    _flask_app = app
    broker = app.config.get("LK_CELERY_BROKER_URL")
    celery_app.conf.update(broker_url=broker or "memory://", task_always_eager=not broker)
    app.extensions["celery"] = celery_app


@celery_app.task(name="lk.deliver_mail", ignore_result=True)
def deliver_mail_task(mail_id: int) -> None:
    from lk_corporate.core.mail import deliver
    from lk_corporate.extensions import db

    deliver(db.session, mail_id)


@celery_app.task(name="lk.retry_mail", ignore_result=True)
def retry_mail_task() -> None:
    """Periodic (Celery beat): deliver messages an SMTP failure left queued."""
    from lk_corporate.core.mail import retry_pending
    from lk_corporate.extensions import db

    retry_pending(db.session)


@celery_app.task(name="lk.refresh_revocation_index", ignore_result=True)
def refresh_revocation_task() -> None:
    """Periodic (Celery beat): keep the CRL index fresh so validation never fetches."""
    from lk_corporate.verification.jobs import refresh_revocation_index

    refresh_revocation_index(_app())


@celery_app.task(name="lk.audit_checkpoint", ignore_result=True)
def audit_checkpoint_task() -> None:
    """Periodic (Celery beat): sign and timestamp the audit chain's head, when it moved."""
    from lk_corporate.core.audit_anchor import checkpoint_now

    checkpoint_now(_app())


celery_app.conf.beat_schedule = {
    "retry-queued-mail": {"task": "lk.retry_mail", "schedule": 300.0},
    "refresh-revocation-index": {"task": "lk.refresh_revocation_index", "schedule": 3600.0},
    "audit-checkpoint": {"task": "lk.audit_checkpoint", "schedule": 3600.0},
}


def dispatch_mail(app: Flask, mail_id: int) -> None:
    """After a commit: hand the message to a worker, or deliver it right here."""
    if app.config.get("LK_CELERY_BROKER_URL"):
        deliver_mail_task.delay(mail_id)
        return
    from lk_corporate.core.mail import deliver
    from lk_corporate.extensions import db

    deliver(db.session, mail_id)
