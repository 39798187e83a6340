"""HTTP handlers: the client's «Деньги → Счета» and «Деньги → Налоговые накладные» with their
downloads, the staff's download, the period board's calculation panel and its «Рассчитать»."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lk_corporate.core import jobs
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.db import DbSession, utcnow
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import claim_submission, current_actor
from lk_corporate.core.storage import FileStore
from lk_corporate.core.uow import after_commit
from lk_corporate.core.urls import page_number
from lk_corporate.docflow.models import DocumentKind
from lk_corporate.docflow.operations import record_receipt
from lk_corporate.docflow.states import STATUS_LABELS
from lk_corporate.invoicing import board, runs
from lk_corporate.invoicing.models import Invoice, TaskStatus
from lk_corporate.invoicing.operations import get_invoice, invoices_query
from lk_corporate.periods.models import BillingPeriod
from lk_corporate.periods.operations import get_period

PER_PAGE = 25


def _store() -> FileStore:
    return FileStore(Path(current_app.config["LK_STORAGE_DIR"]))


def _list(kind: DocumentKind, template: str) -> ResponseReturnValue:
    page = request.args.get("page", 1, type=page_number)
    pagination = db.paginate(invoices_query(active_client_id(), kind), page=page,
                             per_page=PER_PAGE, error_out=False)
    return render_template(template, pagination=pagination, status_labels=STATUS_LABELS,
                           replacements=_replacements(pagination.items))


def _replacements(rows: list[Invoice]) -> dict[int, Invoice]:
    ids = [r.replaced_by_id for r in rows if r.replaced_by_id]
    if not ids:
        return {}
    return {r.id: r for r in db.session.scalars(
        invoices_query(None, rows[0].kind).where(Invoice.id.in_(ids)))}


@require_right(R.MONEY_VIEW)
def invoices() -> ResponseReturnValue:
    """«Счета»: newest first; number, date, amount, remaining, «Оплатить до», download."""
    return _list(DocumentKind.INVOICE, "invoicing/invoices.html")


@require_right(R.MONEY_VIEW)
def tax_invoices() -> ResponseReturnValue:
    """«Налоговые накладные» (счета-фактуры): newest first, download."""
    return _list(DocumentKind.TAX_INVOICE, "invoicing/tax_invoices.html")


def _download(row: Invoice) -> ResponseReturnValue:
    document = row.document
    assert document is not None
    prefix = "schet" if row.kind is DocumentKind.INVOICE else "schet-faktura"
    return send_file(io.BytesIO(_store().get(document.sha256)), mimetype="application/pdf",
                     as_attachment=True, download_name=f"{prefix}-{row.number}.pdf",
                     max_age=0)


def _client_download(invoice_id: int, kind: DocumentKind) -> ResponseReturnValue:
    row = get_invoice(db.session, invoice_id, client_id=active_client_id(), kind=kind)
    assert row.document is not None
    # The client's first download is the receipt («Получен»); staff downloads are not.
    record_receipt(db.session, row.document, actor=current_actor())
    return _download(row)


@require_right(R.MONEY_VIEW)
def download_invoice(invoice_id: int) -> ResponseReturnValue:
    return _client_download(invoice_id, DocumentKind.INVOICE)


@require_right(R.MONEY_VIEW)
def download_tax_invoice(invoice_id: int) -> ResponseReturnValue:
    return _client_download(invoice_id, DocumentKind.TAX_INVOICE)


@require_right(R.CLIENTS_VIEW)
def staff_download(invoice_id: int) -> ResponseReturnValue:
    """The supplier's staff look at an invoice: no receipt is recorded."""
    return _download(get_invoice(db.session, invoice_id, client_id=None))


# --- the period board -------------------------------------------------------------------------

def period_panel(session: DbSession, period: BillingPeriod) -> dict[str, Any]:
    """The board's acts-and-calculation panel (``periods.panels``)."""
    show = request.args.get("show", "all")
    page = request.args.get("page", 1, type=page_number)
    shown = board.period_board(session, period, page=page, show=show)
    now = utcnow()
    idle = shown.progress.idle(now)
    return {"board": shown, "filters": board.FILTERS, "task_status": TaskStatus,
            # Whether the run has stopped (its jobs lost), and for how many whole minutes:
            # the staff learn it before the beat job resumes the run.
            "stalled": shown.progress.stalled(now),
            "idle_minutes": int(idle.total_seconds() // 60) if idle is not None else None,
            "can_calculate": current_user.has_right(R.INVOICES_SIGN),
            "can_download": current_user.has_right(R.CLIENTS_VIEW)}


@require_right(R.INVOICES_SIGN)
def calculate(period_id: int) -> ResponseReturnValue:
    """«Рассчитать»: start or resume the period's calculation, one job per client."""
    period = get_period(db.session, period_id)
    claim_submission(request.form.get("submission_id"))
    launch = runs.start_calculation(db.session, period, actor=current_actor())

    def dispatch() -> None:
        jobs.dispatch_many("lk.calculate_client", ((task_id,) for task_id in launch.task_ids))

    after_commit(db.session, dispatch)
    if launch.task_ids:
        flash(_("The calculation of %(period)s has started for %(count)s clients.",
                period=period.label, count=len(launch.task_ids)), "success")
    else:
        flash(_("Nothing to calculate: no accepted reading act is waiting for its invoices."),
              "info")
    return redirect(url_for("periods.detail", period_id=period.id))
