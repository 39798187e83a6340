"""The reading side of ``/api/v1``: clients, periods, tariffs, meters, documents, their files
and validation reports — over the same operations the pages use, within the token's scope.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import selectinload

from lk_corporate.api import schemas as s
from lk_corporate.api.auth import Caller
from lk_corporate.api.http import ApiProblem
from lk_corporate.api.invoicing_bridge import UNKNOWN, invoice_amounts
from lk_corporate.api.readings_bridge import previous_readings
from lk_corporate.api.spec import openapi as openapi_document
from lk_corporate.api.views import api_view
from lk_corporate.clients.models import Client, Meter
from lk_corporate.clients.operations import client_meters
from lk_corporate.core import rights as R
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.storage import FileStore
from lk_corporate.docflow import operations as docs
from lk_corporate.docflow.files import content_disposition, file_name
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.periods.operations import (
    current_period,
    get_period,
    list_periods,
    month_bounds,
    reading_window,
)
from lk_corporate.tariffs.operations import tariffs_in_force, tariffs_valid_between

MONEY_KINDS = frozenset({DocumentKind.INVOICE, DocumentKind.TAX_INVOICE,
                         DocumentKind.CHARGES_BREAKDOWN})
"""Documents about money: seen only with the money right as well (as the «Деньги» pages)."""


def store() -> FileStore:
    return FileStore(Path(current_app.config["LK_STORAGE_DIR"]))


def _caller(caller: Caller | None) -> Caller:
    assert caller is not None  # every operation but the description authenticates
    return caller


# --- reference data ----------------------------------------------------------------------

@api_view("list_clients")
def list_clients(session: DbSession, caller: Caller | None) -> s.ClientList:
    who = _caller(caller)
    query = select(Client).order_by(Client.name, Client.id)
    if who.staff_rights is not None:
        if R.CLIENTS_VIEW not in who.staff_rights:
            raise ApiProblem(403, "forbidden", _("The token's user lacks the right for this: "
                                                 "%(rights)s.", rights=R.CLIENTS_VIEW))
    else:
        query = query.where(Client.id.in_(list(who.client_rights)))
    return s.ClientList(items=[
        s.ClientOut(id=c.id, name=c.name, tax_id=c.tax_id, contract_number=c.contract_number)
        for c in session.scalars(query)])


def _period_out(period: BillingPeriod, today: dt.date) -> s.PeriodOut:
    return s.PeriodOut(id=period.id, year=period.year, month=period.month, status=period.status,
                       calculation_date=period.calculation_date,
                       readings_open=reading_window(period).is_open(today))


@api_view("list_periods")
def list_periods_(session: DbSession, caller: Caller | None) -> s.PeriodList:
    today = dt.date.today()
    return s.PeriodList(items=[_period_out(p, today) for p in list_periods(session)])


@api_view("list_tariffs")
def list_tariffs(session: DbSession, caller: Caller | None, *,
                 query: s.TariffQuery) -> s.TariffList:
    _caller(caller).client(session, query.client_id, R.MONEY_VIEW)
    period = (get_period(session, query.period_id) if query.period_id is not None
              else current_period(session))
    if period is not None:
        tariffs = tariffs_valid_between(session, *month_bounds(period.year, period.month))
    else:
        tariffs = tariffs_in_force(session, dt.date.today())[0]
    return s.TariffList(items=[
        s.TariffOut(id=t.id, service=t.service, zone=t.zone, unit=t.unit, price=t.price,
                    valid_from=t.valid_from, valid_to=t.valid_to) for t in tariffs])


@api_view("list_meters")
def list_meters(session: DbSession, caller: Caller | None, *,
                query: s.ClientQuery) -> s.MeterList:
    _caller(caller).client(session, query.client_id, R.READINGS_VIEW)
    meters = client_meters(session, query.client_id)
    previous = previous_readings(session, meters)
    return s.MeterList(items=[_meter_out(m, previous.get(m.id, {})) for m in meters])


def _meter_out(meter: Meter, previous: dict[str, Any]) -> s.MeterOut:
    return s.MeterOut(
        id=meter.id, client_id=meter.client_id, point_id=meter.point_id, point=meter.point.name,
        service=meter.service, factory_number=meter.factory_number, status=meter.status,
        verification_date=meter.verification_date, zones=meter.zone_list, digits=meter.digits,
        decimals=meter.decimals, ct_ratio=meter.ct_ratio, vt_ratio=meter.vt_ratio,
        max_consumption=meter.max_consumption,
        previous={zone: s.PreviousReadingOut(value=p.value, date=p.date, source=p.source)
                  for zone, p in previous.items()})


# --- documents ---------------------------------------------------------------------------

def document_rights(document: Document) -> tuple[str, ...]:
    if document.kind in MONEY_KINDS:
        return (R.DOCUMENTS_VIEW, R.MONEY_VIEW)
    return (R.DOCUMENTS_VIEW,)


def visible_document(session: DbSession, caller: Caller, document_id: int,
                     *extra_rights: str) -> Document:
    """The document if its client is in the caller's scope (else 404, as the pages) and the
    caller holds the rights to see it (and ``extra_rights``) there (else 403)."""
    document = docs.get_document(session, document_id, client_id=None)
    if not caller.sees(document.client_id):
        raise NotFound(N_("No such document."))
    caller.require(document.client_id, *document_rights(document), *extra_rights)
    return document


def documents_out(session: DbSession, documents: Sequence[Document]) -> list[s.DocumentOut]:
    successors = docs.successors(session, [d.id for d in documents])
    amounts = invoice_amounts(session, documents)
    return [_document_out(d, successors.get(d.id), amounts.get(d.id, UNKNOWN))
            for d in documents]


def _document_out(d: Document, superseded_by: int | None, money: Any) -> s.DocumentOut:
    return s.DocumentOut(
        id=d.id, kind=d.kind, number=d.number, date=d.date, client_id=d.client_id,
        period_id=d.period_id, status=d.status, status_reason=d.status_reason, sha256=d.sha256,
        signatures=d.signature_count, supersedes=d.supersedes_id, superseded_by=superseded_by,
        amount_net=money.amount_net, vat=money.vat, total=money.total, due_date=money.due_date,
        remaining=money.remaining)


@api_view("list_documents")
def list_documents(session: DbSession, caller: Caller | None, *,
                   query: s.DocumentQuery) -> s.DocumentList:
    who = _caller(caller)
    if query.client_id is not None:
        who.client(session, query.client_id, R.DOCUMENTS_VIEW)
        if query.kind in MONEY_KINDS:
            who.require(query.client_id, R.MONEY_VIEW)
    if query.period_id is not None:
        get_period(session, query.period_id)
    statement = docs.documents_query(query.client_id, docs.DocumentFilter(
        kind=query.kind, period_id=query.period_id, status=query.status))
    everything = who.clients_with(R.DOCUMENTS_VIEW, R.MONEY_VIEW)
    if everything is None:
        pass  # staff with the right: every client
    else:
        plain = who.clients_with(R.DOCUMENTS_VIEW) or []
        statement = statement.where(or_(
            Document.client_id.in_(everything) if everything else false(),
            and_(Document.client_id.in_(plain), Document.kind.not_in(MONEY_KINDS))
            if plain else false()))
    rows = list(session.scalars(statement.options(selectinload(Document.revisions))
                                .offset(query.offset).limit(query.limit + 1)))
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return s.DocumentList(items=documents_out(session, rows),
                          next_offset=query.offset + query.limit if more else None)


@api_view("get_document")
def get_document(session: DbSession, caller: Caller | None, *,
                 document_id: int) -> s.DocumentOut:
    document = visible_document(session, _caller(caller), document_id)
    return documents_out(session, [document])[0]


@api_view("get_document_file")
def get_document_file(session: DbSession, caller: Caller | None, *,
                      document_id: int) -> Response:
    who = _caller(caller)
    document = visible_document(session, who, document_id)
    data = docs.current_file(store(), document)
    if not who.is_staff and document.status is DocumentStatus.SENT and request.method == "GET":
        # The client downloading what the supplier sent: received (once), as on the pages;
        # a HEAD request (does it exist, how large) downloads nothing.
        docs.record_receipt(session, document, actor=who.actor)
    response = Response(data, mimetype="application/pdf")
    # A reading act's number is Cyrillic («АП-…»), and headers are Latin-1 on the wire.
    response.headers["Content-Disposition"] = content_disposition("attachment",
                                                                  file_name(document))
    response.headers["ETag"] = f'"{document.sha256}"'
    return response


@api_view("get_document_report")
def get_document_report(session: DbSession, caller: Caller | None, *,
                        document_id: int) -> Response:
    document = visible_document(session, _caller(caller), document_id)
    revision = docs.newest_report(document)
    if revision is None:
        raise NotFound(N_("No signature of this document has been checked yet."))
    return jsonify(json.loads(revision.report))


@api_view("openapi")
def openapi(session: DbSession, caller: Caller | None) -> Response:
    return jsonify(openapi_document())
