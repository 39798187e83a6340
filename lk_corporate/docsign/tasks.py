"""Completing client signatures made while the TSA was down; forgetting abandoned sessions.

``finish_signing`` signs at B-B and marks the session ``upgrade_pending`` when the TSA does
not answer (the client is not kept waiting and nothing is lost). This job, dispatched after
such a finish and run periodically on Celery beat, asks the TSA again: ``signing.upgrade``
appends a document timestamp (and, for B-LT, the revocation data) in a new revision, which
is stored as an ``UPGRADE`` revision — the client's signature itself is never touched.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app

from lk_corporate.core.audit import Actor
from lk_corporate.core.jobs import job
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import unit_of_work
from lk_corporate.docflow.models import Document
from lk_corporate.docsign import operations as ops
from lk_corporate.docsign.settings import SigningSettings
from lk_corporate.signatures.portal import portal_validation_settings


@job(ops.UPGRADE_JOB)
def complete_signatures() -> int:
    """Bring every pending client signature to its level; the number completed."""
    config = current_app.config
    store = FileStore(Path(config["LK_STORAGE_DIR"]))
    settings = SigningSettings.from_config(config)
    with unit_of_work(write=False) as session:
        pending = ops.pending_upgrades(session)
    done = 0
    for item in pending:
        # The TSA call happens outside any transaction: a slow TSA holds no lock.
        pdf = ops.upgraded_file(store, item, settings)
        if pdf is None:
            break  # the TSA is still down: the next run tries again
        with unit_of_work() as session:
            document = session.get(Document, item.document_id)
            if document is None:
                continue
            validation = portal_validation_settings(
                config, expected_tax_id=document.client.tax_id,
                registered_fingerprints=ops.registered_fingerprints(session, document.client_id))
            if ops.store_upgrade(session, store, item, pdf, validation=validation,
                                 actor=Actor.system("signature completion")):
                done += 1
    return done


@job(ops.FORGET_JOB)
def forget_expired_sessions() -> int:
    """Periodic: drop the prepared documents of signing sessions nobody finished in time."""
    with unit_of_work() as session:
        return ops.forget_expired_sessions(session)
