"""The supplier's decision over the API (staff tokens): ``POST /documents/ID/approve``
countersigns a received document, ``POST /documents/ID/reject`` {reason} rejects it — the
``countersign`` operations the queue page uses, with the token's rights."""

from __future__ import annotations

from flask_babel import gettext as _

from lk_corporate.api import schemas as s
from lk_corporate.api.auth import Caller
from lk_corporate.api.endpoints import documents_out, store, visible_document
from lk_corporate.api.http import ApiProblem
from lk_corporate.api.views import api_view
from lk_corporate.core.db import DbSession
from lk_corporate.countersign import context
from lk_corporate.countersign import operations as ops
from lk_corporate.docflow.models import Document


def _staff_document(session: DbSession, caller: Caller | None, document_id: int) -> tuple[
        Caller, Document]:
    assert caller is not None
    document = visible_document(session, caller, document_id)
    if caller.staff_rights is None:
        raise ApiProblem(403, "forbidden",
                         _("Only the supplier's staff approve or reject documents."))
    return caller, document


@api_view("approve_document")
def approve(session: DbSession, caller: Caller | None, *, document_id: int) -> s.DocumentOut:
    who, document = _staff_document(session, caller, document_id)
    handler = ops.handler_for(document.kind)
    assert who.staff_rights is not None
    if handler.right not in who.staff_rights:
        raise ApiProblem(403, "forbidden", _("The token's user lacks the right for this: "
                                             "%(rights)s.", rights=handler.right))
    outcome = ops.countersign(session, store(), document, actor=who.actor,
                              supplier_key=context.supplier_key(),
                              validation=context.validation_settings())
    return documents_out(session, [outcome.document])[0]


@api_view("reject_document")
def reject(session: DbSession, caller: Caller | None, *, document_id: int,
           body: s.RejectIn) -> s.DocumentOut:
    who, document = _staff_document(session, caller, document_id)
    rights = who.staff_rights or frozenset()
    ops.handler_for(document.kind)
    if not ops.may_reject(rights.__contains__, document.kind):
        raise ApiProblem(403, "forbidden", _("The token's user lacks the right to reject this "
                                             "document."))
    ops.reject(session, document, reason=body.reason, actor=who.actor)
    return documents_out(session, [document])[0]
