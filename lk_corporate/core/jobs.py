"""Background jobs: Celery workers when a broker is configured, a thread pool otherwise.

A job is a plain function of IDs and strings (never ORM objects), declared once with
``@job("lk.name")``; the same function is a Celery task for the workers
(``celery -A lk_corporate.tasks.celery_app worker``) and runs on the in-process pool in the
embedded demo, which needs nothing beyond Python. Either way the job runs *after* the
response: ``dispatch`` only hands it over, so a slow mail server or a long calculation never
holds a request, and the time a request takes does not depend on what the job finds.

Jobs open their own app context and session; whatever they write they commit in their own
``unit_of_work()``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar

from celery import Celery, Task
from flask import Flask, current_app

from lk_corporate.core.extensions import db

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

_app: Flask | None = None
_app_factory: Callable[[], Flask] | None = None
# A worker's pool threads take their first tasks at the same moment: without the lock each
# built an app of its own, and two threads compiling Werkzeug's URL rules at once trip a
# CPython 3.11 bug in ``ast.parse`` ("AST constructor recursion depth mismatch"), which
# failed the task before it could record anything (it stayed pending).
_app_lock = threading.Lock()


def flask_app() -> Flask:
    """The Flask app jobs run in: the web app's own, or one the worker builds once."""
    global _app
    if _app is None:
        with _app_lock:
            if _app is None:
                if _app_factory is None:
                    raise RuntimeError("jobs: no Flask app bound (call jobs.init_app or "
                                       "set_app_factory)")
                _app = _app_factory()
    return _app


def set_app_factory(factory: Callable[[], Flask]) -> None:
    """For a Celery worker process: how to build the app its tasks run in."""
    global _app_factory
    _app_factory = factory


class FlaskTask(Task):  # type: ignore[misc]
    """A Celery task that runs inside the Flask app context (Flask's Celery pattern)."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with flask_app().app_context():
            return self.run(*args, **kwargs)


celery_app = Celery("lk_corporate", broker="memory://", task_cls=FlaskTask)
celery_app.conf.update(task_ignore_result=True, task_acks_late=True,
                       worker_prefetch_multiplier=1, task_reject_on_worker_lost=True)

_JOBS: dict[str, Callable[..., Any]] = {}


def job(name: str) -> Callable[[F], F]:
    """Declare ``func`` as the job ``name`` (also registered as the Celery task ``name``)."""

    def decorator(func: F) -> F:
        _JOBS[name] = func
        celery_app.task(name=name, ignore_result=True)(func)
        return func

    return decorator


class InProcessRunner:
    """The demo's workers: a small thread pool in the web process.

    ``wait`` lets tests and ``lk`` commands wait for what they dispatched.
    """

    def __init__(self, app: Flask, workers: int = 2) -> None:
        self.app = app
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lk-job")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()

    def submit(self, name: str, args: tuple[Any, ...]) -> Future[None]:
        future = self._pool.submit(self._run, name, args)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, name: str, args: tuple[Any, ...]) -> None:
        with self.app.app_context():
            try:
                _JOBS[name](*args)
            except Exception:
                log.exception("job %s%r failed", name, args)
            finally:
                db.session.remove()

    def wait(self, timeout: float = 30.0) -> bool:
        """Wait until every job submitted so far (and those they submit) has finished."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            done = wait(pending, timeout=max(remaining, 0.01))
            if not done.done:
                return False


def dispatch(name: str, *args: Any) -> None:
    """Run job ``name`` in the background: on a Celery worker, or on the in-process pool."""
    dispatch_many(name, [args])


DISPATCH_BATCH = 200
"""Messages per broker round trip when dispatching many jobs at once."""


def dispatch_many(name: str, calls: Iterable[tuple[Any, ...]]) -> int:
    """Run job ``name`` in the background once for each ``args`` of ``calls`` (the month-end
    batch: one job per client), on Celery workers or on the in-process pool. Returns how
    many.

    With a broker, every message goes through one producer on one connection, and kombu's
    publish batch sends them ``DISPATCH_BATCH`` at a time (a Redis pipeline: one round trip
    per batch instead of one per message; other transports publish each at once). That
    halves what dispatching 10 000 month-end jobs costs the dispatcher, and the broker
    parses a hundredth of the requests; the first workers start after one batch. If
    dispatching fails part-way, the messages of the unfinished batch are dropped with it:
    whoever dispatched runs again (``lk period calculate`` resumes what is not done)."""
    if name not in _JOBS:
        raise KeyError(f"unknown job {name}")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    count = 0
    if app.config.get("LK_CELERY_BROKER_URL"):
        with celery_app.producer_or_acquire() as producer, \
                producer.batch(max_size=DISPATCH_BATCH):
            for args in calls:
                celery_app.send_task(name, args=list(args), producer=producer)
                count += 1
        return count
    runner: InProcessRunner = app.extensions["lk_jobs"]
    for args in calls:
        runner.submit(name, args)
        count += 1
    return count


def run_now(name: str, *args: Any) -> Any:
    """Run job ``name`` in this thread (``lk`` commands that wait for the result)."""
    return _JOBS[name](*args)


def wait_idle(app: Flask, timeout: float = 30.0) -> bool:
    """Wait for the in-process jobs (no-op with a broker: workers are elsewhere)."""
    runner: InProcessRunner | None = app.extensions.get("lk_jobs")
    return runner.wait(timeout) if runner is not None else True


def init_app(app: Flask) -> None:
    global _app
    _app = app
    broker = app.config.get("LK_CELERY_BROKER_URL") or ""
    celery_app.conf.update(broker_url=broker or "memory://")
    app.extensions["celery"] = celery_app
    app.extensions["lk_jobs"] = InProcessRunner(app)
