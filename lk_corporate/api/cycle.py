"""The month cycle over the API: ``POST /api/v1/readings`` (readings → the reading act) and
``POST /api/v1/documents/ID/signed`` (the act signed by the client).

Both are thin: they check the token's scope and right, then call the readings package's
operations — ``readings.operations.submit_readings`` and
``reading_acts.operations.upload_signed_act`` — exactly as its pages do, and answer with
the operation's schemas (``api.spec``). This module is imported (and its two routes
registered) only when those packages are part of the build (``available()``); the OpenAPI
description lists both operations either way.

What depends on the readings package's exact signatures is kept in the small functions
marked "wiring" below, so adapting to it touches nothing else.
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
from lk_corporate.docflow.models import Document, DocumentKind
from lk_corporate.reading_acts.operations import upload_signed_act
from lk_corporate.readings.operations import NeedsConfirmation, ReadingRefused, submit_readings

SIGNED_BY_CLIENT = frozenset({DocumentKind.READING_ACT})
"""The kinds a client uploads signed through the API."""


# --- wiring: what the readings package's operations take ------------------------------------

def _entries(body: s.ReadingsIn) -> list[dict[str, Any]]:
    """The readings as ``submit_readings(entries=...)`` takes them (wiring)."""
    return [{"meter_id": r.meter_id, "zone": r.zone, "value": r.value,
             "consumption": r.consumption, "rollover": r.rollover} for r in body.readings]


def _source(caller: Caller) -> str:
    """``submit_readings(source=...)`` for readings that came through the API (wiring)."""
    return "api"


def _submit_context() -> dict[str, Any]:
    """``submit_readings(settings=..., links=...)``, built as every package builds its own
    (a settings dataclass from the config, links from the app's URL map) (wiring)."""
    from lk_corporate.readings.links import reading_links
    from lk_corporate.readings.settings import ReadingSettings

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return {"settings": ReadingSettings.from_config(app.config), "links": reading_links(app)}


def _upload_context(document: Document) -> dict[str, Any]:
    """The keyword arguments ``upload_signed_act`` takes beyond ``actor`` (wiring)."""
    return {}


# --- the two operations ----------------------------------------------------------------------

@api_view("submit_readings")
def submit(session: DbSession, caller: Caller | None, *, body: s.ReadingsIn) -> Any:
    assert caller is not None
    caller.client(session, body.client_id, R.READINGS_ENTER)
    try:
        result = submit_readings(
            session, store(), client_id=body.client_id, period_id=body.period_id,
            entries=_entries(body), source=_source(caller), confirm=frozenset(body.confirm),
            actor=caller.actor, **_submit_context())
    except ReadingRefused as exc:
        raise ApiProblem(422, getattr(exc, "code", "readings_refused"), _message(
            exc, _("The readings were not accepted; see errors.")),
            errors=[s.ProblemDetail(**row) for row in exc.errors]) from None
    except NeedsConfirmation as exc:
        raise ApiProblem(409, "needs_confirmation", _(
            "Confirm the warnings: send the request again with their codes in confirm."),
            warnings=[s.ConfirmationWarning(**row) for row in exc.warnings]) from None
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
    signed = upload_signed_act(session, store(), document, pdf, actor=caller.actor,
                               **_upload_context(document))
    return documents_out(session, [signed])[0]


def _message(error: Exception, fallback: str) -> str:
    return domain_error_message(error) if isinstance(error, DomainError) else fallback
