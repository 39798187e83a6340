"""Signing over the API, for accounting software that holds its own key: the same staged
protocol as the signing page (``docsign``), with the token's scope and rights.

``POST …/documents/ID/signing`` {certificates} → what to sign; ``POST …/signing/SESSION``
{signature} → the document «signed»; ``POST …/send`` → validated and received (or rejected
with the reason); ``POST …/cancel-signature`` → back to «awaiting signature».
"""

from __future__ import annotations

from flask import Response, current_app, request

from lk_corporate.api import schemas as s
from lk_corporate.api.auth import Caller
from lk_corporate.api.endpoints import documents_out, store, visible_document
from lk_corporate.api.http import json_response
from lk_corporate.api.views import api_view
from lk_corporate.core import rights as R
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.docflow.models import Document
from lk_corporate.docflow.states import CLIENT_SIGNED, MACHINES
from lk_corporate.docsign import operations as ops
from lk_corporate.docsign.controllers import decode_base64, validation_for
from lk_corporate.docsign.presentation import started_json
from lk_corporate.docsign.settings import SigningSettings


def _signable(session: DbSession, caller: Caller | None, document_id: int) -> Document:
    assert caller is not None
    document = visible_document(session, caller, document_id, R.DOCUMENTS_SIGN)
    if MACHINES.get(document.kind) is not CLIENT_SIGNED:
        raise NotFound(N_("No such document to sign."))
    return document


@api_view("start_signing")
def start(session: DbSession, caller: Caller | None, *, document_id: int,
          body: s.SigningStartIn) -> s.SigningStarted:
    document = _signable(session, caller, document_id)
    assert caller is not None
    ders = [decode_base64(c, "certificates") for c in body.certificates]
    started = ops.start_signing(session, store(), document, ders, actor=caller.actor,
                                settings=SigningSettings.from_config(current_app.config),
                                validation=validation_for(document),
                                scheme=body.signature_algorithm)
    return s.SigningStarted.model_validate(started_json(started))


@api_view("finish_signing")
def finish(session: DbSession, caller: Caller | None, *, document_id: int, session_id: str,
           body: s.SigningFinishIn) -> s.DocumentOut | Response:
    document = _signable(session, caller, document_id)
    assert caller is not None
    finished = ops.finish_signing(session, store(), document, session_id,
                                  decode_base64(body.signature, "signature"),
                                  actor=caller.actor, validation=validation_for(document))
    answer = documents_out(session, [document])[0]
    # The same session finished again: the same document, 200 instead of 201.
    return json_response(answer, 200) if finished.replayed else answer


@api_view("send_document")
def send(session: DbSession, caller: Caller | None, *, document_id: int,
         body: s.SendIn) -> s.DocumentOut:
    document = _signable(session, caller, document_id)
    assert caller is not None
    key = request.headers.get("Idempotency-Key") or body.idempotency_key
    ops.send(session, store(), document, idempotency_key=key,
             actor=caller.actor, validation=validation_for(document), config=current_app.config)
    return documents_out(session, [document])[0]


@api_view("cancel_signature")
def cancel(session: DbSession, caller: Caller | None, *, document_id: int) -> s.DocumentOut:
    document = _signable(session, caller, document_id)
    assert caller is not None
    ops.cancel(session, document, actor=caller.actor)
    return documents_out(session, [document])[0]
