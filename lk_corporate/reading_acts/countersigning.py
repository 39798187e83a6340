"""What countersigning and rejecting a reading act mean (``countersign`` registry).

Countersigning a received act is its acceptance (``operations.accept_act``): the supplier's
signature «Принято к расчёту, расчёт № N», the period's earlier accepted act superseded,
the readings accepted; the calculation then runs on it as on an act accepted at once.
Rejecting it rejects the readings with it (``operations.reject_act``). ``register`` is
called once by the app factory.
"""

from __future__ import annotations

from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor
from lk_corporate.core.db import DbSession
from lk_corporate.countersign.operations import Countersigning, KindHandler, register_handler
from lk_corporate.docflow.models import Document, DocumentKind
from lk_corporate.reading_acts import operations as ops


def accept(context: Countersigning) -> None:
    act = ops.get_act(context.session, context.document.id, client_id=None)
    ops.accept_act(context.session, context.store, act, actor=context.actor,
                   supplier_key=context.supplier_key, validation=context.validation,
                   now=context.now)


def reject(session: DbSession, document: Document, reason: str, actor: Actor) -> None:
    act = ops.get_act(session, document.id, client_id=None)
    ops.reject_act(session, act, reason=reason, actor=actor)


def register() -> None:
    register_handler(KindHandler(kind=DocumentKind.READING_ACT, right=R.DOCUMENTS_COUNTERSIGN,
                                 countersign=accept, on_rejected=reject))
