"""HTTP handlers: the client's «Платежи», «Текущее сальдо» and «Акты сверки» (with the
disagreement form); the staff's statement upload, the queue of unmatched payments, issuing
a reconciliation act and the list of disagreements."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import IO, Any, cast

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select

from lk_corporate.clients.models import Client
from lk_corporate.core import rights as R
from lk_corporate.core.audit import Actor
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.db import DbSession
from lk_corporate.core.errors import N_, DomainError, NotFound
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.storage import FileStore
from lk_corporate.core.urls import page_number
from lk_corporate.docflow.states import STATUS_LABELS
from lk_corporate.invoicing.settings import InvoicingSettings
from lk_corporate.payments import operations as ops
from lk_corporate.payments import reconciliation as rec
from lk_corporate.payments.demo import statement_path
from lk_corporate.payments.forms import (
    AssignForm,
    DisagreementForm,
    PeriodForm,
    StaffActForm,
    StatementForm,
)
from lk_corporate.payments.models import MatchedBy, Outcome, StatementImport
from lk_corporate.payments.statement import StatementError
from lk_corporate.supplier.models import SupplierSettings

PER_PAGE = 30

MATCH_LABELS = {MatchedBy.INVOICE: N_("by the invoice number"),
                MatchedBy.CONTRACT: N_("by the contract number"),
                MatchedBy.MANUAL: N_("assigned by the supplier"),
                MatchedBy.NONE: N_("not matched")}
OUTCOME_LABELS = {Outcome.PENDING: N_("Awaiting the client's answer"),
                  Outcome.AGREED: N_("Agreed (signed by the client)"),
                  Outcome.DISAGREED: N_("Disagreement")}


class StatementRefused(DomainError):
    code = "statement_refused"


def _page() -> int:
    return request.args.get("page", 1, type=page_number)


def _settings() -> InvoicingSettings:
    return InvoicingSettings.from_config(current_app.config)


def _store() -> FileStore:
    return FileStore(Path(current_app.config["LK_STORAGE_DIR"]))


def _labels() -> dict[str, Any]:
    return {"match_labels": MATCH_LABELS, "outcome_labels": OUTCOME_LABELS,
            "status_labels": STATUS_LABELS}


# --- the client's pages -------------------------------------------------------------------------

@require_right(R.MONEY_VIEW)
def payments() -> ResponseReturnValue:
    """«Платежи»: newest first, with the invoices each paid and the advance left."""
    pagination = db.paginate(ops.client_payments_query(active_client_id()), page=_page(),
                             per_page=PER_PAGE, error_out=False)
    allocations = ops.allocations_of(db.session, [p.id for p in pagination.items])
    return render_template("payments/payments.html", pagination=pagination,
                           allocations=allocations, **_labels())


@require_right(R.MONEY_VIEW)
def balance() -> ResponseReturnValue:
    """«Текущее сальдо»: debt or overpayment today, and how it came about month by month."""
    client_id = active_client_id()
    today = _settings().today()
    return render_template("payments/balance.html",
                           balance=ops.balance(db.session, client_id, as_of=today),
                           advance=ops.advance(db.session, client_id))


def _issue(session: DbSession, client_id: int, form: PeriodForm, requested_by: str,
           actor: Actor) -> Any:
    settings = _settings()
    return rec.issue_reconciliation_act(
        session, _store(), client_id=client_id, date_from=form.date_from.data,
        date_to=form.date_to.data, requested_by=requested_by, actor=actor,
        supplier_key=rec.supplier_key_from(current_app.config), base_url=settings.base_url,
        today=settings.today())


@require_right(R.MONEY_VIEW)
def acts() -> ResponseReturnValue:
    """«Акты сверки»: the client's acts and the form asking for a new one."""
    client_id = active_client_id()
    form = PeriodForm()
    if request.method == "GET":
        today = _settings().today()
        form.date_from.data = dt.date(today.year, 1, 1)
        form.date_to.data = today
    if form.validate_on_submit():
        act = submit_form(form, _issue, client_id, form, "client", current_actor())
        if act:
            flash(_("The reconciliation act No. %(number)s is ready: check it and sign it, or "
                    "tell the supplier what you disagree with.", number=act.document.number),
                  "success")
            return redirect(url_for("payments.act", document_id=act.document_id))
    pagination = db.paginate(rec.acts_query(client_id), page=_page(), per_page=PER_PAGE,
                             error_out=False)
    return render_template("payments/acts.html", pagination=pagination, form=form,
                           **_labels()), 422 if form.errors or form.form_errors else 200


