"""HTTP handlers of the countersigning queue («На подпись поставщика»): the received
documents, countersigning a selection as background jobs with a result per document, the
rejection of one with its reason, and the supplier's choice of how reading acts are
accepted."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lk_corporate.core import rights as R
from lk_corporate.core.auth import require_any_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.urls import coerce_id
from lk_corporate.countersign import operations as ops
from lk_corporate.countersign.forms import AcceptanceForm, BatchForm, RejectForm
from lk_corporate.countersign.models import CountersignStatus
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.operations import history
from lk_corporate.docflow.states import KIND_LABELS, STATUS_LABELS
from lk_corporate.supplier.operations import acts_accepted_by_signer, set_acts_accepted_by_signer

QUEUE_RIGHTS = (R.DOCUMENTS_COUNTERSIGN, R.LIMITS_APPROVE, R.DOCUMENTS_REJECT, R.SUPPLIER_MANAGE)
SIGN_RIGHTS = (R.DOCUMENTS_COUNTERSIGN, R.LIMITS_APPROVE)
RESULT_KINDS = {CountersignStatus.PENDING: "secondary", CountersignStatus.SIGNED: "success",
                CountersignStatus.FAILED: "danger"}


def _result_labels() -> dict[CountersignStatus, str]:
    return {CountersignStatus.PENDING: _("In progress"), CountersignStatus.SIGNED: _("Signed"),
            CountersignStatus.FAILED: _("Failed")}


def _page(form: BatchForm | None = None, status: int = 200) -> ResponseReturnValue:
    kind_value = request.args.get("kind", "")
    kind = DocumentKind(kind_value) if kind_value in DocumentKind._value2member_map_ else None
    kinds = ops.countersignable_kinds()
    documents = ops.queue(db.session, kinds=[kind] if kind else None)
    batch = request.args.get("batch", "")[:32]
    results = (ops.batch_results(db.session, batch) if batch
               else ops.recent_results(db.session, limit=20))
    pending = any(r.status is CountersignStatus.PENDING for r in results)
    acceptance = AcceptanceForm(by_signer=acts_accepted_by_signer(db.session))
    return render_template(
        "countersign/queue.html", documents=documents, kinds=kinds, kind=kind,
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, results=results, batch=batch,
        pending=pending, result_labels=_result_labels(), result_kinds=RESULT_KINDS,
        form=form or BatchForm(), acceptance=acceptance,
        may_sign=lambda k: ops.may_decide(current_user.has_right, k),
        may_reject=lambda k: ops.may_reject(current_user.has_right, k)), status


@require_any_right(*QUEUE_RIGHTS)
def queue() -> ResponseReturnValue:
    return _page()


@require_any_right(*SIGN_RIGHTS)
def sign() -> ResponseReturnValue:
    """Countersign the checked documents: one job each; the page then shows their results."""
    form = BatchForm()
    ids = [i for i in (coerce_id(v) for v in request.form.getlist("document")) if i]
    if form.validate_on_submit() and (rows := submit_form(
            form, ops.request_batch, ids, actor=current_actor(),
            allowed=lambda kind: ops.may_decide(current_user.has_right, kind))):
        flash(_("Countersigning %(n)s document(s): the results appear below.", n=len(rows)),
              "info")
        return redirect(url_for("countersign.queue", batch=rows[0].batch))
    return _page(form, 422)


def _decidable(document_id: int) -> Any:
    document = ops.get_decidable(db.session, document_id)
    if not ops.may_reject(current_user.has_right, document.kind):
        abort(403)
    return document


@require_any_right(R.DOCUMENTS_REJECT, *SIGN_RIGHTS)
def reject(document_id: int) -> ResponseReturnValue:
    """Reject a received document with the reason the client reads (GET: the form)."""
    document = _decidable(document_id)
    form = RejectForm()
    if request.method == "POST":
        if form.validate_on_submit() and submit_form(form, ops.reject, document,
                                                     reason=form.reason.data,
                                                     actor=current_actor()):
            flash(_("%(kind)s № %(number)s rejected; the client is notified.",
                    kind=KIND_LABELS[document.kind], number=document.number), "success")
            return redirect(url_for("countersign.queue"))
        status = 422
    else:
        status = 200
    return render_template("countersign/reject.html", document=document, form=form,
                           kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
                           history=history(db.session, document)), status


@require_any_right(R.SUPPLIER_MANAGE)
def acceptance() -> ResponseReturnValue:
    form = AcceptanceForm()
    if form.validate_on_submit() and submit_form(form, set_acts_accepted_by_signer,
                                                 bool(form.by_signer.data),
                                                 actor=current_actor()):
        flash(_("Changes saved."), "success")
    return redirect(url_for("countersign.queue"))
