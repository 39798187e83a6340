"""HTTP handlers of the reading-act pages: the client's act (download, upload the signed
file, the validation report in words, the history) and the staff's view of the same."""

from __future__ import annotations

import io
import json
from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.errors import N_, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.i18n import message_text
from lk_corporate.core.requests import domain_error_message
from lk_corporate.core.urls import page_number
from lk_corporate.docflow.models import Document, DocumentStatus, RevisionSource
from lk_corporate.docflow.operations import history, revision_file
from lk_corporate.docflow.states import STATUS_LABELS
from lk_corporate.periods.operations import current_period, get_period, list_periods
from lk_corporate.reading_acts import context
from lk_corporate.reading_acts import operations as ops
from lk_corporate.reading_acts.forms import RejectForm, UploadForm
from lk_corporate.reading_acts.models import ReadingAct, ReadingCorrection
from lk_corporate.reading_acts.presentation import STATUS_KINDS, signature_views
from lk_corporate.reading_acts.wording import rejection_reason

SOURCE_LABELS = {"client": N_("Client's page"), "paper": N_("Paper form (entered by the "
                                                             "supplier)"), "api": N_("API"),
                 "correction": N_("Corrected by the supplier's engineer")}
REVISION_LABELS = {
    RevisionSource.ISSUED: N_("Issued by the portal"),
    RevisionSource.CLIENT_SIGNATURE: N_("Signed by the client"),
    RevisionSource.SUPPLIER_SIGNATURE: N_("Signed by the supplier"),
    RevisionSource.UPGRADE: N_("Signature completed"),
}


def _labels() -> dict[str, Any]:
    return {"status_labels": STATUS_LABELS, "status_kinds": STATUS_KINDS,
            "source_labels": SOURCE_LABELS, "revision_labels": REVISION_LABELS}


def _reason(act: ReadingAct, report: dict[str, Any] | None) -> str | None:
    """Why the act was rejected, in the reader's language when the report says it."""
    document = act.document
    if document.status is not DocumentStatus.REJECTED:
        return None
    client = document.client
    for sig in (report or {}).get("signatures") or ():
        if sig.get("field_name") != "supplier" and sig.get("kind") == "signature":
            reason = rejection_reason(sig, client_name=client.display_name,
                                      tax_id=client.tax_id)
            if reason is not None:
                return message_text(reason.message, reason.params)
    return document.status_reason or None


def _page(act: ReadingAct, *, staff: bool, upload_form: UploadForm | None = None,
          reject_form: RejectForm | None = None) -> str:
    document = act.document
    report = ops.revision_report(document)
    client = document.client
    return render_template(
        "reading_acts/act.html", act=act, document=document, client=client, staff=staff,
        period=document.period, report=report, reason=_reason(act, report),
        signatures=signature_views(report, client_name=client.display_name,
                                   tax_id=client.tax_id),
        history=history(db.session, document), replaced_by=ops.replacement(db.session, document),
        upload_form=upload_form or UploadForm(), reject_form=reject_form or RejectForm(),
        **_labels())


def _file_response(act: ReadingAct) -> ResponseReturnValue:
    """The act's current file, or the revision ``?revision=N`` (each is kept)."""
    document = act.document
    seq = request.args.get("revision", type=page_number)
    revision = document.current_revision if seq is None else next(
        (r for r in document.revisions if r.seq == seq), None)
    if revision is None:
        raise NotFound(N_("No such revision."))
    data = revision_file(context.file_store(), revision)
    suffix = "" if revision is document.current_revision else f"-{revision.seq}"
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=f"{document.number}{suffix}.pdf", max_age=0)


def _report_response(act: ReadingAct) -> ResponseReturnValue:
    report = ops.revision_report(act.document) or {}
    body = json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8")
    return send_file(io.BytesIO(body), mimetype="application/json", as_attachment=True,
                     download_name=f"{act.document.number}-report.json", max_age=0)


# --- client side ---------------------------------------------------------------------------

def status_label(document: Document) -> str:
    """A document's status in the seeds' words («Ожидает подписи», «Принят»)."""
    return str(STATUS_LABELS[document.status])


def corrections_of(document_id: int) -> list[ReadingCorrection]:
    """The supplier's corrections of the act ``document_id``, in order (the act's page, the
    readings page): old value, new value, reason, who, when, the correction document."""
    return list(db.session.scalars(select(ReadingCorrection)
                                   .where(ReadingCorrection.document_id == document_id)
                                   .order_by(ReadingCorrection.seq)))


def current_act_of_active_client() -> ReadingAct | None:
    """The open period's current act of the client the user acts for (None for staff, or
    when there is none): what the cabinet shows."""
    membership = getattr(current_user, "active_membership", None)
    period = current_period(db.session) if membership is not None else None
    if membership is None or period is None:
        return None
    return ops.current_act(db.session, int(membership.client_id), period.id)


@require_right(R.DOCUMENTS_VIEW)
def index() -> ResponseReturnValue:
    """«Акты предоставления показаний»: the client's acts, newest first."""
    acts = ops.client_acts(db.session, active_client_id())
    return render_template("reading_acts/index.html", acts=acts, **_labels())


@require_right(R.DOCUMENTS_VIEW)
def detail(document_id: int) -> ResponseReturnValue:
    act = ops.get_act(db.session, document_id, client_id=active_client_id())
    return _page(act, staff=False)