@require_right(R.DOCUMENTS_VIEW)
def act(document_id: int) -> ResponseReturnValue:
    found = rec.act_of_document(db.session, document_id, client_id=active_client_id())
    return render_template("payments/act.html", act=found, staff=False, **_labels())


def _line_comments() -> list[rec.LineComment]:
    out = []
    for key, value in request.form.items():
        if key.startswith("line-") and key[5:].isdigit() and len(key) < 12 and value.strip():
            out.append(rec.LineComment(int(key[5:]), value))
    return sorted(out, key=lambda c: c.line)


@require_right(R.DOCUMENTS_SIGN)
def disagree(document_id: int) -> ResponseReturnValue:
    """The disagreement: a comment per disputed line and in general."""
    found = rec.act_of_document(db.session, document_id, client_id=active_client_id())
    form = DisagreementForm()
    if form.validate_on_submit() and submit_form(form, rec.disagree, found,
                                                 comments=_line_comments(),
                                                 comment=form.comment.data or "",
                                                 actor=current_actor()):
        flash(_("Your disagreement has been sent to the supplier."), "success")
        return redirect(url_for("payments.act", document_id=document_id))
    return render_template("payments/disagree.html", act=found, form=form,
                           comments={c.line: c.comment for c in _line_comments()},
                           **_labels()), 422 if request.method == "POST" else 200


# --- staff ------------------------------------------------------------------------------------

def _import_upload(session: DbSession, stream: IO[bytes], *, file_name: str,
                   actor: Actor) -> ops.ImportResult:
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
    stream.seek(0)
    account = session.scalar(select(SupplierSettings.bank_account)
                             .order_by(SupplierSettings.id).limit(1)) or ""
    try:
        return ops.import_statement(session, cast(Any, stream), actor=actor,
                                    file_name=file_name, sha256=digest.hexdigest(),
                                    supplier_account=account)
    except StatementError as exc:
        # The reason in the reader's language (its parameters quote the file as it is).
        reason = _(exc.msgid, **exc.params) if exc.params else _(exc.msgid)
        if exc.line:
            raise StatementRefused(N_("The statement is refused, nothing was imported: line "
                                      "%(line)s: %(reason)s"), "file", line=exc.line,
                                   reason=reason) from None
        raise StatementRefused(N_("The statement is refused, nothing was imported: "
                                  "%(reason)s"), "file", reason=reason) from None


@require_right(R.INVOICES_SIGN)
def upload() -> ResponseReturnValue:
    """The staff's statement upload, the statements imported so far and the queue's size."""
    form = StatementForm()
    if form.validate_on_submit():
        upload_file = form.file.data
        if upload_file is None or not getattr(upload_file, "filename", ""):
            form.file.errors = [_("Choose the statement file.")]
        else:
            upload_file.stream.seek(0)  # a retried request reads it again from the start
            result = submit_form(form, _import_upload, upload_file.stream,
                                 file_name=upload_file.filename, actor=current_actor())
            if result:
                flash(_("Statement imported: %(payments)s payments, %(added)s new, "
                        "%(duplicates)s imported before, %(matched)s matched, %(unmatched)s "
                        "to assign by hand.", payments=result.payments, added=result.added,
                        duplicates=result.duplicates, matched=result.matched,
                        unmatched=result.unmatched), "success")
                return redirect(url_for("payments.upload"))
    imports = db.session.scalars(select(StatementImport).order_by(StatementImport.id.desc())
                                 .limit(20)).all()
    waiting = db.session.scalar(select(func.count()).select_from(
        ops.unmatched_query().subquery()))
    sample = current_app.config.get("LK_DEMO") and statement_path(current_app.config).is_file()
    return render_template("payments/upload.html", form=form, imports=imports, waiting=waiting,
                           sample=sample), \
        422 if form.errors or form.form_errors else 200


