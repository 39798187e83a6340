"""The unit of work: the one place that commits.

Operations take the session, add and flush; the controller, task or CLI command that calls
them wraps the call in ``unit_of_work()``. Whatever must leave the process (e-mail, webhooks)
is recorded in the same transaction and dispatched only after the commit succeeded
(``after_commit`` callbacks), so a rolled-back request never sends a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session

from lk_corporate.extensions import db

_AFTER_COMMIT = "lk_after_commit"


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """Commit on success, roll back on any error; then run the after-commit callbacks."""
    session = db.session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop(_AFTER_COMMIT, None)
        raise
    for callback in session.info.pop(_AFTER_COMMIT, []):
        callback()


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run ``callback`` once the current unit of work has committed (dropped on rollback)."""
    session.info.setdefault(_AFTER_COMMIT, []).append(callback)


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit(session: Session, previous_transaction: object) -> None:
    if getattr(previous_transaction, "parent", None) is None:
        session.info.pop(_AFTER_COMMIT, None)
