"""The documents pages: the client's «Договоры и документы» list and each document's page
(history, every revision downloadable, the signatures in words), and the staff's view of
every client's documents. Kind-specific pages (a reading act's upload form, an invoice)
register themselves with ``register_document_page`` and the list links there."""

from __future__ import annotations

import json
from typing import Any

from flask import Response, current_app, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.net import client_ip
from lk_corporate.core.urls import page_number
from lk_corporate.docflow import operations as ops
from lk_corporate.docflow.evidence import build_evidence
from lk_corporate.docflow.files import content_disposition, document_store, pdf_response
from lk_corporate.docflow.models import Document, DocumentKind, DocumentStatus
from lk_corporate.docflow.pages import page_for
from lk_corporate.docflow.states import (
    CLIENT_SIGNED,
    KIND_LABELS,
    MACHINES,
    SOURCE_LABELS,
    STATUS_LABELS,
)
from lk_corporate.periods.operations import list_periods
from lk_corporate.signatures.portal import portal_validation_settings
from lk_corporate.signatures.presentation import INDICATIONS, summarize
from signing.validation import validate_pdf
from signing.validation.errors import ValidationError

PER_PAGE = 50


def _filters() -> ops.DocumentFilter:
    kind = request.args.get("kind", "")
    status = request.args.get("status", "")
    return ops.DocumentFilter(
        kind=DocumentKind(kind) if kind in DocumentKind._value2member_map_ else None,
        status=DocumentStatus(status) if status in DocumentStatus._value2member_map_ else None,
        period_id=request.args.get("period_id", None, type=page_number))


def _list(client_id: int | None, template: str) -> ResponseReturnValue:
    filters = _filters()
    pagination = db.paginate(ops.documents_query(client_id, filters),
                             page=request.args.get("page", 1, type=page_number),
                             per_page=PER_PAGE, error_out=False)
    return render_template(template, pagination=pagination, filters=filters,
                           periods=list_periods(db.session), **_labels())


def _labels() -> dict[str, Any]:
    return {"kind_labels": KIND_LABELS, "status_labels": STATUS_LABELS, "page_for": page_for,
            "source_labels": SOURCE_LABELS, "verdict_labels": INDICATIONS,
            "signable_kinds": {k.value for k, m in MACHINES.items() if m is CLIENT_SIGNED}}


def _detail(document: Document, template: str) -> ResponseReturnValue:
    reports = {r.seq: json.loads(r.report) for r in document.revisions if r.report}
    newest = max(reports) if reports else None
    return render_template(template, document=document,
                           history=ops.history(db.session, document),
                           signatures=summarize(reports[newest]) if newest else [],
                           report_seq=newest,
                           superseded_by=ops.superseded_by(db.session, document), **_labels())


# --- the client's pages ---------------------------------------------------------------------

@require_right(R.DOCUMENTS_VIEW)
def index() -> ResponseReturnValue:
    return _list(active_client_id(), "docflow/index.html")


@require_right(R.DOCUMENTS_VIEW)
def detail(document_id: int) -> ResponseReturnValue:
    return _detail(ops.get_document(db.session, document_id, client_id=active_client_id()),
                   "docflow/detail.html")


@require_right(R.DOCUMENTS_VIEW)
def file(document_id: int) -> Response:
    """The current file. The client's first download of a document the supplier sent is its
    receipt (status «Получен»)."""
    document = ops.get_document(db.session, document_id, client_id=active_client_id())
    ops.record_receipt(db.session, document,
                       actor=Actor(current_user.id, current_user.login, client_ip()))
    return pdf_response(ops.current_file(document_store(), document), document)


@require_right(R.DOCUMENTS_VIEW)
def revision_file(document_id: int, seq: int) -> Response:
    document = ops.get_document(db.session, document_id, client_id=active_client_id())
    return _revision_response(document, seq)


def _revision_response(document: Document, seq: int) -> Response:
    revision = next((r for r in document.revisions if r.seq == seq), None)
    if revision is None:
        raise NotFound(N_("No such revision."))
    return pdf_response(ops.revision_file(document_store(), revision), document,
                        suffix=f"-rev{seq}")


@require_right(R.DOCUMENTS_VIEW)
def evidence(document_id: int) -> Response:
    return _evidence(ops.get_document(db.session, document_id, client_id=active_client_id()))


def _evidence(document: Document) -> Response:
    """The evidence bundle (``docflow.evidence``), with the current file checked now."""
    store = document_store()
    try:
        report: dict[str, Any] = validate_pdf(
            ops.current_file(store, document),
            portal_validation_settings(current_app.config)).to_dict()
    except ValidationError as exc:
        report = {"error": str(exc)}
    bundle = build_evidence(db.session, store, document, current_report=report)
    response = Response(bundle.data, mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition("attachment", bundle.file_name)
    return response


# --- staff -------------------------------------------------------------------------------------

@require_right(R.CLIENTS_VIEW)
def staff_index() -> ResponseReturnValue:
    return _list(None, "docflow/staff_index.html")


@require_right(R.CLIENTS_VIEW)
def staff_detail(document_id: int) -> ResponseReturnValue:
    return _detail(ops.get_document(db.session, document_id, client_id=None),
                   "docflow/staff_detail.html")


@require_right(R.CLIENTS_VIEW)
def staff_file(document_id: int) -> Response:
    document = ops.get_document(db.session, document_id, client_id=None)
    return pdf_response(ops.current_file(document_store(), document), document)


@require_right(R.CLIENTS_VIEW)
def staff_evidence(document_id: int) -> Response:
    return _evidence(ops.get_document(db.session, document_id, client_id=None))


@require_right(R.CLIENTS_VIEW)
def staff_revision_file(document_id: int, seq: int) -> Response:
    return _revision_response(ops.get_document(db.session, document_id, client_id=None), seq)