@require_right(R.INVOICES_SIGN)
def demo_statement() -> ResponseReturnValue:
    """The demo's statement to import (only in the demo)."""
    path = statement_path(current_app.config)
    if not current_app.config.get("LK_DEMO") or not path.is_file():
        raise NotFound(N_("There is no demo statement."))
    return send_file(path, mimetype="text/plain", as_attachment=True,
                     download_name=path.name, max_age=0)


@require_right(R.INVOICES_SIGN)
def queue() -> ResponseReturnValue:
    """Payments matched to no client, oldest first; each with its assignment form."""
    pagination = db.paginate(ops.unmatched_query(), page=_page(), per_page=PER_PAGE,
                             error_out=False)
    tax_ids = sorted({p.payer_tax_id for p in pagination.items if p.payer_tax_id})
    candidates: dict[str, list[Client]] = {}
    if tax_ids:
        for c in db.session.scalars(select(Client).where(Client.tax_id.in_(tax_ids))
                                    .order_by(Client.contract_number)):
            candidates.setdefault(c.tax_id, []).append(c)
    return render_template("payments/queue.html", pagination=pagination, form=AssignForm(),
                           candidates=candidates, **_labels())


@require_right(R.INVOICES_SIGN)
def assign(payment_id: int) -> ResponseReturnValue:
    payment = ops.get_payment(db.session, payment_id)
    form = AssignForm()
    if form.validate_on_submit():
        client = db.session.scalars(select(Client).where(
            Client.contract_number == form.contract_number.data)).first()
        if client is None:
            form.contract_number.errors = [_("No client has this contract number.")]
        elif submit_form(form, ops.assign_payment, payment.id, client_id=client.id,
                         invoice_number=form.invoice_number.data or "",
                         actor=current_actor()):
            flash(_("Payment No. %(number)s is assigned to contract %(contract)s.",
                    number=payment.number, contract=client.contract_number), "success")
            return redirect(url_for("payments.queue"))
    return render_template("payments/assign.html", payment=payment, form=form,
                           **_labels()), 422 if request.method == "POST" else 200


@require_right(R.INVOICES_SIGN)
def staff_acts() -> ResponseReturnValue:
    """Reconciliation acts: the disagreements first (``?outcome=``), and issuing one."""
    wanted = request.args.get("outcome", "disagreed")
    outcome = Outcome(wanted) if wanted in Outcome._value2member_map_ else None
    form = StaffActForm()
    if request.method == "GET":
        today = _settings().today()
        form.date_from.data = dt.date(today.year, 1, 1)
        form.date_to.data = today
    if form.validate_on_submit():
        client = db.session.scalars(select(Client).where(
            Client.contract_number == form.contract_number.data)).first()
        if client is None:
            form.contract_number.errors = [_("No client has this contract number.")]
        else:
            made = submit_form(form, _issue, client.id, form, "staff", current_actor())
            if made:
                flash(_("The reconciliation act No. %(number)s has been sent to the client.",
                        number=made.document.number), "success")
                return redirect(url_for("payments.staff_act", document_id=made.document_id))
    pagination = db.paginate(rec.acts_query(None, outcome), page=_page(), per_page=PER_PAGE,
                             error_out=False)
    return render_template("payments/staff_acts.html", pagination=pagination, form=form,
                           outcome=outcome, outcomes=list(Outcome), **_labels()), \
        422 if request.method == "POST" else 200


@require_right(R.INVOICES_SIGN)
def staff_act(document_id: int) -> ResponseReturnValue:
    found = rec.act_of_document(db.session, document_id, client_id=None)
    return render_template("payments/act.html", act=found, staff=True, **_labels())
