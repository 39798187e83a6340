"""The month cycle over the API: ``POST /api/v1/readings`` (readings → the reading act) and
``POST /api/v1/documents/ID/signed`` (the act signed by the client).

Both are thin: they check the token's scope and right, then call the readings package's
operations — ``readings.operations.submit_readings`` and
``reading_acts.operations.upload_signed_act`` — exactly as its pages do, and answer with
the operation's schemas (``api.spec``). This module is imported (and its two routes
registered) only when those packages are part of the build (``available()``); the OpenAPI
description lists both operations either way.

"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _

from lk_corporate.api import schemas as s
from lk_corporate.api.auth import Caller
from lk_corporate.api.endpoints import documents_out, store, visible_document
from lk_corporate.api.http import ApiProblem, json_response
from lk_corporate.api.spec import PREFIX
from lk_corporate.api.views import api_view
from lk_corporate.core import rights as R
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import DomainError
from lk_corporate.core.requests import domain_error_message
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts.models import ReadingSource
from lk_corporate.reading_acts.operations import get_act, upload_signed_act
from lk_corporate.readings.operations import (
    AlreadySubmitted,
    NeedsConfirmation,
    ReadingRefused,
    ReadingSettings,
    submit_readings,
)
from lk_corporate.readings.rules import Entry, EntryMode

SIGNED_BY_CLIENT = frozenset({DocumentKind.READING_ACT})
"""The kinds a client uploads signed through the API."""


# --- what the readings package's operations take ------------------------------------------

def _entries(body: s.ReadingsIn) -> list[Entry]:
    """The readings as ``submit_readings`` takes them: the number as typed (its rules check
    digits and decimals exactly as on the page), a reading or a consumption."""
    return [Entry(meter_id=r.meter_id, zone=r.zone,
                  raw=format(r.consumption if r.consumption is not None else r.value, "f"),
                  mode=EntryMode.CONSUMPTION if r.consumption is not None else EntryMode.READING,
                  rollover=bool(r.rollover)) for r in body.readings]


# --- the two operations ----------------------------------------------------------------------

@api_view("submit_readings")
def submit(session: DbSession, caller: Caller | None, *, body: s.ReadingsIn) -> Any:
    assert caller is not None
    caller.client(session, body.client_id, R.READINGS_ENTER)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        result = submit_readings(
            session, store(), client_id=body.client_id, period_id=body.period_id,
            entries=_entries(body), source=ReadingSource.API, confirm=frozenset(body.confirm),
            actor=caller.actor, settings=ReadingSettings.from_config(app.config),
            links=context.act_links(app))
    except ReadingRefused as exc:
        raise ApiProblem(422, exc.code, _message(
            exc, _("The readings were not accepted; see errors.")),
            errors=[s.ProblemDetail(**row) for row in exc.as_list()]) from None
    except NeedsConfirmation as exc:
        raise ApiProblem(409, exc.code, _(
            "Confirm the warnings: send the request again with their codes in confirm."),
            warnings=[s.ConfirmationWarning(**row, confirmed=row["code"] in body.confirm)
                      for row in exc.as_list()]) from None
    except AlreadySubmitted as exc:
        # The same readings again (a retried request): the act they are already in.
        act = documents_out(session, [exc.act.document])[0]
        return json_response(s.ActCreated(act=act), 200)
    act = documents_out(session, [result.document])[0]
    response = json_response(s.ActCreated(act=act), 201)
    response.headers["Location"] = f"{PREFIX}/documents/{act.id}"
    return response


@api_view("upload_signed")
def upload_signed(session: DbSession, caller: Caller | None, *, document_id: int,
                  pdf: bytes) -> s.DocumentOut:
    assert caller is not None
    document = visible_document(session, caller, document_id, R.DOCUMENTS_SIGN)
    if document.kind not in SIGNED_BY_CLIENT:
        raise ApiProblem(422, "not_signed_by_client",
                         _("This kind of document is not signed by the client."))
    act = get_act(session, document.id, client_id=document.client_id)
    result = upload_signed_act(session, store(), act, pdf, actor=caller.actor,
                               validation=context.validation_settings(),
                               settings=context.act_settings(),
                               supplier_key=context.supplier_key())
    return documents_out(session, [result.document])[0]


def _message(error: Exception, fallback: str) -> str:
    return domain_error_message(error) if isinstance(error, DomainError) else fallback
