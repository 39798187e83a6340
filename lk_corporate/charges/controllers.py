"""HTTP handlers of «Деньги → Расшифровка начислений»: the table for a chosen month, its PDF
and «Отправить на e-mail» (to the signed-in user's address)."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user

from lk_corporate.charges import operations as ops
from lk_corporate.charges.forms import EmailBreakdownForm
from lk_corporate.core import rights as R
from lk_corporate.core.auth import active_client_id, require_right
from lk_corporate.core.extensions import db
from lk_corporate.core.formkit import current_actor, submit_form
from lk_corporate.core.i18n import format_period
from lk_corporate.core.storage import FileStore
from lk_corporate.core.urls import MAX_ID
from lk_corporate.invoicing.settings import InvoicingSettings


def _settings() -> InvoicingSettings:
    return InvoicingSettings.from_config(current_app.config)


def _verify_url(breakdown: ops.Breakdown) -> str:
    # The breakdown is not a stored document (the invoice is): its QR code leads to the
    # month's breakdown in the portal, for the client signed in there.
    return f"{_settings().base_url}/charges?period={breakdown.period_id}"


def _chosen_period(client_id: int) -> int | None:
    chosen = request.args.get("period", type=int)
    if chosen is not None and 1 <= chosen <= MAX_ID:
        return chosen
    period = ops.default_period(db.session, client_id)
    return period.id if period is not None else None


def _first_of(breakdown: ops.Breakdown) -> dt.date:
    return dt.date(breakdown.year, breakdown.month, 1)


@require_right(R.MONEY_VIEW)
def index() -> ResponseReturnValue:
    """The month's table: «Выберите период» and «Показать расшифровку», then the lines."""
    client_id = active_client_id()
    period_id = _chosen_period(client_id)
    breakdown = ops.charges_breakdown(db.session, client_id, period_id) if period_id else None
    form = EmailBreakdownForm(period=period_id)
    return render_template("charges/index.html", breakdown=breakdown,
                           periods=ops.breakdown_periods(db.session), period_id=period_id,
                           form=form, month=_first_of(breakdown) if breakdown else None,
                           month_date=lambda y, m: dt.date(y, m, 1))


@require_right(R.MONEY_VIEW)
def pdf() -> ResponseReturnValue:
    """«Скачать PDF»: the month's breakdown as a PDF (404 for a month without a calculation:
    the page offers no link then)."""
    client_id = active_client_id()
    period_id = request.args.get("period", type=int)
    if period_id is None or not 1 <= period_id <= MAX_ID:
        return redirect(url_for("charges.index"))
    breakdown = ops.charges_breakdown(db.session, client_id, period_id)
    if not breakdown.calculated:
        flash(_("The charges for %(period)s have not been calculated yet.",
                period=format_period(_first_of(breakdown))), "warning")
        return redirect(url_for("charges.index", period=period_id))
    data = ops.render_breakdown(db.session, breakdown, verify_url=_verify_url(breakdown),
                                today=_settings().today())
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=ops.file_name(breakdown), max_age=0)


@require_right(R.MONEY_VIEW)
def email() -> ResponseReturnValue:
    """«Отправить на e-mail»: the PDF to the user's own address, once per click."""
    client_id = active_client_id()
    form = EmailBreakdownForm()
    if not form.validate_on_submit():
        flash(_("Choose the month to send."), "danger")
        return redirect(url_for("charges.index"))
    period_id = int(form.period.data or 0)
    breakdown = ops.charges_breakdown(db.session, client_id, period_id)
    month = format_period(_first_of(breakdown))
    store = FileStore(Path(current_app.config["LK_STORAGE_DIR"]))
    subject = _("Charges breakdown for %(period)s", period=month)
    body = render_template("emails/charges_breakdown.txt", user=current_user, period=month,
                           breakdown=breakdown)
    sent = submit_form(form, ops.email_breakdown, store, breakdown, to=current_user.email,
                       subject=subject, body=body, verify_url=_verify_url(breakdown),
                       today=_settings().today(), actor=current_actor())
    if sent is None:
        for message in form.form_errors:
            flash(str(message), "danger")
    else:
        flash(_("The charges breakdown for %(period)s is on its way to %(email)s.",
                period=month, email=current_user.email), "success")
    return redirect(url_for("charges.index", period=period_id))