@require_right(R.DOCUMENTS_VIEW)
def download(document_id: int) -> ResponseReturnValue:
    return _file_response(ops.get_act(db.session, document_id, client_id=active_client_id()))


@require_right(R.DOCUMENTS_VIEW)
def report(document_id: int) -> ResponseReturnValue:
    return _report_response(ops.get_act(db.session, document_id, client_id=active_client_id()))


_STATE_REFUSALS = frozenset({"already_accepted", "already_received", "superseded", "rejected"})


def _uploaded(form: UploadForm, limit: int) -> bytes:
    upload = form.file.data
    if not isinstance(upload, FileStorage):
        return b""
    # One byte more than allowed tells "too large" without reading a huge file whole.
    return upload.stream.read(limit + 1)


def _after_upload(result: ops.UploadResult) -> None:
    document = result.document
    if document.status is DocumentStatus.ACCEPTED:
        flash(_("Act № %(number)s is signed and accepted for calculation.",
                number=document.number), "success")
    elif document.status is DocumentStatus.RECEIVED:
        flash(_("Act № %(number)s is signed and received; the supplier will accept it for "
                "calculation.", number=document.number), "info")
    elif result.reason is not None:
        flash(_("Act № %(number)s is rejected: %(reason)s", number=document.number,
                reason=message_text(result.reason.message, result.reason.params)), "danger")


@require_right(R.DOCUMENTS_SIGN)
def upload(document_id: int) -> ResponseReturnValue:
    """The signed act, uploaded: accepted, or rejected with the reason, or refused (nothing
    changes) with the message beside the file field."""
    act = ops.get_act(db.session, document_id, client_id=active_client_id())
    form = UploadForm()
    settings = context.act_settings()
    if form.validate_on_submit() and (result := submit_form(
            form, ops.upload_signed_act, context.file_store(), act,
            _uploaded(form, settings.max_upload_bytes),
            actor=current_actor(), validation=context.validation_settings(),
            settings=settings, supplier_key=context.supplier_key())):
        _after_upload(result)
        return redirect(url_for("reading_acts.detail", document_id=act.document_id))
    refusal = getattr(form, "refusal", None)
    if isinstance(refusal, ops.UploadRefused) and refusal.reason.code in _STATE_REFUSALS:
        # The act moved on (accepted from another tab, superseded): its page no longer has
        # the upload form to put the message beside, so it goes on top of the page.
        flash(domain_error_message(refusal), "warning")
        return redirect(url_for("reading_acts.detail", document_id=act.document_id))
    return _page(act, staff=False, upload_form=form), 422


# --- staff side ----------------------------------------------------------------------------

@require_right(R.CLIENTS_VIEW)
def staff_index() -> ResponseReturnValue:
    """Every client's acts of a period (the open one unless ``?period=`` says)."""
    periods = list_periods(db.session)
    period_id = request.args.get("period", type=page_number)
    period = get_period(db.session, period_id) if period_id else current_period(db.session)
    if period is None and periods:
        period = periods[0]
    status_value = request.args.get("status") or ""
    status = next((s for s in DocumentStatus if s.value == status_value), None)
    acts = ops.period_acts(db.session, period.id, status=status) if period else []
    return render_template("reading_acts/staff_index.html", acts=acts, period=period,
                           periods=periods, status=status, **_labels())


def _staff_act(client_id: int, document_id: int) -> ReadingAct:
    act = ops.get_act(db.session, document_id, client_id=None)
    if act.client_id != client_id:
        raise NotFound(N_("No such act."))
    return act


@require_right(R.CLIENTS_VIEW)
def staff_detail(client_id: int, document_id: int) -> ResponseReturnValue:
    return _page(_staff_act(client_id, document_id), staff=True)


@require_right(R.CLIENTS_VIEW)
def staff_download(client_id: int, document_id: int) -> ResponseReturnValue:
    return _file_response(_staff_act(client_id, document_id))


@require_right(R.CLIENTS_VIEW)
def staff_report(client_id: int, document_id: int) -> ResponseReturnValue:
    return _report_response(_staff_act(client_id, document_id))


@require_right(R.DOCUMENTS_COUNTERSIGN)
def staff_accept(client_id: int, document_id: int) -> ResponseReturnValue:
    """Accept a received act (when it was not accepted at once: no key, key unusable)."""
    act = _staff_act(client_id, document_id)
    key = context.supplier_key()
    if key is None:
        flash(_("The supplier's signing key is not configured (LK_SUPPLIER_P12): the act "
                "cannot be accepted."), "danger")
    else:
        ops.accept_act(db.session, context.file_store(), act, actor=current_actor(),
                       supplier_key=key, validation=context.validation_settings())
        flash(_("Act № %(number)s accepted for calculation.", number=act.document.number),
              "success")
    return redirect(url_for("reading_acts.staff_detail", client_id=client_id,
                            document_id=document_id))


@require_right(R.DOCUMENTS_REJECT)
def staff_reject(client_id: int, document_id: int) -> ResponseReturnValue:
    act = _staff_act(client_id, document_id)
    form = RejectForm()
    if form.validate_on_submit() and submit_form(form, ops.reject_act, act,
                                                 reason=form.reason.data or "",
                                                 actor=current_actor()):
        flash(_("Act № %(number)s rejected.", number=act.document.number), "success")
        return redirect(url_for("reading_acts.staff_detail", client_id=client_id,
                                document_id=document_id))
    return _page(act, staff=True, reject_form=form), 422
